"""RFC 8785 canonical JSON (JCS), the encoding every hash and signature here is made over.

`rfc8785` is the reference implementation, in pure Python: a quarter of an import's time.
orjson with sorted keys writes the very same bytes for nearly every document we hash:
- keys are ASCII, so sorting by code point (orjson) and by UTF-16 unit (JCS) agree;
- integers are within ±(2**53 − 1), the range JCS accepts;
- a whole float is written as an integer by JCS (4.0 → 4): it is handed to orjson as one;
- other floats of magnitude 1e-5 or more are written alike by both (shortest round trip,
  no exponent below 1e21); smaller ones differ (JCS writes 0.000001, orjson 1e-6);
- strings are escaped alike (only `"`, `\\` and controls, the short forms first).
Whatever falls outside goes to `rfc8785`, which also raises for what JCS cannot encode.
`tests/unit/test_canonical.py` checks the two agree on arbitrary documents.
"""

from typing import Any

import orjson
import rfc8785

SAFE_INTEGER = 2**53 - 1
SMALLEST_PLAIN_FLOAT = 1e-5


class _Outside(Exception):
    """The document holds something only the reference implementation writes right."""


def dumps(document: Any) -> bytes:
    try:
        return orjson.dumps(_plain(document), option=orjson.OPT_SORT_KEYS)
    except (_Outside, orjson.JSONEncodeError):
        return bytes(rfc8785.dumps(document))


def _plain(value: Any) -> Any:
    if value is None or value is True or value is False or type(value) is str:
        return value
    if type(value) is int:
        if -SAFE_INTEGER <= value <= SAFE_INTEGER:
            return value
        raise _Outside
    if type(value) is float:
        if value.is_integer() and -SAFE_INTEGER <= value <= SAFE_INTEGER:
            return int(value)
        if SMALLEST_PLAIN_FLOAT <= abs(value) < SAFE_INTEGER:  # finite, not whole
            return value
        raise _Outside
    if type(value) is dict:
        for key in value:
            if type(key) is not str or not key.isascii():
                raise _Outside
        return {key: _plain(item) for key, item in value.items()}
    if type(value) is list or type(value) is tuple:
        return [_plain(item) for item in value]
    raise _Outside
