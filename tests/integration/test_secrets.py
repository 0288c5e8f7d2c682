"""Private keys and token secrets never reach events, read models, logs or the repository."""

import logging
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk
from pydantic import SecretStr

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.tokens import create_token
from registry.transparency import AuditLog
from tests.examples import issue_request

PASSPHRASE = "correct horse battery staple"


def test_no_private_key_or_token_secret_is_stored_or_logged(
    durable_database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        database_url=durable_database_url,
        keys_dir=tmp_path / "keys",
        key_passphrase=SecretStr(PASSPHRASE),
    )
    with open_registry(settings) as registry:
        keys = open_keys(registry, settings)
        kid = keys.generate()
        secret = create_token(registry, name="registrar-1", role="registrar")
        registry.issue(actor="registrar-1", **issue_request())
        AuditLog(registry, keys).issue()
        pem = (tmp_path / "keys" / f"{kid}.pem").read_bytes()
        private = serialization.load_pem_private_key(pem, PASSPHRASE.encode())
        d = str(jwk.JWK.from_pyca(private).export(as_dict=True)["d"])
        stored = b"".join(
            bytes(row[0])
            for row in registry.views.query(
                "SELECT state FROM registry_events"
                if registry.views.postgres
                else "SELECT state FROM stored_events"
            )
        )
        audit = "".join(str(row) for row in registry.views.query("SELECT * FROM audit_events"))

    assert b"ENCRYPTED PRIVATE KEY" in pem  # encrypted at rest
    for text in (stored.decode(), audit, caplog.text):
        assert d not in text
        assert "PRIVATE KEY" not in text
        assert secret not in text


def test_the_repository_tracks_no_key_or_database_file() -> None:
    root = Path(__file__).resolve().parents[2]
    listed = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")

    tracked = listed.stdout.splitlines()

    assert not [f for f in tracked if f.endswith((".pem", ".key", ".sqlite", ".db"))]
    assert not [
        f
        for f in tracked
        if f.startswith(("var/", "keys/")) and not f.endswith(("README.md", ".gitignore"))
    ]
