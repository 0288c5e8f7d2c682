"""Signed QR codes end to end: served images decoded independently, keys rotated, retired and
compromised across restarts, forged and damaged tokens refused."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import rfc8785
from cryptography.hazmat.primitives.serialization import pkcs12
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws
from jwcrypto.common import base64url_encode
from PIL import Image
from pydantic import SecretStr

from api.app import create_app
from registry.application import open_registry
from registry.settings import Settings
from registry.signing import KeyringError, open_keys, sign
from tests.api.conftest import PASSPHRASE, Api
from tests.conftest import Clock
from tests.processes import cli
from tests.scanning import scan

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def scanned_token(api: Api, no: str) -> str:
    """Fetch the PNG, decode it with zxing-cpp, and take the token from its URL."""
    response = api.client.get(f"/api/v1/certificates/{no}/qr.png")
    assert response.headers["content-type"] == "image/png"
    text = scan(response.content)
    assert text.startswith("https://registry.example/v/")
    return text.rsplit("/v/", 1)[1]


def check(api: Api, token: str) -> dict[str, Any]:
    response = api.client.post("/api/v1/qr/verify", json={"token": token})
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def restart(settings: Settings, clock: Clock) -> Iterator[Any]:
    """Stop the app and start a new one on the same store and keys folder."""
    clients: list[TestClient] = []

    def start(api: Api) -> Api:
        api.client.__exit__(None, None, None)
        client = TestClient(create_app(settings, clock=clock))
        client.__enter__()
        clients.append(client)
        return Api(client, api.tokens)

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def test_served_png_decodes_to_a_token_pyjwt_verifies_with_the_served_jwks(api: Api) -> None:
    no = api.issue()

    token = scanned_token(api, no)
    jwks = api.client.get("/.well-known/jwks.json").json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key=key.key, algorithms=["EdDSA"])

    assert claims == {
        "iss": "CESI",
        "certificate_no": f"{no}R00",
        "holder_name": "深圳市定制家居科技有限公司",
        "uscc": "91440300708461136T",
        "level": 3,
        "issue_date": "2026-05-11",
        "valid_until": "2029-05-10",
        "status": {
            "status_list": {
                "idx": 126 * 10_000 + 1,  # CESI2026EV/IMG10001: (2026 - 1900) * 10000 + 1
                "uri": "https://registry.example/api/v1/status-list",
            }
        },
    }


def test_qr_verify_answers_authentic_with_the_live_status(api: Api) -> None:
    no = api.issue()
    token = scanned_token(api, no)
    api.command(
        no, "suspensions", {"reason": "g", "details": "请求", "effective_date": "2026-06-01"}
    )

    result = check(api, token)

    assert result["authentic"] is True
    assert result["claims"]["certificate_no"] == f"{no}R00"
    assert result["current"]["status"] == "suspended"


def test_svg_is_served_too(api: Api) -> None:
    no = api.issue()

    response = api.client.get(f"/api/v1/certificates/{no}/qr.svg")

    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:-10],  # truncated
        lambda t: t.split(".")[0] + ".e30." + t.split(".")[2],  # payload replaced by {}
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BA"),  # signature changed
        lambda t: "not-a-token",
        lambda t: "",
        lambda t: t + "==",  # base64url padding on the signature
        lambda t: t[:-1] + ALPHABET[ALPHABET.index(t[-1]) ^ 1],  # a trailing bit set
    ],
    ids=["truncated", "payload", "signature", "garbage", "empty", "padded", "trailing-bits"],
)
def test_damaged_tokens_are_not_authentic(api: Api, damage: Any) -> None:
    token = scanned_token(api, api.issue())

    result = check(api, damage(token))

    assert result["authentic"] is False
    assert result["current"] is None


def test_only_authentic_verdicts_are_cached(api: Api) -> None:
    token = scanned_token(api, api.issue())
    keys = api.client.app.state.keys  # type: ignore[attr-defined]

    for n in range(50):
        check(api, f"{token[:-8]}{n:08d}")  # forged signatures
        check(api, f"junk-{n}")  # malformed
    check(api, token)

    assert keys.verdicts_cached == 1


def test_a_token_from_another_issuers_key_is_not_authentic(api: Api) -> None:
    no = api.issue()
    claims = jwt.decode(scanned_token(api, no), options={"verify_signature": False})

    forged = sign(claims, jwk.JWK.generate(kty="OKP", crv="Ed25519"))

    assert check(api, forged)["authentic"] is False


def test_rotation_keeps_old_codes_valid_across_a_restart(
    api: Api, settings: Settings, restart: Any
) -> None:
    no = api.issue()
    old = scanned_token(api, no)

    rotated = cli(settings, "keys", "rotate")
    api = restart(api)
    new = scanned_token(api, no)

    assert rotated.returncode == 0, rotated.stderr
    assert jwt.get_unverified_header(new)["kid"] == rotated.stdout.strip()
    assert jwt.get_unverified_header(old)["kid"] != rotated.stdout.strip()
    assert check(api, old)["authentic"] is True
    assert len(api.client.get("/.well-known/jwks.json").json()["keys"]) == 2


def test_a_compromised_key_fails_every_code_it_signed_across_a_restart(
    api: Api, settings: Settings, restart: Any
) -> None:
    no = api.issue()
    old = scanned_token(api, no)
    kid = jwt.get_unverified_header(old)["kid"]
    cli(settings, "keys", "rotate")

    marked = cli(settings, "keys", "compromised", kid)
    api = restart(api)

    assert marked.returncode == 0, marked.stderr
    assert check(api, old) | {"current": None} == {
        "authentic": False,
        "kid": kid,
        "claims": None,
        "current": None,
        "reason": "the signing key was compromised",
        "differences": [],
    }
    assert kid not in [k["kid"] for k in api.client.get("/.well-known/jwks.json").json()["keys"]]
    assert check(api, scanned_token(api, no))["authentic"] is True


def test_a_retired_key_still_verifies_but_no_longer_signs(
    api: Api, settings: Settings, restart: Any
) -> None:
    no = api.issue()
    old = scanned_token(api, no)
    kid = jwt.get_unverified_header(old)["kid"]

    retired = cli(settings, "keys", "retire", kid)
    api = restart(api)

    assert retired.returncode == 0, retired.stderr

    assert check(api, old)["authentic"] is True
    response = api.client.get(f"/api/v1/certificates/{no}/qr.png")
    assert response.status_code == 503
    assert "no active signing key" in response.json()["detail"]


def test_key_history_is_in_the_audit_trail(api: Api, settings: Settings) -> None:
    cli(settings, "keys", "rotate")

    events = api.client.get("/api/v1/audit/events", headers=api.auth("auditor")).json()

    kinds = [e["type"] for e in events if e["type"].startswith("Key")]
    assert kinds == ["KeyGenerated", "KeyActivated", "KeyGenerated", "KeyActivated", "KeyRetired"]


def test_scanned_page_shows_live_status_and_warns_when_printed_facts_changed(api: Api) -> None:
    no = api.issue()
    token = scanned_token(api, no)
    api.command(
        no, "holder-changes", {"name": "深圳市新名称有限公司", "effective_date": "2026-09-01"}
    )

    page = api.client.get(f"/v/{token}")

    assert page.status_code == 200
    assert 'data-authentic="true"' in page.text
    assert 'data-status="valid"' in page.text
    assert 'data-differs="certificate_no,holder_name"' in page.text


def test_scanned_page_of_a_forged_code_says_so(api: Api) -> None:
    page = api.client.get("/v/eyJhbGciOiJFZERTQSJ9.e30.AAAA")

    assert page.status_code == 422
    assert 'data-authentic="false"' in page.text


def test_printable_certificate_has_every_field_and_the_qr(api: Api) -> None:
    no = api.issue()

    page = api.client.get(f"/api/v1/certificates/{no}/document").text

    for text in (
        "大规模个性化定制服务认证证书",
        f"{no}R00",
        "1.2.156.1.2. ",
        "91440300708461136T",
        "GB/T 42202-2022",
        "CESI-SC-OD13",
        "3 级",
        "东莞市松山湖",
        "2026 年 05 月 11 日",
        "2029 年 05 月 10 日",
        "北京赛西认证有限责任公司",
        f"/api/v1/certificates/{no}R00/qr.svg",
    ):
        assert text in page, text


def test_verify_qr_cli_checks_a_photo_offline_against_a_saved_key_set(
    api: Api, settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    clock.now = datetime.now(UTC)  # the CLI reads the wall clock: the list must be fresh
    no = api.issue(decision_date=(clock.now - timedelta(days=30)).date().isoformat())
    image = tmp_path / "photo.png"
    image.write_bytes(api.client.get(f"/api/v1/certificates/{no}/qr.png").content)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(api.client.get("/.well-known/jwks.json").json()))
    status_list = tmp_path / "status-list.jwt"
    status_list.write_text(api.client.get("/api/v1/status-list").text)

    result = cli(
        settings,
        "verify-qr",
        str(image),
        "--offline",
        "--jwks",
        str(jwks),
        "--status-list",
        str(status_list),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("authentic")
    assert f"certificate_no: {no}R00" in result.stdout


def test_verify_qr_cli_fails_on_an_image_without_a_qr_code(
    settings: Settings, tmp_path: Path
) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)

    result = cli(settings, "verify-qr", str(blank))

    assert result.returncode != 0
    assert "no QR code found" in result.stderr


def test_an_unencrypted_key_is_refused_outside_development_mode(
    settings: Settings, tmp_path: Path
) -> None:
    dev = settings.model_copy(update={"key_passphrase": None, "dev_mode": True})
    with open_registry(dev) as registry:
        open_keys(registry, dev).generate()
        production = settings.model_copy(update={"key_passphrase": None, "dev_mode": False})

        with pytest.raises(KeyringError, match="not encrypted"):
            open_keys(registry, production).check()


def test_a_wrong_passphrase_is_refused(api: Api, settings: Settings) -> None:
    wrong = settings.model_copy(update={"key_passphrase": SecretStr("a wrong passphrase")})
    with open_registry(wrong) as registry, pytest.raises(KeyringError, match="passphrase"):
        open_keys(registry, wrong).check()


# One signature, one purpose (CONTRACT.md: signature purposes) ---------------------------


def reattached(detached: str, payload: bytes) -> str:
    """A detached signature put back together with its payload, as a forger would."""
    header, _, signature = detached.split(".")
    return f"{header}.{base64url_encode(payload)}.{signature}"


def signing_key(settings: Settings, token: str) -> jwk.JWK:
    """The registry's own private key, read from its keyring folder (to sign as it once did)."""
    kid = jwt.get_unverified_header(token)["kid"]
    sealed = (settings.keys_dir / f"{kid}.p12").read_bytes()
    private = pkcs12.load_key_and_certificates(sealed, PASSPHRASE.encode())[0]
    return jwk.JWK.from_pyca(private)


def test_served_qr_tokens_name_their_purpose(api: Api) -> None:
    token = scanned_token(api, api.issue())

    assert jwt.get_unverified_header(token)["typ"] == "cesi-qr+jwt"


def test_a_checkpoint_signature_reattached_as_a_qr_token_is_not_authentic(api: Api) -> None:
    api.issue()
    c = api.client.get("/api/v1/audit/checkpoint").json()
    payload = rfc8785.dumps({"size": c["size"], "root": c["root"], "timestamp": c["timestamp"]})

    result = check(api, reattached(c["signature"], payload))

    assert result["authentic"] is False


def test_a_report_signature_reattached_as_a_qr_token_is_not_authentic(api: Api) -> None:
    api.issue()
    response = api.client.get(
        "/api/v1/regulator/reports",
        params={"from": "2026-11-01", "to": "2026-11-30", "format": "json"},
        headers=api.auth("regulator"),
    )

    result = check(api, reattached(response.headers["X-Registry-Signature"], response.content))

    assert result["authentic"] is False


def test_the_scan_page_of_a_reattached_checkpoint_does_not_say_authentic(api: Api) -> None:
    api.issue()
    c = api.client.get("/api/v1/audit/checkpoint").json()
    payload = rfc8785.dumps({"size": c["size"], "root": c["root"], "timestamp": c["timestamp"]})

    page = api.client.get(f"/v/{reattached(c['signature'], payload)}")

    assert 'data-authentic="false"' in page.text
    assert "二维码签名有效" not in page.text


def test_a_qr_typed_token_without_a_certificate_number_is_not_authentic(
    api: Api, settings: Settings
) -> None:
    key = signing_key(settings, scanned_token(api, api.issue()))

    token = sign({"iss": "CESI", "size": 3}, key)

    assert check(api, token)["authentic"] is False


def test_a_token_printed_before_typ_still_verifies_by_its_claims(
    api: Api, settings: Settings
) -> None:
    no = api.issue()
    token = scanned_token(api, no)
    claims = jwt.decode(token, options={"verify_signature": False})
    key = signing_key(settings, token)
    old = jws.JWS(json.dumps(claims).encode())
    old.add_signature(key, None, json.dumps({"alg": "EdDSA", "kid": key.thumbprint()}))

    result = check(api, old.serialize(compact=True))

    assert result["authentic"] is True
    assert result["claims"]["certificate_no"] == f"{no}R00"


def test_the_key_set_names_each_signature_purpose(api: Api) -> None:
    jwks = api.client.get("/.well-known/jwks.json").json()

    assert set(jwks["typ"]) == {
        "cesi-qr+jwt",
        "checkpoint+jws",
        "receipt+jws",
        "report+jws",
        "export+jws",
        "statuslist+jwt",
    }


def test_a_reissued_certificate_prints_its_issue_date_and_its_reissue_date(api: Api) -> None:
    no = api.issue()
    api.command(
        no, "holder-changes", {"name": "深圳市新名称有限公司", "effective_date": "2026-09-01"}
    )

    page = api.client.get(f"/api/v1/certificates/{no}/document").text

    assert "颁证日期：2026 年 05 月 11 日　换证日期：2026 年 09 月 01 日" in page


def test_a_first_issue_prints_no_reissue_date(api: Api) -> None:
    no = api.issue()

    page = api.client.get(f"/api/v1/certificates/{no}/document").text

    assert "换证日期" not in page


def test_the_document_prints_the_rule_edition_and_the_signatory(api: Api) -> None:
    no = api.issue(signatory="陈签发")

    page = api.client.get(f"/api/v1/certificates/{no}/document").text

    assert "（v1.2）" in page
    assert "签发人：陈签发" in page
    answer = api.client.get(f"/api/v1/verify?number={no}").json()
    assert (answer["rule_edition"], answer["signatory"]) == ("v1.2", "陈签发")
