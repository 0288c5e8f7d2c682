"""The certificate's value objects, holder and scope (§6 a, d), and the checks that make them."""

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NotRequired, TypedDict

from registry.errors import InvalidInput
from registry.rules.uscc import check_uscc

MAX_TEXT = 300
MAX_LONG_TEXT = 2000  # the details of a suspension or revocation
MAX_SITES = 200
MAX_ACTIVITIES = 200


class HolderDoc(TypedDict):
    """The holder as events and answers store it."""

    name: str
    name_en: str
    uscc: str
    address: str


class SiteDoc(TypedDict):
    """A site of the scope as events and answers store it; the English, for an English
    certificate (§6 g), only when recorded (so sites without it hash as before)."""

    address: str
    activities: list[str]
    address_en: NotRequired[str]
    activities_en: NotRequired[list[str]]


@dataclass(frozen=True)
class Holder:
    name: str
    uscc: str
    address: str
    name_en: str = ""

    @classmethod
    def from_dict(cls, data: HolderDoc) -> "Holder":
        """Rebuild from a stored event: no checks, the past stays loadable."""
        return cls(data["name"], data["uscc"], data["address"], data.get("name_en", ""))

    def to_dict(self) -> HolderDoc:
        return {
            "name": self.name,
            "name_en": self.name_en,
            "uscc": self.uscc,
            "address": self.address,
        }


@dataclass(frozen=True)
class Site:
    """A place where the service is provided, with the activities certified there (§5.1.2)."""

    address: str
    activities: tuple[str, ...]
    address_en: str = ""  # §6 g: the English certificate's, when the holder has one
    activities_en: tuple[str, ...] = ()  # empty, or one English text per activity

    @classmethod
    def from_dict(cls, data: SiteDoc) -> "Site":
        return cls(
            data["address"],
            tuple(data["activities"]),
            data.get("address_en", ""),
            tuple(data.get("activities_en", ())),
        )

    def to_dict(self) -> SiteDoc:
        doc: SiteDoc = {"address": self.address, "activities": list(self.activities)}
        if self.address_en:
            doc["address_en"] = self.address_en
        if self.activities_en:
            doc["activities_en"] = list(self.activities_en)
        return doc

    @property
    def english(self) -> bool:
        return bool(self.address_en or self.activities_en)

    def pairs(self) -> list[tuple[str, str]]:
        """Each activity with its English ("" when none recorded)."""
        english = self.activities_en or ("",) * len(self.activities)
        return list(zip(self.activities, english, strict=True))

    @classmethod
    def from_pairs(cls, address: str, pairs: Sequence[tuple[str, str]], address_en: str) -> "Site":
        """A site from (activity, English) pairs: English kept only when every one has it."""
        english = tuple(en for _, en in pairs)
        return cls(address, tuple(a for a, _ in pairs), address_en, english if all(english) else ())


def check_text(value: object, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    """A single line of printable text, trimmed: what may be printed on a certificate."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    # One spelling per text: NFD and NFC of the same name must not be two names (UAX #15).
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    # Cf: invisible format characters, bidi overrides among them, would let a name display
    # as something it is not; Zl and Zp break the line a certificate prints on one.
    # isprintable() is False for every such character (and for spaces other than U+0020,
    # which are allowed): only then is each character looked at.
    if not text.isprintable() and any(unicodedata.category(c) in UNPRINTABLE for c in text):
        raise InvalidInput(
            f"{field} contains control, format or unassigned characters", field=field
        )
    if not text.isascii() and (any(c in BLANKS for c in text) or _stacked(text)):
        raise InvalidInput(
            f"{field} contains invisible fillers or stacked combining marks", field=field
        )
    return text


UNPRINTABLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))
# Letters and symbols to Unicode that print as nothing: a "name" made of them looks blank,
# or like another name (Hangul fillers, the braille blank, the combining grapheme joiner,
# the Khmer inherent vowels).
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
MAX_MARKS = 3  # marks on one base letter: Thai or Devanagari need 2–3, more stacks ("Zalgo")


def _stacked(text: str) -> bool:
    run = 0
    for c in text:
        run = run + 1 if unicodedata.category(c)[0] == "M" else 0
        if run > MAX_MARKS:
            return True
    return False


def parse_holder(data: object) -> Holder:
    if not isinstance(data, Mapping):
        raise InvalidInput("holder must be {name, uscc, address, name_en?}", field="holder")
    return Holder(
        name=check_text(data.get("name"), "holder.name"),
        uscc=check_uscc(data.get("uscc")),
        address=check_text(data.get("address"), "holder.address"),
        name_en=check_text(data.get("name_en"), "holder.name_en", required=False),
    )


def parse_site(data: object, field: str) -> Site:
    if not isinstance(data, Mapping):
        raise InvalidInput(f"each of {field} must be a site {{address, activities}}", field=field)
    activities = data.get("activities")
    if isinstance(activities, str) or not isinstance(activities, Sequence):
        raise InvalidInput("site activities must be a list of texts", field=f"{field}.activities")
    if not activities or len(activities) > MAX_ACTIVITIES:
        raise InvalidInput(
            f"a site needs 1 to {MAX_ACTIVITIES} activities", field=f"{field}.activities"
        )
    checked = tuple(check_text(a, f"{field}.activities") for a in activities)
    if len(set(checked)) != len(checked):
        raise InvalidInput("an activity is listed twice at one site", field=f"{field}.activities")
    address_en, activities_en = parse_english(data, field, len(checked))
    return Site(
        check_text(data.get("address"), f"{field}.address"), checked, address_en, activities_en
    )


def parse_english(
    data: Mapping[str, object], field: str, count: int
) -> tuple[str, tuple[str, ...]]:
    """§6 g: a site's English address and activities, each activity's in its order."""
    address_en = check_text(data.get("address_en"), f"{field}.address_en", required=False)
    english = data.get("activities_en")
    if english is None or english == []:
        return address_en, ()
    if isinstance(english, str) or not isinstance(english, Sequence) or len(english) != count:
        raise InvalidInput(
            f"activities_en gives one English text per activity, {count} here",
            section="§6 g",
            field=f"{field}.activities_en",
        )
    return address_en, tuple(check_text(a, f"{field}.activities_en") for a in english)


def parse_sites(data: object, field: str = "scope.sites") -> tuple[Site, ...]:
    if isinstance(data, str) or not isinstance(data, Sequence):
        raise InvalidInput(f"{field} must be a list of sites", field=field)
    if not data or len(data) > MAX_SITES:
        raise InvalidInput(f"{field} needs 1 to {MAX_SITES} sites", field=field)
    sites = tuple(s if isinstance(s, Site) else parse_site(s, field) for s in data)
    addresses = [s.address for s in sites]
    if len(set(addresses)) != len(addresses):
        raise InvalidInput("a site address is listed twice", field=field)
    return sites
