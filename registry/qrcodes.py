"""QR codes of the printed certificate: render a signed URL as PNG or SVG, decode a photo."""

import io
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any, TypedDict

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


BOX = 4  # pixels a module in the PNG


def _code(data: str, scale: int = 1) -> tuple[int, bytes]:
    """The QR code of `data`, `scale` pixels a module, with its quiet zone (4 modules):
    error correction M, the smallest version that holds it. Its side in pixels, and the
    pixels row after row (0 dark, 255 light). zxing-cpp draws it in about a millisecond;
    the pure-Python `qrcode` took ~60 ms for a signed URL this long (trying its eight
    masks), a quarter of the time a PDF certificate took to make."""
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    drawn = zxingcpp.write_barcode_to_image(code, scale=scale)
    pixels = memoryview(drawn).tobytes()  # type: ignore[arg-type]  # its stubs omit the buffer
    return drawn.shape[0], pixels


@lru_cache(maxsize=4096)
def png(data: str) -> bytes:
    """PNG bytes, cached by content: a token is deterministic (Ed25519), so is its image."""
    side, pixels = _code(data, BOX)
    image = Image.frombytes("L", (side, side), pixels)
    buffer = io.BytesIO()
    image.convert("1").save(buffer, format="PNG")  # one bit a pixel
    return buffer.getvalue()


@lru_cache(maxsize=4096)
def svg(data: str) -> bytes:
    """The same code as a vector image: one stroke a module wide per run of dark modules in
    a row, a path a fifth as long as one square a module."""
    size, pixels = _code(data)
    runs = []
    for y in range(size):
        x = 0
        for value, group in groupby(pixels[y * size : (y + 1) * size]):
            width = len(list(group))
            if value == 0:
                runs.append(f"M{x} {y}.5h{width}")  # through the middle of the row
            x += width
    side = size * BOX
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<path stroke="#000" stroke-width="1" d="{"".join(runs)}"/></svg>\n'
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
