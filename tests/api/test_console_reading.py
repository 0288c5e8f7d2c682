"""The console's reading pages: the dashboard's counts and queues, a certificate's banner,
revisions and timeline, the language switch."""

import re
from datetime import UTC, datetime

import pytest

from registry.regulator_reports import make_monthly
from tests.api.conftest import SUSPENSION, Api
from tests.api.test_console_signin import PASSWORD, accounts, sign_in
from tests.conftest import Clock
from tests.examples import surveillance

REVOCATION = {"reason": "e", "details": "严重违法", "effective_date": "2026-09-01"}
NARROWING = {
    "reason": "b",
    "remove_sites": ["广东省东莞市松山湖 8 号"],
    "approval_ref": "AP-1",
    "effective_date": "2026-07-01",
}


@pytest.fixture
def registrar(api: Api) -> Api:
    accounts(api).create("reg-1", ["registrar"], actor="admin-1", password=PASSWORD)
    sign_in(api.client, "reg-1")
    return api


def text_of(page: str, ident: str) -> str:
    found = re.search(rf'id="{re.escape(ident)}"[^>]*>([^<]*)<', page)
    assert found, ident
    return found.group(1).strip()


def test_the_dashboard_counts_certificates_by_every_status(registrar: Api) -> None:
    registrar.issue()
    registrar.command(registrar.issue(), "suspensions", SUSPENSION)

    page = registrar.client.get("/console/").text

    counts = dict(re.findall(r'id="status-(\w+)".*?class="count-of">(\d+)<', page))
    assert counts == {
        "valid": "1",
        "suspended": "1",
        "revoked": "0",
        "cancelled": "0",
        "expired": "0",
    }
    assert 'href="/console/certificates?status=suspended"' in page


def test_the_search_lists_one_status_without_a_query(registrar: Api) -> None:
    kept = registrar.issue()
    suspended = registrar.issue()
    registrar.command(suspended, "suspensions", SUSPENSION)

    page = registrar.client.get("/console/certificates", params={"status": "suspended"}).text

    assert f"{suspended}R00" in page
    assert f"{kept}R00" not in page


def test_the_dashboard_marks_overdue_nonconformities_and_names_the_next_deadline(
    registrar: Api,
) -> None:
    no = registrar.issue()
    findings = [
        {
            "id": "NC-1",
            "clause": "B.8.03",
            "description": "投诉记录不完整",
            "deadline": "2026-11-20",
        },
        {"id": "NC-2", "clause": "B.8.04", "description": "回访缺失", "deadline": "2026-12-15"},
    ]
    nonconforming = surveillance(
        outcome="nonconforming", corrective_deadline="2026-12-31", nonconformities=findings
    )
    registrar.command(no, "surveillances", {**nonconforming, "date": "2026-11-02"})

    page = registrar.client.get("/console/").text

    assert text_of(page, "count-nonconformities") == "2"
    assert text_of(page, "late-nonconformities") == "1"
    assert text_of(page, "date-nonconformities") == "2026-12-15"
    assert re.search(r'<tr class="late">.*?投诉记录不完整', page)


def test_the_dashboard_counts_late_notifications_open_cases_and_late_steps(
    registrar: Api,
) -> None:
    no = registrar.issue(application_date="2026-01-05", acceptance_date="2026-01-06")
    late = {"kind": "c", "what": "生产场所迁址", "occurred_on": "2026-08-01"}
    registrar.command(no, "notifications", late | {"effective_date": "2026-09-15"})
    case = {"case_id": "TS-1", "kind": "appeal", "summary": "申诉暂停决定"}
    opened = registrar.command(no, "cases", case | {"effective_date": "2026-09-20"})
    assert opened.status_code == 201, opened.text

    page = registrar.client.get("/console/").text

    counts = {q: text_of(page, f"count-{q}") for q in ("late-notifications", "cases", "late-steps")}
    assert counts == {"late-notifications": "1", "cases": "1", "late-steps": "1"}
    assert text_of(page, "late-cases") == "1"  # not acknowledged yet
    assert "生产场所迁址" in page


@pytest.mark.parametrize(
    ("today", "made", "state"),
    [
        (datetime(2026, 12, 1, 2, tzinfo=UTC), False, "due"),
        (datetime(2026, 12, 11, 2, tzinfo=UTC), False, "overdue"),
        (datetime(2026, 12, 1, 2, tzinfo=UTC), True, "made"),
    ],
)
def test_the_dashboard_says_whether_last_months_report_is_made_due_or_overdue(
    registrar: Api, clock: Clock, today: datetime, made: bool, state: str
) -> None:
    registrar.command(registrar.issue(), "suspensions", SUSPENSION)  # November's changes
    clock.now = today
    app = registrar.client.app.state  # type: ignore[attr-defined]
    if made:
        make_monthly(app.registry, app.keys, "2026-11", app.reports_dir, actor="test")
    sign_in(registrar.client, "reg-1")  # the clock moved past the session's idle limit

    page = registrar.client.get("/console/").text

    assert re.search(rf'id="report-state" data-state="{state}"', page)


def test_a_suspended_certificates_page_shows_the_banner_and_the_reasons_full_text(
    registrar: Api,
) -> None:
    no = registrar.issue()
    registrar.command(no, "suspensions", SUSPENSION)

    page = registrar.client.get(f"/console/certificates/{no}").text

    assert '<p class="status status-suspended" data-status="suspended">' in page
    assert page.count("发现获证组织服务持续地或严重地不满足认证要求") == 2  # banner, timeline
    assert 'href="/static/status.css"' in page


def test_a_revocations_reason_is_its_full_text_in_english_too(registrar: Api) -> None:
    no = registrar.issue()
    registrar.command(no, "revocations", REVOCATION)
    registrar.client.cookies.set("registry_console_lang", "en", path="/console")

    page = registrar.client.get(f"/console/certificates/{no}").text

    assert "violate laws and regulations seriously" in page
    assert "发现获证组织相关管理体系存在严重违反法律法规要求" not in page


def test_a_certificates_page_lists_each_revision_with_its_printed_facts_and_links(
    registrar: Api,
) -> None:
    no = registrar.issue()
    registrar.command(no, "scope-narrowings", NARROWING)

    page = registrar.client.get(f"/console/certificates/{no}").text

    revisions = re.findall(r'<li id="revision-(R\d\d)">', page)
    assert revisions == ["R01", "R00"]
    r00 = page[page.index('id="revision-R00"') : page.index('id="history-title"')]
    r01 = page[page.index('id="revision-R01"') : page.index('id="revision-R00"')]
    assert "广东省东莞市松山湖 8 号" in r00  # printed on R00, gone from R01
    assert "广东省东莞市松山湖 8 号" not in r01
    links = re.findall(r'href="([^"]+)"', r00)
    assert links == [
        f"/verify?number={no}R00",
        f"/api/v1/certificates/{no}R00/qr.svg",
        f"/api/v1/certificates/{no}R00/document",
    ]


def test_the_timeline_shows_each_event_with_its_actor_and_the_narrowing_reasons_text(
    registrar: Api,
) -> None:
    no = registrar.issue()
    registrar.command(no, "scope-narrowings", NARROWING)

    page = registrar.client.get(f"/console/certificates/{no}").text

    steps = re.findall(r'<li data-event="(\w+)">.*?class="actor">([^<]+)<', page, re.S)
    assert steps == [("Issued", "registrar-1"), ("ScopeNarrowed", "registrar-1")]
    assert "认证范围内部分服务范围、服务场所、区域等不愿再继续保持认证资格" in page


def test_as_of_a_past_day_shows_that_days_status_revisions_and_history(registrar: Api) -> None:
    no = registrar.issue()
    registrar.command(no, "scope-narrowings", NARROWING)
    registrar.command(no, "suspensions", SUSPENSION | {"effective_date": "2026-08-01"})

    page = registrar.client.get(f"/console/certificates/{no}", params={"as_of": "2026-06-15"}).text

    assert 'data-status="valid"' in page
    assert re.findall(r'<li id="revision-(R\d\d)">', page) == ["R00"]
    assert re.findall(r'<li data-event="(\w+)">', page) == ["Issued"]
    assert text_of(page, "later").startswith("查询日期之后另有 2 条记录")


def test_the_language_switch_returns_to_the_same_page_in_english(registrar: Api) -> None:
    no = registrar.issue()
    here = f"/console/certificates/{no}?as_of=2026-06-15"
    link = re.search(r'id="lang-switch" href="([^"]+)"', registrar.client.get(here).text)
    assert link

    switched = registrar.client.get(link.group(1).replace("&amp;", "&"), follow_redirects=False)
    page = registrar.client.get(switched.headers["location"]).text

    assert switched.status_code == 303
    assert switched.headers["location"] == here
    assert '<html lang="en">' in page
    assert '<h2 id="history-title">History</h2>' in page


def test_the_language_switch_never_leaves_the_console(registrar: Api) -> None:
    switched = registrar.client.get(
        "/console/lang",
        params={"to": "en", "next": "https://evil.example/"},
        follow_redirects=False,
    )

    assert switched.headers["location"] == "/console/"


def test_the_console_is_chinese_first_with_english_beside_it(registrar: Api) -> None:
    page = registrar.client.get("/console/").text

    assert '<html lang="zh-CN">' in page
    assert '<h1>工作台 <span lang="en">Dashboard</span></h1>' in page
    assert re.search(r'id="lang-switch" href="/console/lang\?to=en&amp;next=%2Fconsole%2F"', page)


def test_in_english_a_console_page_shows_english_alone(registrar: Api) -> None:
    registrar.client.cookies.set("registry_console_lang", "en", path="/console")

    page = registrar.client.get("/console/certificates/CESI2026EV/IMG19999").text

    assert "<h1>This page cannot be shown</h1>" in page
    assert '<a id="lang-switch" href="/console/lang?to=zh&amp;next=' in page
    assert "返回工作台" not in page
