"""The auditor's and the regulator's console pages."""

import csv
import io

import pytest

from registry.regulator_reports import check_report, make_monthly
from tests.api.conftest import SUSPENSION, Api, detached_verifies
from tests.api.test_console_signin import PASSWORD, accounts, csrf_of, sign_in
from tests.conftest import Clock


def signed_in_as(api: Api, role: str) -> Api:
    accounts(api).create(f"{role}-p", [role], actor="cli", password=PASSWORD)
    sign_in(api.client, f"{role}-p")
    return api


@pytest.fixture
def auditor(api: Api) -> Api:
    return signed_in_as(api, "auditor")


@pytest.fixture
def regulator(api: Api) -> Api:
    return signed_in_as(api, "regulator")


def test_the_auditor_filters_events_by_type(auditor: Api) -> None:
    no = auditor.issue()
    auditor.command(no, "suspensions", SUSPENSION)

    page = auditor.client.get("/console/audit", params={"type": "Suspended"})

    assert page.status_code == 200
    assert page.text.count('class="actor">registrar-1<') == 1


def test_the_auditor_exports_the_events_as_csv(auditor: Api) -> None:
    no = auditor.issue()
    auditor.command(no, "suspensions", SUSPENSION)

    export = auditor.client.get("/console/audit.csv", params={"actor": "registrar-1"})

    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [(r["registration_no"], r["type"]) for r in rows] == [
        (no, "Issued"),
        (no, "Suspended"),
    ]


def test_the_auditor_runs_audit_verify_from_the_integrity_page(auditor: Api) -> None:
    auditor.issue()
    auditor.client.app.state.audit.issue()  # type: ignore[attr-defined]  # as the server signs
    csrf = csrf_of(auditor.client.get("/console/integrity").text)

    ran = auditor.client.post("/console/integrity", data={"csrf": csrf}, follow_redirects=False)
    page = auditor.client.get("/console/integrity")

    assert ran.status_code == 303
    assert 'id="verify-result" class="">完整 intact' in page.text


def test_the_regulator_sees_the_feed_as_a_table(regulator: Api) -> None:
    no = regulator.issue()
    regulator.command(no, "suspensions", SUSPENSION)

    page = regulator.client.get("/console/regulator")

    assert "Suspended" in page.text
    assert "发现获证组织服务持续地或严重地不满足认证要求" in page.text


def test_the_regulator_downloads_a_months_report_and_its_signature(regulator: Api) -> None:
    no = regulator.issue()
    regulator.command(no, "suspensions", SUSPENSION)
    query = {"month": "2026-11", "format": "csv"}

    report = regulator.client.get("/console/regulator/report", params=query)
    signature = regulator.client.get(
        "/console/regulator/report", params=query | {"signature": "true"}
    )

    assert no.encode() in report.content
    assert detached_verifies(regulator, signature.text, report.content)


def test_an_auditor_cannot_open_the_regulator_page(auditor: Api) -> None:
    assert auditor.client.get("/console/regulator").status_code == 403


def made_november(regulator: Api, clock: Clock) -> None:
    """November's report made a week into December, in the server's reports folder."""
    regulator.issue()
    clock.advance(days=7)
    state = regulator.client.app.state  # type: ignore[attr-defined]
    make_monthly(state.registry, state.keys, "2026-11", state.reports_dir, actor="cli:test")
    sign_in(regulator.client, "regulator-p")  # a week idle ended the session


def test_the_regulator_page_lists_the_reports_made_with_their_files(
    regulator: Api, clock: Clock
) -> None:
    made_november(regulator, clock)

    page = regulator.client.get("/console/regulator")

    assert "2026-11 · 2026-12-02" in page.text
    assert 'href="/console/regulator/reports/2026-11.xlsx"' in page.text
    assert 'href="/console/regulator/reports/2026-11.manifest.json.jws"' in page.text


def test_a_made_reports_files_download_as_made_and_verify_against_the_manifest(
    regulator: Api, clock: Clock
) -> None:
    made_november(regulator, clock)
    folder = "/console/regulator/reports/2026-11"

    body = regulator.client.get(f"{folder}.csv").content
    manifest = regulator.client.get(f"{folder}.manifest.json").content
    signature = regulator.client.get(f"{folder}.manifest.json.jws").text
    jwks = regulator.client.get("/.well-known/jwks.json").json()

    reports_dir = regulator.client.app.state.reports_dir  # type: ignore[attr-defined]
    assert body == (reports_dir / "regulator-report-2026-11.csv").read_bytes()
    assert check_report(body, manifest, signature, jwks).format == "csv"


def test_a_report_file_not_made_is_a_404_page(regulator: Api) -> None:
    page = regulator.client.get("/console/regulator/reports/2026-11.csv.jws")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
