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
