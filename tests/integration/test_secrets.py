"""Private keys and token secrets never reach events, read models, logs or the repository."""

import logging
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from jwcrypto import jwk
from pydantic import SecretStr

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import KeyringError, open_keys
from registry.tokens import create_token
from registry.transparency import AuditLog
from tests.examples import issue_request
from tests.processes import cli

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
        sealed = (tmp_path / "keys" / f"{kid}.p12").read_bytes()
        private = pkcs12.load_key_and_certificates(sealed, PASSPHRASE.encode())[0]
        assert private is not None
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

    assert pkcs12_info(tmp_path / "keys" / f"{kid}.p12").count("Iteration 600000") >= 1
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


def pkcs12_info(path: Path) -> str:
    """What OpenSSL, an independent implementation, says of a sealed key's encryption."""
    shown = subprocess.run(
        ["openssl", "pkcs12", "-info", "-noout", "-in", str(path), "-passin", f"pass:{PASSPHRASE}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return shown.stdout + shown.stderr


def keyring_settings(tmp_path: Path, passphrase: str | None = PASSPHRASE) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/registry.sqlite",
        keys_dir=tmp_path / "keys",
        key_passphrase=SecretStr(passphrase) if passphrase else None,
    )


def test_a_key_is_sealed_with_pbkdf2_at_600000_rounds_and_aes_256(tmp_path: Path) -> None:
    settings = keyring_settings(tmp_path)
    with open_registry(settings) as registry:
        kid = open_keys(registry, settings).generate()

    info = pkcs12_info(tmp_path / "keys" / f"{kid}.p12")

    assert "PBES2, PBKDF2, AES-256-CBC, Iteration 600000" in info


def test_a_passphrase_under_12_characters_is_refused(tmp_path: Path) -> None:
    settings = keyring_settings(tmp_path, "eleven-char")
    with open_registry(settings) as registry, pytest.raises(KeyringError, match="shorter than 12"):
        open_keys(registry, settings).generate()


def test_a_short_passphrase_is_allowed_in_development_mode(tmp_path: Path) -> None:
    settings = keyring_settings(tmp_path, "dev").model_copy(update={"dev_mode": True})
    with open_registry(settings) as registry:
        keys = open_keys(registry, settings)
        keys.generate()

        keys.check()


def test_rewrap_seals_a_key_written_by_an_older_version(tmp_path: Path) -> None:
    settings = keyring_settings(tmp_path)
    with open_registry(settings) as registry:
        kid = open_keys(registry, settings).generate()
    sealed = tmp_path / "keys" / f"{kid}.p12"
    private = pkcs12.load_key_and_certificates(sealed.read_bytes(), PASSPHRASE.encode())[0]
    assert private is not None
    old = private.private_bytes(  # PKCS#8 with cryptography's 2,048 PBKDF2 rounds
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    sealed.unlink()
    (tmp_path / "keys" / f"{kid}.pem").write_bytes(old)

    result = cli(settings, "keys", "rewrap")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [kid, "re-encrypted"]
    assert not (tmp_path / "keys" / f"{kid}.pem").exists()
    assert "Iteration 600000" in pkcs12_info(sealed)
    assert sealed.stat().st_mode & 0o777 == 0o600
