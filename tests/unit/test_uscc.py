import pytest

from registry.errors import InvalidInput
from registry.rules.uscc import check_character, check_uscc


def test_check_character_of_a_published_code() -> None:
    assert check_character("91440300708461136") == "T"


def test_valid_code_is_accepted() -> None:
    assert check_uscc("91440300708461136T") == "91440300708461136T"


def test_wrong_check_character_is_refused_naming_the_right_one() -> None:
    with pytest.raises(InvalidInput, match="should be T"):
        check_uscc("91440300708461136U")


@pytest.mark.parametrize("code", ["9144030070846113", "91440300708461136TT", "", None])
def test_code_of_the_wrong_length_is_refused(code: object) -> None:
    with pytest.raises(InvalidInput, match="18 characters"):
        check_uscc(code)


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z", "a"])
def test_letters_outside_the_charset_are_refused(letter: str) -> None:
    with pytest.raises(InvalidInput, match="not a character"):
        check_uscc(f"9144030070846113{letter}T")


def test_check_character_zero_when_the_sum_is_a_multiple_of_31() -> None:
    assert check_character("00000000000000000") == "0"
