"""The QR images: the PNG holds the URL, and the SVG draws the same modules."""

import io
import re

from PIL import Image

from registry import qrcodes
from tests.scanning import scan

URL = "https://registry.example/v/" + "eyJhbGciOiJFZERTQSIsImtpZCI6Im" * 12


def dark_modules_of_png(png: bytes) -> set[tuple[int, int]]:
    with Image.open(io.BytesIO(png)) as image:
        pixels = image.convert("L")
        side = image.width // qrcodes.BOX
        return {
            (x, y)
            for y in range(side)
            for x in range(side)
            if pixels.getpixel((x * qrcodes.BOX, y * qrcodes.BOX)) == 0
        }


def dark_modules_of_svg(svg: bytes) -> set[tuple[int, int]]:
    runs = re.findall(r"M(\d+) (\d+)\.5h(\d+)", svg.decode())
    return {(int(x) + i, int(y)) for x, y, width in runs for i in range(int(width))}


def test_the_png_holds_the_url() -> None:
    assert scan(qrcodes.png(URL)) == URL


def test_the_png_has_four_pixels_a_module_and_a_quiet_zone_of_four_modules() -> None:
    dark = dark_modules_of_png(qrcodes.png(URL))

    assert min(x for x, _ in dark) == min(y for _, y in dark) == 4


def test_the_svg_draws_the_modules_of_the_png() -> None:
    svg = qrcodes.svg(URL)

    assert svg.startswith(b"<?xml")
    assert dark_modules_of_svg(svg) == dark_modules_of_png(qrcodes.png(URL))
