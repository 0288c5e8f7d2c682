"""The fast canonical JSON writes exactly what the RFC 8785 reference writes, or refuses alike."""

import string
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from registry import canonical

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.text()
)
keys = st.text(alphabet=string.ascii_letters + "_", max_size=8) | st.text()  # mostly the fast path
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=30,
)


def reference(document: Any) -> bytes | type[Exception]:
    try:
        return bytes(rfc8785.dumps(document))
    except Exception as error:
        return type(error)


@settings(max_examples=1500)
@given(documents)
def test_fast_canonical_json_matches_the_reference_implementation(document: Any) -> None:
    expected = reference(document)
    if isinstance(expected, bytes):
        assert canonical.dumps(document) == expected
    else:
        with pytest.raises(expected):
            canonical.dumps(document)


@pytest.mark.parametrize(
    "document",
    [
        {"\ue000": 1, "\U0001f600": 2},  # UTF-16 order puts the surrogate pair first
        {"days": 4.0, "neg": -0.0},  # whole floats are written as integers
        [1e-6, 1e-5, 0.1, 1e16 + 2.0, 1e21, 123456789.25],
        2**53 - 1,
        '\x00\x1f\x7f\b\t\n\f\r"\\/\u2028',
    ],
)
def test_known_edges_are_written_as_rfc_8785_says(document: Any) -> None:
    assert canonical.dumps(document) == rfc8785.dumps(document)


@pytest.mark.parametrize("document", [2**53, float("nan"), float("inf"), "\ud800"])
def test_what_rfc_8785_cannot_encode_is_refused(document: Any) -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical.dumps(document)
