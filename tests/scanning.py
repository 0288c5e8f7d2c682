"""Reading our QR codes back as a phone would, independently of the registry (zxing-cpp).

Only QR codes are asked for: reading every format it knows, zxing-cpp also finds a Codabar
that is not there in about one of our images in 1,200 (a hunt failed four tests on one such
token: `tests/unit/test_scanning.py`)."""

import io

import zxingcpp
from PIL import Image


def qr_texts(image: bytes | Image.Image) -> list[str]:
    """The texts of every QR code in an image (PNG bytes or a PIL image)."""
    picture = Image.open(io.BytesIO(image)) if isinstance(image, bytes) else image
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)  # never held at exit: nanobind
    return [code.text for code in zxingcpp.read_barcodes(picture, formats=qr)]


def scan(image: bytes) -> str:
    """The text of the one QR code in a PNG."""
    (text,) = qr_texts(image)
    return text
