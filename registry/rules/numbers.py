"""Registration numbers, printed certificate numbers (revisions), sub-certificate numbers
(§6 a) and OIDs (Appendix C)."""

import re
from typing import NamedTuple

from registry.errors import InvalidInput

OID_PREFIX = "1.2.156.1.2."
MAX_SEQUENCE = 9999
MAX_SUBS = 99  # -S01 … -S99

_NUMBER = re.compile(r"CESI(\d{4})EV/IMG1(\d{4})(?:R(\d{2})(?:-S(\d{2}))?)?")


class CertificateRef(NamedTuple):
    """What a caller named: a registration, a printed revision of it if given, and the
    sub-certificate (子证书, §6 a) of that revision if given."""

    registration_no: str
    revision: int | None
    sub: int | None = None


def registration_no(year: int, sequence: int) -> str:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise InvalidInput(f"the registration sequence of {year} is exhausted")
    return f"CESI{year:04d}EV/IMG1{sequence:04d}"


def certificate_no(registration: str, revision: int) -> str:
    return f"{registration}R{revision:02d}"


def sub_certificate_no(registration: str, revision: int, sub: int) -> str:
    """§6 a 子证书号: the master certificate's printed number and `-S{NN}`, NN from 01."""
    return f"{certificate_no(registration, revision)}-S{sub:02d}"


def oid(certificate: str) -> str:
    return OID_PREFIX + certificate


def parse_number(text: str) -> CertificateRef:
    """A registration or printed certificate number, as typed (case and blanks forgiven)."""
    match = _NUMBER.fullmatch("".join(text.split()).upper())
    if match is None:
        raise InvalidInput(
            f"{text[:60]!r} is not a certificate number like CESI2026EV/IMG10007R00 "
            "(or a sub-certificate's, CESI2026EV/IMG10007R00-S01)",
            field="number",
        )
    year, sequence, revision, sub = match.groups()
    if sub == "00":
        raise InvalidInput("sub-certificate numbers run from -S01", field="number")
    return CertificateRef(
        f"CESI{year}EV/IMG1{sequence}",
        None if revision is None else int(revision),
        None if sub is None else int(sub),
    )


def parse_oid(text: str) -> CertificateRef:
    """An OID as printed, `1.2.156.1.2. CESI…R00`, with or without the blank."""
    compact = "".join(text.split())
    if not compact.startswith(OID_PREFIX):
        raise InvalidInput(f"an OID starts with {OID_PREFIX}", field="oid")
    ref = parse_number(compact[len(OID_PREFIX) :])
    if ref.revision is None:
        raise InvalidInput(
            "an OID names a printed certificate number with its R revision", field="oid"
        )
    return ref


def registration_year(registration: str) -> int:
    return int(registration[4:8])


def sequence_of(registration: str) -> int:
    return int(registration[-4:])
