"""The offline status list (draft-ietf-oauth-status-list), read by an implementation written
here from the draft, and `registry verify-qr --offline` deciding on it."""

import base64
import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from registry.application import open_registry
from registry.qrcodes import VERIFY_PATH, png, printed_claims
from registry.settings import Settings
from registry.signing import open_keys
from tests.api.conftest import SUSPENSION, Api
from tests.conftest import Clock
from tests.processes import cli
from tests.scanning import scan

REVOCATION = {"reason": "b", "details": "监督发现严重不符合", "effective_date": "2026-07-01"}
URI = "https://registry.example/api/v1/status-list"


def draft_status(lst: str, idx: int, bits: int) -> int:
    """§4.1 of the draft: base64url (no padding) of the zlib (RFC 1950) DEFLATE of a byte
    array; the status of `idx` is the `bits` bits at bit position idx * bits, counting from
    the least significant bit of byte 0."""
    compressed = base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4))
    array = zlib.decompress(compressed)
    per_byte = 8 // bits
    byte = array[idx // per_byte]
    return (byte >> ((idx % per_byte) * bits)) & ((1 << bits) - 1)


def served_list(api: Api) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(header, claims, token) of the served list, its signature checked by PyJWT."""
    response = api.client.get("/api/v1/status-list")
    assert response.headers["content-type"] == "application/statuslist+jwt"
    token = response.text
    header = jwt.get_unverified_header(token)
    keys = jwt.PyJWKSet.from_dict(api.client.get("/.well-known/jwks.json").json())
    claims = jwt.decode(
        token, key=keys[header["kid"]].key, algorithms=["EdDSA"], options={"verify_exp": False}
    )
    return header, claims, token


def status_ref(api: Api, no: str) -> dict[str, Any]:
    """The `status.status_list` claim of the certificate's QR token, as scanned."""
    image = api.client.get(f"/api/v1/certificates/{no}/qr.png").content
    token = scan(image).rsplit("/v/", 1)[1]
    ref: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})["status"]
    return dict(ref["status_list"])


def test_the_status_list_is_a_signed_statuslist_jwt_with_two_bit_entries(api: Api) -> None:
    api.issue()

    header, claims, _ = served_list(api)

    assert header["typ"] == "statuslist+jwt"
    assert header["alg"] == "EdDSA"
    assert claims["sub"] == URI
    assert claims["exp"] - claims["iat"] == 86_400
    assert claims["ttl"] == 3600
    assert claims["status_list"]["bits"] == 2


def test_each_qr_token_points_at_its_status_valid_suspended_or_invalid(api: Api) -> None:
    valid, suspended, revoked = api.issue(), api.issue(), api.issue()
    refs = {no: status_ref(api, no) for no in (valid, suspended, revoked)}
    api.command(suspended, "suspensions", SUSPENSION)
    api.command(revoked, "revocations", REVOCATION)

    _, claims, _ = served_list(api)

    lst = claims["status_list"]["lst"]
    assert {ref["uri"] for ref in refs.values()} == {URI}
    assert [draft_status(lst, refs[no]["idx"], 2) for no in (valid, suspended, revoked)] == [
        0x00,
        0x02,
        0x01,
    ]


def test_an_expired_certificate_is_listed_invalid_before_any_sweep(api: Api) -> None:
    no = api.issue(decision_date="2023-11-20")  # valid until 2026-11-19
    idx = (2023 - 1900) * 10_000 + int(no[-4:])

    _, claims, _ = served_list(api)

    assert draft_status(claims["status_list"]["lst"], idx, 2) == 0x01


def test_the_list_is_re_signed_when_a_status_changes_and_not_otherwise(api: Api) -> None:
    no = api.issue()
    first = served_list(api)[2]
    again = served_list(api)[2]

    api.command(no, "suspensions", SUSPENSION)
    changed = served_list(api)[2]

    assert again == first
    assert changed != first


def test_an_unchanged_list_is_re_signed_after_half_a_day(api: Api, clock: Clock) -> None:
    api.issue()
    _, before, _ = served_list(api)

    clock.now += timedelta(hours=12)
    _, after, _ = served_list(api)

    assert after["iat"] == before["iat"] + 12 * 3600
    assert after["status_list"] == before["status_list"]


def saved(api: Api, tmp_path: Path, no: str) -> Path:
    """The photo of a certificate's QR code, taken while it was in force."""
    image = tmp_path / f"{no.replace('/', '-')}.png"
    image.write_bytes(api.client.get(f"/api/v1/certificates/{no}/qr.png").content)
    return image


def verify_offline(api: Api, settings: Settings, tmp_path: Path, image: Path) -> Any:
    jwks, status_list = tmp_path / "jwks.json", tmp_path / "status-list.jwt"
    jwks.write_text(json.dumps(api.client.get("/.well-known/jwks.json").json()))
    status_list.write_text(api.client.get("/api/v1/status-list").text)
    return cli(
        settings,
        *("verify-qr", str(image), "--offline"),
        *("--jwks", str(jwks), "--status-list", str(status_list)),
    )


def recent(clock: Clock) -> str:
    """The CLI reads the wall clock: put the app's there, and decide a month before."""
    clock.now = datetime.now(UTC)
    return (clock.now - timedelta(days=30)).date().isoformat()


def test_verify_qr_offline_exits_0_for_a_valid_certificate(
    api: Api, settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    image = saved(api, tmp_path, api.issue(decision_date=recent(clock)))

    result = verify_offline(api, settings, tmp_path, image)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("authentic and in force: valid")


@pytest.mark.parametrize(
    ("command", "body", "said"),
    [("revocations", REVOCATION, "invalid"), ("suspensions", SUSPENSION, "suspended")],
)
def test_verify_qr_offline_refuses_a_certificate_no_longer_valid_saying_why(
    api: Api,
    settings: Settings,
    tmp_path: Path,
    clock: Clock,
    command: str,
    body: dict[str, str],
    said: str,
) -> None:
    day = recent(clock)
    no = api.issue(decision_date=day)
    image = saved(api, tmp_path, no)
    api.command(no, command, body | {"effective_date": day})

    result = verify_offline(api, settings, tmp_path, image)

    assert result.returncode == 3
    assert result.stdout.startswith(f"authentic, but NOT in force: {said}")


def test_verify_qr_offline_refuses_an_expired_status_list(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    image = saved(api, tmp_path, api.issue())  # the app's clock: 2026-11-25, long past

    result = verify_offline(api, settings, tmp_path, image)

    assert result.returncode != 0
    assert result.stderr.startswith("registry: the status list has expired")


def test_a_code_printed_before_status_lists_is_authentic_but_its_status_unknown_offline(
    api: Api, settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    no = api.issue(decision_date=recent(clock))
    with open_registry(settings, clock=clock) as registry:
        old_token = open_keys(registry, settings).sign(printed_claims(registry.verify(number=no)))
    image = tmp_path / "old.png"
    image.write_bytes(png("https://registry.example" + VERIFY_PATH + old_token))

    result = verify_offline(api, settings, tmp_path, image)

    assert result.returncode == 3
    assert result.stdout.startswith("authentic, but NOT in force: unknown")


def test_verify_qr_offline_needs_the_saved_files(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    image = saved(api, tmp_path, api.issue())

    result = cli(settings, "verify-qr", str(image), "--offline")

    assert result.returncode != 0
    assert result.stderr.startswith("registry: --offline needs --jwks FILE")
