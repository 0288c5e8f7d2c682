"""`registry certificate pdf` and `registry verify-pdf`: the electronic certificate checked as
a customer would, with exit codes that say signed, trusted and in force."""

from pathlib import Path

import pytest
from pydantic import SecretStr

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from tests.conftest import Clock
from tests.examples import NOW, issue_request
from tests.processes import cli, server

ACTOR = "registrar-alice"


@pytest.fixture
def settings(durable_database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=durable_database_url,
        keys_dir=tmp_path / "keys",
        key_passphrase=SecretStr("correct horse battery staple"),
    )


@pytest.fixture
def number(settings: Settings, clock: Clock) -> str:
    with open_registry(settings, clock=clock) as registry:
        open_keys(registry, settings).generate()
        return str(registry.issue(actor=ACTOR, **issue_request())["certificate_no"])


def revoke(settings: Settings, number: str, clock: Clock) -> None:
    with open_registry(settings, clock=clock) as registry:
        registry.command(
            "revoke",
            number,
            {"reason": "a", "details": "严重违规", "effective_date": NOW.date()},
            actor=ACTOR,
        )


def compromise_the_signing_key(settings: Settings, clock: Clock) -> str:
    with open_registry(settings, clock=clock) as registry:
        keys = open_keys(registry, settings)
        kid = str(keys.active_kid)
        keys.compromise(kid)
    return kid


@pytest.fixture
def pdf(settings: Settings, number: str, tmp_path: Path) -> Path:
    out = tmp_path / "certificate.pdf"
    made = cli(settings, "certificate", "pdf", number, "--out", str(out))
    assert made.returncode == 0, made.stderr
    return out


def test_the_pdf_of_a_valid_certificate_verifies(
    settings: Settings, pdf: Path, number: str
) -> None:
    result = cli(settings, "verify-pdf", str(pdf))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"certificate: {number}" in result.stdout
    assert "status: valid (有效)" in result.stdout


def test_the_published_root_passed_with_trust_verifies_offline(
    settings: Settings, pdf: Path, tmp_path: Path
) -> None:
    root = settings.keys_dir / "root-ca.crt"
    elsewhere = Settings(database_url="memory:", keys_dir=tmp_path / "none")

    result = cli(elsewhere, "verify-pdf", str(pdf), "--trust", str(root), "--offline")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "not checked (--offline)" in result.stdout


def test_a_byte_changed_in_the_pdf_makes_verify_pdf_fail(settings: Settings, pdf: Path) -> None:
    data = bytearray(pdf.read_bytes())
    data[data.index(b"/Type /Page") + 1] ^= 0x01
    pdf.write_bytes(bytes(data))

    result = cli(settings, "verify-pdf", str(pdf))

    assert result.returncode == 1
    assert result.stdout.startswith("NOT signed by the registry")


def test_a_pdf_of_a_since_revoked_certificate_is_signed_but_refused_naming_the_revocation(
    settings: Settings, pdf: Path, number: str, clock: Clock
) -> None:
    revoke(settings, number, clock)

    result = cli(settings, "verify-pdf", str(pdf))

    assert result.returncode == 3
    assert "signed: intact, chains to the root" in result.stdout
    assert "status: revoked (撤销) since 2026-11-25" in result.stdout


def test_a_pdf_signed_by_a_key_later_marked_compromised_is_refused(
    settings: Settings, pdf: Path, clock: Clock
) -> None:
    kid = compromise_the_signing_key(settings, clock)

    result = cli(settings, "verify-pdf", str(pdf))

    assert result.returncode == 1
    assert f"NOT trusted: the signing key {kid} was marked compromised" in result.stdout


def test_a_pdf_signed_before_a_rotation_still_verifies(
    settings: Settings, pdf: Path, clock: Clock
) -> None:
    with open_registry(settings, clock=clock) as registry:
        open_keys(registry, settings).generate(rotate=True)  # the signing key retires

    result = cli(settings, "verify-pdf", str(pdf))

    assert result.returncode == 0, result.stdout + result.stderr


def test_no_pdf_is_written_for_a_revoked_certificate(
    settings: Settings, number: str, clock: Clock, tmp_path: Path
) -> None:
    revoke(settings, number, clock)
    out = tmp_path / "revoked.pdf"

    result = cli(settings, "certificate", "pdf", number, "--out", str(out))

    assert result.returncode == 2
    assert result.stderr.startswith(f"registry: {number} is revoked (撤销)")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_verify_pdf_asks_a_registry_over_http_for_the_live_status(
    settings: Settings, pdf: Path, number: str
) -> None:
    with server(settings) as base:
        result = cli(settings, "verify-pdf", str(pdf), "--registry", base)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "status: valid (有效)" in result.stdout


def test_over_http_a_key_withheld_as_compromised_is_refused(
    settings: Settings, pdf: Path, clock: Clock
) -> None:
    kid = compromise_the_signing_key(settings, clock)

    with server(settings) as base:
        result = cli(settings, "verify-pdf", str(pdf), "--registry", base)

    assert result.returncode == 1
    assert f"NOT trusted: the signing key {kid} is not published at {base}" in result.stdout
