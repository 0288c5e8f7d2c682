"""An app on a real store with a fixed clock, and one token per role."""

import base64
import getpass
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from registry.aggregates.chain import Stamp
from registry.aggregates.keyring import Keyring
from registry.application import Registry, open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.tokens import create_token
from tests.conftest import Clock
from tests.examples import issue_request


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]

    def auth(self, role: str = "registrar") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def issue(self, **overrides: Any) -> str:
        response = self.client.post(
            "/api/v1/certificates", json=body(issue_request(**overrides)), headers=self.auth()
        )
        assert response.status_code == 201, response.text
        return str(response.json()["registration_no"])

    def command(self, no: str, path: str, payload: dict[str, Any], **headers: str) -> Any:
        return self.client.post(
            f"/api/v1/certificates/{no}/{path}", json=payload, headers=self.auth() | headers
        )


def body(request: dict[str, Any]) -> dict[str, Any]:
    """A request as JSON: dates as ISO strings."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in request.items()}


PASSPHRASE = "correct horse battery staple"
SUSPENSION = {"reason": "b", "details": "服务持续不满足要求", "effective_date": "2026-06-01"}


@pytest.fixture
def settings(durable_database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=durable_database_url,
        keys_dir=tmp_path / "keys",
        key_passphrase=SecretStr(PASSPHRASE),
        public_base_url="https://registry.example",
        rate_limit=0,  # one test client makes many requests; test_ratelimit.py tests limiting
        reports_dir=tmp_path / "reports",
    )


@dataclass(frozen=True)
class SealedKey:
    """A signing key and the document-signing root, sealed at rest as in production, and the
    key set that `Keys.generate` left in the keyring's events."""

    folder: Path
    kid: str
    public_jwk: dict[str, str]
    jwks: dict[str, Any]


@pytest.fixture(scope="session")
def sealed_key(tmp_path_factory: pytest.TempPathFactory) -> SealedKey:
    """Made once a session by `Keys.generate` itself, on the fixed clock: sealing costs two
    PBKDF2 derivations at 600,000 rounds (the key and the root), which were most of an API
    test's setup. Each test gets a copy of the files (tests/integration/test_secrets.py tests
    generating)."""
    folder = tmp_path_factory.mktemp("sealed-key") / "keys"
    settings = Settings(
        database_url="memory:", keys_dir=folder, key_passphrase=SecretStr(PASSPHRASE)
    )
    with open_registry(settings, clock=Clock()) as registry:
        keys = open_keys(registry, settings)
        kid = keys.generate()
        jwks = keys.jwks()
    public = {k: jwks["keys"][0][k] for k in ("kty", "crv", "x")}
    return SealedKey(folder, kid, public, jwks)


def install_sealed_key(registry: Registry, settings: Settings, key: SealedKey) -> None:
    """What `Keys.generate` leaves behind, with the session's key: its files in the keys
    folder and its keyring events in the store."""
    shutil.copytree(key.folder, settings.keys_dir)
    stamp = Stamp(f"cli:{getpass.getuser()}", registry.clock())
    keyring = Keyring.start(stamp=stamp)
    keyring.add(kid=key.kid, public_jwk=key.public_jwk, activate=True, stamp=stamp)
    registry.save(keyring)
    assert open_keys(registry, settings).jwks() == key.jwks


@pytest.fixture
def api(settings: Settings, clock: Clock, sealed_key: SealedKey) -> Iterator[Api]:
    with open_registry(settings, clock=clock) as registry:
        tokens = {
            role: create_token(registry, name=f"{role}-1", role=role)
            for role in ("registrar", "auditor", "regulator")
        }
        install_sealed_key(registry, settings, sealed_key)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client, tokens)


def detached_verifies(api: Api, signature: str, payload: bytes) -> bool:
    """PyJWT, an independent JOSE library, checks a detached JWS (RFC 7515 Appendix F: put
    the payload back) against the served key set."""
    jwks = jwt.PyJWKSet.from_dict(api.client.get("/.well-known/jwks.json").json())
    key = jwks[jwt.get_unverified_header(signature)["kid"]].key
    header, empty, sig = signature.split(".")
    assert empty == ""
    attached = f"{header}.{base64.urlsafe_b64encode(payload).rstrip(b'=').decode()}.{sig}"
    try:
        jwt.api_jws.PyJWS().decode(attached, key, algorithms=["EdDSA"])
    except jwt.InvalidSignatureError:
        return False
    return True
