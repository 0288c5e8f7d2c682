"""End to end: the console's dashboard, certificate page, language switch and site editor in
headless Chromium on a real server; each page checked with axe-core at 1280 px and 390 px
and photographed (tests/e2e/test_console.py's `checked`)."""

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.users import Accounts
from tests.e2e.test_console import (
    ARTEFACTS,
    PASSWORD,
    checked,
    click,
    fill_issue_form,
    sign_in,
    submit,
)
from tests.examples import HOLDER, SITES, issue_request, surveillance

THIRD_SITE = "广东省佛山市顺德区 3 号"


def ago(today: date, days: int) -> date:
    return today - timedelta(days=days)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A registrar and two certificates: one reissued (R01) then suspended, one with an
    overdue nonconformity, a late notification and an open appeal."""
    url = f"sqlite:///{tmp_path}/registry.sqlite"
    settings = Settings(database_url=url, keys_dir=tmp_path / "keys", dev_mode=True)
    with open_registry(settings) as registry:
        open_keys(registry, settings).generate()
        Accounts(registry).create("reg-1", ["registrar"], actor="cli", password=PASSWORD)
        today = registry.today()
        first = registry.issue(actor="e2e", **issue_request(decision_date=ago(today, 200)))
        suspended = str(first["registration_no"])
        narrowing = {
            "reason": "b",
            "remove_sites": [SITES[1]["address"]],
            "approval_ref": "AP-1",
            "effective_date": ago(today, 100),
        }
        registry.command("narrow_scope", suspended, narrowing, actor="e2e")
        suspension = {"reason": "b", "details": "监督发现不满足", "effective_date": ago(today, 10)}
        registry.command("suspend", suspended, suspension, actor="e2e")
        second = registry.issue(actor="e2e", **issue_request(decision_date=ago(today, 150)))
        watched = str(second["registration_no"])
        findings = [
            {
                "id": "NC-1",
                "clause": "B.8.03",
                "description": "投诉记录不完整",
                "deadline": ago(today, 5),
            },
            {
                "id": "NC-2",
                "clause": "B.8.04",
                "description": "回访缺失",
                "deadline": ago(today, -20),
            },
        ]
        nonconforming = surveillance(
            date=ago(today, 30),
            outcome="nonconforming",
            corrective_deadline=ago(today, -30),
            nonconformities=findings,
        )
        registry.command("surveil", watched, nonconforming, actor="e2e")
        late = {"kind": "c", "what": "生产场所迁址", "occurred_on": ago(today, 80)}
        registry.command(
            "record_notification", watched, late | {"effective_date": ago(today, 20)}, actor="e2e"
        )
        case = {"case_id": "TS-1", "kind": "appeal", "summary": "申诉暂停决定"}
        registry.command(
            "record_case", watched, case | {"effective_date": ago(today, 10)}, actor="e2e"
        )
    from tests.processes import server

    with server(settings) as base:
        yield {"base": base, "suspended": suspended, "watched": watched, "today": today}


def test_the_dashboard_and_a_certificates_page_read_well_in_both_languages(
    served: dict[str, Any], browser: object
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    base = served["base"]
    page = browser.new_page()
    sign_in(page, base, "reg-1")

    expect(page.locator("#status-suspended .count-of")).to_have_text("1")
    expect(page.locator("#late-nonconformities")).to_have_text("1")
    expect(page.locator("#count-late-notifications")).to_have_text("1")
    expect(page.locator("#count-cases")).to_have_text("1")
    checked(page, "dashboard-queues")
    click(page, "#status-suspended")
    expect(page.locator("tbody tr")).to_have_count(1)
    checked(page, "certificates-suspended")
    click(page, "tbody a")

    expect(page.locator("#banner .status-suspended")).to_contain_text("暂停")
    expect(page.locator("#banner")).to_contain_text("发现获证组织服务持续地或严重地不满足认证要求")
    expect(page.locator("#revisions > li")).to_have_count(2)
    expect(page.locator("#history li .actor").first).to_have_text("e2e")
    checked(page, "certificate-page")
    here = page.url
    click(page, "#lang-switch")
    assert page.url == here
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#banner")).to_contain_text("persistently or seriously")
    checked(page, "certificate-page-en")
    click(page, "#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    page.goto(f"{base}/console/issue")
    click(page, "[name='add_row:scope.sites']")
    expect(page.locator("[id='scope.sites.2.address']")).to_have_value("")
    checked(page, "issue-site-editor")  # axe runs scripts: the no-script test cannot


def test_a_registrar_adds_and_removes_site_rows_and_picks_functions_without_javascript(
    served: dict[str, Any], browser: object
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    base, today = served["base"], served["today"]
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page, base, "reg-1")
    page.goto(f"{base}/console/issue")
    fill_issue_form(page, ago(today, 30).isoformat())
    page.uncheck("[id='evaluation.functions_met-8']")  # Table 1 wants all eight at level 3

    click(page, "[name='add_row:scope.sites']")
    page.fill("[id='scope.sites.2.address']", THIRD_SITE)
    page.fill("[id='scope.sites.2.activities']", "定制橱柜安装")
    click(page, "[name='remove_row:scope.sites.1']")

    expect(page.locator("[id='holder.name']")).to_have_value(HOLDER["name"])
    expect(page.locator("[id='scope.sites.1.address']")).to_have_value(THIRD_SITE)
    expect(page.locator("[id='scope.sites.2.address']")).to_have_count(0)
    expect(page.locator("[id='evaluation.functions_met-7']")).to_be_checked()
    expect(page.locator("[id='evaluation.functions_met-8']")).not_to_be_checked()
    submit(page)

    expect(page.locator("[id='error-evaluation.functions_met']")).to_contain_text("§5.3.5")
    page.screenshot(path=str(ARTEFACTS / "issue-refused-functions-nojs.png"), full_page=True)
    page.check("[id='evaluation.functions_met-8']")
    submit(page)

    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("main > dl")).to_contain_text(THIRD_SITE)
    expect(page.locator("main > dl")).not_to_contain_text(str(SITES[1]["address"]))
