"""QR codes of the printed certificate: render a signed URL as PNG or SVG, decode a photo."""

import io
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any, TypedDict

import qrcode
import qrcode.image.svg
import zxingcpp
from PIL import Image, UnidentifiedImageError

from registry.answers import Answer, printable
from registry.application import Registry
from registry.errors import InvalidInput, NotFound
from registry.rules.numbers import parse_number
from registry.signing import Keys, Verdict
from registry.status_list import status_claim

VERIFY_PATH = "/v/"


class Claims(TypedDict):
    """The facts printed on a certificate, as its QR token signs them."""

    iss: str
    certificate_no: str
    holder_name: str
    uscc: str
    level: int
    issue_date: str
    valid_until: str


class QrCheck(TypedDict):
    """The verdict on a scanned token, with the certificate's live answer."""

    authentic: bool
    kid: str | None
    claims: dict[str, Any] | None  # as signed: a forged token may carry anything
    current: Answer | None
    reason: str
    differences: list[str]


def printed_claims(answer: Answer) -> Claims:
    """The facts printed on the certificate, which its QR token signs (README, "Signed QR
    codes and the printable certificate")."""
    return {
        "iss": "CESI",
        "certificate_no": answer["current_certificate_no"],
        "holder_name": answer["holder"]["name"],
        "uscc": answer["holder"]["uscc"],
        "level": answer["level"],
        "issue_date": answer["issue_date"],
        "valid_until": answer["valid_until"],
    }


def _code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


@lru_cache(maxsize=4096)
def png(data: str) -> bytes:
    """PNG bytes, cached by content: a token is deterministic (Ed25519), so is its image."""
    buffer = io.BytesIO()
    _code(data).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


@lru_cache(maxsize=4096)
def svg(data: str) -> bytes:
    buffer = io.BytesIO()
    _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=4096)
def compact_svg(data: str) -> bytes:
    """The same code as `svg`, drawn as one stroke a module wide per run of dark modules in
    a row: a path a fifth as long, which a PDF renderer draws in a fraction of the time."""
    rows = _code(data).get_matrix()  # the quiet zone included
    runs = []
    for y, row in enumerate(rows):
        x = 0
        for dark, group in groupby(row):
            width = len(list(group))
            if dark:
                runs.append(f"M{x} {y}.5h{width}")  # through the middle of the row
            x += width
    size = len(rows)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}">'
        f'<path stroke="#000" stroke-width="1" d="{"".join(runs)}"/></svg>'
    ).encode()


def qr_only() -> zxingcpp.BarcodeFormats:
    """zxing-cpp's formats argument for QR codes alone; made per call, never held in a
    module: nanobind reports an object of its still alive at exit on stderr."""
    return zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def decode(path: Path) -> list[str]:
    """The texts of every QR code in a photo or scan (none is an empty list)."""
    try:
        with Image.open(path) as image:
            image.load()
            # QR codes only: reading every format, zxing-cpp now and then also finds a
            # Codabar that is not there in one of our codes (tests/unit/test_scanning.py).
            results = zxingcpp.read_barcodes(image, formats=qr_only())
    except (OSError, UnidentifiedImageError) as error:
        raise InvalidInput(f"{path}: not an image this tool can read ({error})") from None
    return [r.text for r in results if r.valid]


def token_of(text: str) -> str:
    """The token of a scanned QR: the part after /v/ of the URL, or the text itself."""
    return text.rsplit(VERIFY_PATH, 1)[-1].split("?", 1)[0].split("#", 1)[0]


def signed_url(registry: Registry, keys: Keys, base_url: str, number: str) -> str:
    """The URL a printed certificate's QR code holds: the page of its signed token; only
    for the current revision of a certificate in force (`printable`)."""
    current = printable(registry.verify(number=number))
    status = status_claim(current["registration_no"], base_url)
    return (
        base_url.rstrip("/")
        + VERIFY_PATH
        + keys.sign({**printed_claims(current), "status": status})
    )


def check(registry: Registry, keys: Keys, token: str) -> QrCheck:
    """The verdict on a token and, when authentic, the certificate's live answer."""
    verdict: Verdict = keys.verify(token)
    current = None
    if verdict.authentic and verdict.claims is not None:
        try:  # the registration's current certificate: a re-issue shows as a difference
            printed = parse_number(str(verdict.claims.get("certificate_no", "")))
            if printed.sub is None:
                current = registry.verify(number=printed.registration_no)
            else:  # §6 a: a sub-certificate's current number, with its own scope
                asked = registry.verify(number=str(verdict.claims["certificate_no"]))
                current = registry.verify(number=asked["current_certificate_no"])
        except (NotFound, InvalidInput):
            current = None
    return {
        "authentic": verdict.authentic,
        "kid": verdict.kid,
        "claims": verdict.claims,
        "current": current,
        "reason": verdict.reason,
        "differences": differences(verdict.claims, current),
    }


def differences(claims: dict[str, Any] | None, current: Answer | None) -> list[str]:
    """Printed facts that no longer match the registry's (a re-issue since printing)."""
    if not claims or not current:
        return []
    now: dict[str, object] = dict(printed_claims(current))
    return [name for name in now if name != "iss" and claims.get(name) != now[name]]
