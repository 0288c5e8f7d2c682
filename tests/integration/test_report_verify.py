"""`registry report verify`: a report checked against its signed manifest and the registry's
published keys; a changed byte, another report's manifest or a foreign key is refused in one
line with exit 1."""

import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from registry.application import open_registry
from registry.regulator_reports import make_monthly, render, status_changes
from registry.settings import Settings
from registry.signing import REPORT_TYP, open_keys
from tests.conftest import Clock
from tests.examples import issue_request
from tests.processes import cli

DECEMBER = datetime(2026, 12, 2, 2, tzinfo=UTC)  # both October and November have ended


def keyring(tmp_path: Path, name: str) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/{name}.sqlite",
        keys_dir=tmp_path / f"{name}-keys",
        dev_mode=True,
        reports_dir=tmp_path / "reports",
    )


@pytest.fixture
def made(tmp_path: Path) -> Settings:
    """A registry whose October report holds one certificate and November's none; its key set
    saved as jwks.json."""
    settings = keyring(tmp_path, "registry")
    with open_registry(settings, clock=Clock(DECEMBER)) as registry:
        keys = open_keys(registry, settings)
        keys.generate()
        registry.issue(actor="alice", **issue_request())
        for month in ("2026-10", "2026-11"):
            make_monthly(registry, keys, month, settings.reports_dir, actor="test")
        (tmp_path / "jwks.json").write_text(json.dumps(keys.jwks()))
    return settings


def file(settings: Settings, month: str, suffix: str) -> Path:
    return settings.reports_dir / f"regulator-report-{month}.{suffix}"


def verify(
    settings: Settings, report: Path, manifest: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return cli(settings, "report", "verify", str(report), "--manifest", str(manifest), *extra)


def test_a_genuine_monthly_report_verifies_against_the_saved_key_set(
    made: Settings, tmp_path: Path
) -> None:
    result = verify(
        made,
        file(made, "2026-10", "csv"),
        file(made, "2026-10", "manifest.json"),
        "--jwks",
        str(tmp_path / "jwks.json"),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"intact: {file(made, '2026-10', 'csv')} is the csv report of 2026-10\n"
    )


def test_a_genuine_report_verifies_against_the_registrys_own_keyring(made: Settings) -> None:
    result = verify(made, file(made, "2026-10", "xlsx"), file(made, "2026-10", "manifest.json"))

    assert result.returncode == 0, result.stderr
    assert "the xlsx report of 2026-10" in result.stdout


def test_a_report_with_one_byte_changed_is_refused(made: Settings) -> None:
    report = file(made, "2026-10", "csv")
    body = bytearray(report.read_bytes())
    body[-3] ^= 0x01
    report.write_bytes(bytes(body))

    result = verify(made, report, file(made, "2026-10", "manifest.json"))

    assert result.returncode == 1
    assert result.stderr.startswith(f"registry: {report}: NOT the signed report: its SHA-256")
    assert len(result.stderr.splitlines()) == 1


def test_a_report_checked_against_another_months_manifest_is_refused(made: Settings) -> None:
    result = verify(made, file(made, "2026-10", "csv"), file(made, "2026-11", "manifest.json"))

    assert result.returncode == 1
    assert "the manifest is another report's" in result.stderr


def test_a_manifest_signed_by_a_foreign_key_is_refused(made: Settings, tmp_path: Path) -> None:
    manifest = file(made, "2026-10", "manifest.json")
    foreign = keyring(tmp_path, "foreign")
    with open_registry(foreign) as other:
        keys = open_keys(other, foreign)
        keys.generate()
        _, signature = keys.sign_detached(manifest.read_bytes(), REPORT_TYP)
    manifest.with_name(manifest.name + ".jws").write_text(signature)

    result = verify(made, file(made, "2026-10", "csv"), manifest)

    assert result.returncode == 1
    assert "a key the registry does not publish signed it" in result.stderr


def test_a_changed_manifest_is_refused(made: Settings) -> None:
    manifest = file(made, "2026-10", "manifest.json")
    manifest.write_bytes(manifest.read_bytes().replace(b'"items":1', b'"items":0'))

    result = verify(made, file(made, "2026-10", "csv"), manifest)

    assert result.returncode == 1
    assert "the manifest was changed" in result.stderr


def test_a_period_report_verifies_against_the_manifest_served_with_it(
    made: Settings, tmp_path: Path
) -> None:
    with open_registry(made, clock=Clock(DECEMBER)) as registry:
        keys = open_keys(registry, made)
        start, end = date(2026, 12, 1), date(2026, 12, 2)
        report = render(
            status_changes(registry, start, end), "json", start, end, keys, generated_at=DECEMBER
        )
    (tmp_path / "period.json").write_bytes(report.body)
    (tmp_path / "period.manifest.json").write_bytes(report.manifest)
    (tmp_path / "period.manifest.json.jws").write_text(report.manifest_signature)

    result = verify(made, tmp_path / "period.json", tmp_path / "period.manifest.json")

    assert result.returncode == 0, result.stderr
    assert "the json report of 2026-12-01 to 2026-12-02\n" in result.stdout
