"""The monthly reports made, listed and downloaded by the regulator (§6.3.3)."""

import hashlib
import json
from datetime import UTC, datetime

from registry.regulator_reports import make_monthly
from tests.api.conftest import SUSPENSION, Api, detached_verifies
from tests.conftest import Clock

LIST = "/api/v1/regulator/reports/monthly"


def november_made(api: Api, clock: Clock) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)
    clock.now = datetime(2026, 12, 1, 2, tzinfo=UTC)
    state = api.client.app.state  # type: ignore[attr-defined]
    make_monthly(state.registry, state.keys, "2026-11", state.reports_dir, actor="test")


def test_the_reports_made_are_listed_with_their_files_and_signed_manifest(
    api: Api, clock: Clock
) -> None:
    november_made(api, clock)

    (listed,) = api.client.get(LIST, headers=api.auth("regulator")).json()

    assert {k: listed[k] for k in ("month", "from", "to", "made_on", "items")} == {
        "month": "2026-11",
        "from": "2026-11-01",
        "to": "2026-11-30",
        "made_on": "2026-12-01",
        "items": 2,
    }
    assert listed["files"] == {
        f: f"{LIST}/2026-11.{f}" for f in ("csv", "json", "xlsx", "manifest.json")
    }
    manifest = api.client.get(listed["files"]["manifest.json"], headers=api.auth("regulator"))
    assert hashlib.sha256(manifest.content).hexdigest() == listed["manifest_sha256"]
    assert detached_verifies(api, listed["signature"], manifest.content)


def test_each_file_downloads_with_its_signature_and_matches_the_manifest(
    api: Api, clock: Clock
) -> None:
    november_made(api, clock)
    regulator = api.auth("regulator")

    table = api.client.get(f"{LIST}/2026-11.csv", headers=regulator)
    manifest = json.loads(api.client.get(f"{LIST}/2026-11.manifest.json", headers=regulator).text)

    assert table.headers["content-type"].startswith("text/csv")
    assert detached_verifies(api, table.headers["X-Registry-Signature"], table.content)
    assert manifest["files"]["csv"]["sha256"] == hashlib.sha256(table.content).hexdigest()


def test_monthly_reports_are_for_the_regulator_and_unknown_ones_are_404(
    api: Api, clock: Clock
) -> None:
    november_made(api, clock)

    auditor = api.client.get(LIST, headers=api.auth("auditor"))
    missing = api.client.get(f"{LIST}/2026-10.csv", headers=api.auth("regulator"))
    nonsense = api.client.get(f"{LIST}/2026-11.pdf", headers=api.auth("regulator"))

    assert [r.status_code for r in (auditor, missing, nonsense)] == [403, 404, 422]


def test_a_files_signature_downloads_as_a_file_of_its_own(api: Api, clock: Clock) -> None:
    november_made(api, clock)
    regulator = api.auth("regulator")

    manifest = api.client.get(f"{LIST}/2026-11.manifest.json", headers=regulator)
    signature = api.client.get(f"{LIST}/2026-11.manifest.json.jws", headers=regulator)

    assert signature.headers["content-type"] == "application/jose"
    assert signature.text.strip() == manifest.headers["X-Registry-Signature"]
    assert detached_verifies(api, signature.text.strip(), manifest.content)
