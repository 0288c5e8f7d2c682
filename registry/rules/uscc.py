"""The unified social credit code (统一社会信用代码) and its check character (GB 32100-2015)."""

from registry.errors import InvalidInput

USCC_LENGTH = 18  # GB 32100-2015

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first_17: str) -> str:
    """The 18th character that GB 32100-2015 computes from the first 17."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first_17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def check_uscc(code: object) -> str:
    """Return the code if it is a well-formed USCC, otherwise refuse it naming the fault."""
    if not isinstance(code, str) or len(code) != USCC_LENGTH:
        raise InvalidInput("a unified social credit code has 18 characters", field="holder.uscc")
    bad = [c for c in code if c not in CHARSET]
    if bad:
        raise InvalidInput(
            f"{bad[0]!r} is not a character of the unified social credit code "
            "(digits and capitals without I, O, S, V, Z)",
            field="holder.uscc",
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidInput(
            f"unified social credit code {code}: check character should be {expected}",
            field="holder.uscc",
        )
    return code
