"""Printable text: what may be printed on a certificate."""

import sys
import unicodedata

import pytest

from registry.errors import InvalidInput
from registry.rules.values import check_text

FORBIDDEN = ("Cc", "Cf", "Cs", "Co", "Cn")


def test_every_control_format_or_unassigned_character_is_unprintable_to_python() -> None:
    """check_text looks at each character only when str.isprintable() says no."""
    printable_yet_forbidden = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in FORBIDDEN and chr(code).isprintable()
    ]
    assert printable_yet_forbidden == []


@pytest.mark.parametrize("text", ["华创\u202e定制", "A\u200bB", "tab\there", "\ue000"])
def test_text_with_a_control_format_or_private_character_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="control, format or unassigned"):
        check_text(text, "holder.name")


@pytest.mark.parametrize("text", ["深圳市\u3000华创", "Café\u00a0Ltd", "华创 定制"])
def test_text_with_unusual_spaces_is_accepted(text: str) -> None:
    assert check_text(text, "holder.name") == text


def test_text_is_stored_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Café Ltd")

    assert check_text(decomposed, "holder.name") == "Café Ltd"


@pytest.mark.parametrize(
    "text",
    ["华创\u2028定制", "华创\u2029定制"],
    ids=["line-separator", "paragraph-separator"],
)
def test_text_with_a_line_or_paragraph_separator_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="control, format or unassigned"):
        check_text(text, "holder.name")


@pytest.mark.parametrize(
    "text",
    ["\u3164", "华创\u3164定制", "\u2800\u2800", "A\u034fB", "\uffa0有限公司"],
    ids=["hangul-filler", "hangul-filler-inside", "braille-blank", "grapheme-joiner", "halfwidth"],
)
def test_text_with_an_invisible_filler_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="invisible fillers"):
        check_text(text, "holder.name")


def test_text_with_stacked_combining_marks_is_refused() -> None:
    with pytest.raises(InvalidInput, match="stacked combining marks"):
        check_text("Z\u0300\u0301\u0302\u0303\u0304公司", "holder.name")


@pytest.mark.parametrize("text", ["สวัสดี่", "हिन्दी", "Nguyễn Văn"])
def test_text_with_marks_as_languages_write_them_is_accepted(text: str) -> None:
    assert check_text(text, "holder.name") == unicodedata.normalize("NFC", text)
