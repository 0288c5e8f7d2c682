"""Our JWS against RFC 8037 and RFC 7638, and against an independent implementation (PyJWT)."""

from pathlib import Path

import jwt
import pytest
from jwcrypto import jwk

from registry.signing import (
    CHECKPOINT_TYP,
    RECEIPT_TYP,
    REPORT_TYP,
    sign,
    sign_detached_file,
    sign_detached_with,
    verify_detached,
    verify_signature,
    verify_with_jwks,
)

# RFC 8037 Appendix A.1 (private key) and A.2 (its public key).
RFC8037_KEY = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_PUBLIC = {k: RFC8037_KEY[k] for k in ("kty", "crv", "x")}
# RFC 8037 Appendix A.4: the JWS of "Example of Ed25519 signing" with that key.
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    ".hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def test_verifier_accepts_the_rfc_8037_example() -> None:
    payload = verify_signature(RFC8037_JWS, jwk.JWK(**RFC8037_PUBLIC))

    assert payload == b"Example of Ed25519 signing"


def test_verifier_refuses_the_rfc_8037_example_with_one_byte_changed() -> None:
    tampered = RFC8037_JWS.replace(".RXhh", ".RXhi")

    assert verify_signature(tampered, jwk.JWK(**RFC8037_PUBLIC)) is None


def test_kid_is_the_rfc_7638_thumbprint_and_typ_the_qr_purpose() -> None:
    token = sign({"certificate_no": "CESI2026EV/IMG10001R00"}, jwk.JWK(**RFC8037_KEY))

    assert jwt.get_unverified_header(token) == {
        "alg": "EdDSA",
        "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
        "typ": "cesi-qr+jwt",
    }


def test_pyjwt_verifies_our_tokens_with_the_published_key() -> None:
    claims = {"certificate_no": "CESI2026EV/IMG10001R00", "holder_name": "深圳某公司", "level": 3}
    token = sign(claims, jwk.JWK(**RFC8037_KEY))
    public = jwt.PyJWK({**RFC8037_PUBLIC, "kid": "k"}, algorithm="EdDSA")

    assert jwt.decode(token, key=public.key, algorithms=["EdDSA"]) == claims


def test_a_token_signed_by_a_key_not_in_the_set_is_refused() -> None:
    stranger = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    token = sign({"certificate_no": "X"}, stranger)
    jwks = {"keys": [{**RFC8037_PUBLIC, "kid": jwk.JWK(**RFC8037_KEY).thumbprint()}]}

    verdict = verify_with_jwks(token, jwks)

    assert not verdict.authentic
    assert "does not publish" in verdict.reason


def test_a_token_with_another_algorithm_is_refused() -> None:
    forged = jwt.encode({"certificate_no": "X"}, "s" * 32, algorithm="HS256")

    assert not verify_with_jwks(forged, {"keys": []}).authentic


def test_a_detached_signature_of_another_purpose_is_refused() -> None:
    key = jwk.JWK(**RFC8037_KEY)
    jwks = {"keys": [{**RFC8037_PUBLIC, "kid": key.thumbprint()}]}
    receipt = sign_detached_with(b"{}", key, RECEIPT_TYP)

    assert verify_detached(receipt, b"{}", jwks, RECEIPT_TYP)
    assert not verify_detached(receipt, b"{}", jwks, CHECKPOINT_TYP)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 6, 7, 100])
def test_a_file_signed_in_pieces_has_the_signature_of_its_bytes(tmp_path: Path, size: int) -> None:
    key = jwk.JWK(**RFC8037_KEY)
    body = bytes(range(size))
    (tmp_path / "report.csv").write_bytes(body)

    signature = sign_detached_file(tmp_path / "report.csv", key, REPORT_TYP, chunk=3)

    assert signature == sign_detached_with(body, key, REPORT_TYP)
    jwks = {"keys": [{**RFC8037_PUBLIC, "kid": key.thumbprint()}]}
    assert verify_detached(signature, body, jwks, REPORT_TYP)


def test_a_file_is_signed_in_pieces_of_whole_base64_groups_only(tmp_path: Path) -> None:
    (tmp_path / "report.csv").write_bytes(b"abcd")

    with pytest.raises(ValueError, match="multiple of 3"):
        sign_detached_file(tmp_path / "report.csv", jwk.JWK(**RFC8037_KEY), REPORT_TYP, chunk=4)
