"""The offline status list: every registration's status in 2 bits, in the IETF OAuth Token
Status List format (draft-ietf-oauth-status-list), signed as a `statuslist+jwt`, so that a
QR token's `status` claim can be checked without asking the registry about that certificate.

A registration's place in the list (`idx`) follows from its number and never changes.
The draft advises random places so that tokens cannot be linked; certificates are public
(§6.3.3), so nothing is hidden by that and a fixed place needs no storage.
"""

import base64
import json
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from registry.errors import InvalidInput
from registry.rules.lifecycle import Status
from registry.rules.numbers import MAX_SEQUENCE, registration_year, sequence_of
from registry.signing import STATUSLIST_TYP, verify_compact

PATH = "/api/v1/status-list"
TYP = STATUSLIST_TYP
BITS = 2
MASK = 0b11  # BITS ones
VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02  # the draft's status types
FIRST_YEAR = 1900  # the earliest decision year (legacy imports)
TTL = timedelta(hours=1)  # how long a reader may cache the list
LIFETIME = timedelta(days=1)  # `exp`: re-signed at least daily
RESIGN_AFTER = timedelta(hours=12)  # an unchanged list is re-signed well before it expires


class StatusListRef(TypedDict):
    idx: int
    uri: str


class StatusClaim(TypedDict):
    """The `status` claim of a QR token."""

    status_list: StatusListRef


def index(registration: str) -> int:
    """The registration's fixed place in the list."""
    year = registration_year(registration) - FIRST_YEAR
    return year * (MAX_SEQUENCE + 1) + sequence_of(registration)


def status_claim(registration: str, base_url: str) -> StatusClaim:
    return {"status_list": {"idx": index(registration), "uri": base_url.rstrip("/") + PATH}}


def status_value(status: str) -> int:
    """Valid, suspended, or invalid (revoked, cancelled, expired)."""
    values: dict[str, int] = {Status.VALID: VALID, Status.SUSPENDED: SUSPENDED}
    return values.get(status, INVALID)


def encode(statuses: Iterable[tuple[int, int]]) -> str:
    """`lst`: the DEFLATE (zlib) of the byte array, entry `idx` in bits 2*idx and up, least
    significant first, as base64url without padding."""
    entries = dict(statuses)
    array = bytearray((max(entries, default=0) * BITS) // 8 + 1)
    for idx, value in entries.items():
        array[idx * BITS // 8] |= value << (idx * BITS % 8)
    return base64.urlsafe_b64encode(zlib.compress(bytes(array), 9)).rstrip(b"=").decode()


def decode(lst: str, idx: int) -> int:
    """The status at `idx` of an encoded list (entries past its end are refused)."""
    array = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    position = idx * BITS
    if not 0 <= position // 8 < len(array):
        raise IndexError(f"index {idx} is outside the status list")
    return (array[position // 8] >> (position % 8)) & MASK


def claims(lst: str, uri: str, now: datetime) -> dict[str, Any]:
    moment = int(now.timestamp())
    return {
        "sub": uri,
        "iat": moment,
        "exp": moment + int(LIFETIME.total_seconds()),
        "ttl": int(TTL.total_seconds()),
        "status_list": {"bits": BITS, "lst": lst},
    }


@dataclass(frozen=True)
class Signed:
    lst: str
    at: datetime
    token: str


class StatusListIssuer:
    """Keeps the signed list: re-signed when a status changes, and at least twice a day."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signed: Signed | None = None

    def token(
        self, statuses: Mapping[str, str], uri: str, now: datetime, sign: Callable[[bytes], str]
    ) -> str:
        """`statuses`: registration -> status today; `sign`: the payload's compact JWS."""
        lst = encode((index(r), status_value(s)) for r, s in statuses.items())
        with self._lock:
            last = self._signed
            if last is None or last.lst != lst or now - last.at >= RESIGN_AFTER or now < last.at:
                payload = json.dumps(claims(lst, uri, now), separators=(",", ":")).encode()
                last = self._signed = Signed(lst, now, sign(payload))
            return last.token


STATUS_NAMES = {
    VALID: "valid",
    INVALID: "invalid (revoked, cancelled or expired)",
    SUSPENDED: "suspended",
}


def read_list(token: str, jwks: dict[str, Any], uri: str, now: datetime) -> str:
    """The `lst` of a status list token once its signature, `typ`, subject and expiry hold;
    otherwise refused saying which."""
    verdict = verify_compact(token, jwks, (TYP,))
    if not verdict.authentic or not isinstance(verdict.claims, dict):
        raise InvalidInput(f"the status list is not authentic: {verdict.reason}")
    found = verdict.claims
    if found.get("sub") != uri:
        raise InvalidInput(f"the status list is {found.get('sub')!r}, the code names {uri}")
    expires = found.get("exp")
    if not isinstance(expires, int) or expires <= now.timestamp():
        raise InvalidInput("the status list has expired: fetch a fresh one")
    listed = found.get("status_list")
    if not isinstance(listed, dict) or listed.get("bits") != BITS:
        raise InvalidInput(f"the status list does not hold {BITS}-bit entries")
    return str(listed.get("lst", ""))


def listed_status(lst: str, idx: int) -> str:
    """The status name at `idx`, as a verifier prints it."""
    try:
        return STATUS_NAMES.get(decode(lst, idx), "unknown")
    except (ValueError, zlib.error, IndexError) as error:
        raise InvalidInput(f"the status list cannot be read at {idx}: {error}") from None
