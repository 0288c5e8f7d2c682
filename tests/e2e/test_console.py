"""End to end: staff work through the console pages only, in headless Chromium, on a real
server; every page is checked with axe-core at 1280 px and 390 px and photographed."""

import csv
import io
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.users import Accounts
from tests.examples import CLAUSE_IDS, FIRST_HALF, HOLDER, SITES
from tests.processes import cli, clock_env, move_clock, server

PASSWORD = "a long enough passphrase"
ARTEFACTS = Path(os.environ.get("REGISTRY_TEST_ARTEFACTS", "var/test-artefacts")) / "console"
WIDTHS = (1280, 390)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A served registry with an administrator (with TOTP), an auditor and a regulator; its
    clock is moved by `move_clock(console["clock"], …)`."""
    url = f"sqlite:///{tmp_path}/registry.sqlite"
    settings = Settings(
        database_url=url,
        keys_dir=tmp_path / "keys",
        dev_mode=True,
        reports_dir=tmp_path / "reports",
        monthly_reports=False,  # made by the CLI once there is something to report
    )
    secret = pyotp.random_base32()
    with open_registry(settings) as registry:
        open_keys(registry, settings).generate()
        accounts = Accounts(registry)
        accounts.create("root", ["admin"], actor="cli", password=PASSWORD)
        accounts.enrol_totp("root", secret)
        accounts.create("aud-1", ["auditor"], actor="cli", password=PASSWORD)
        accounts.create("reg-ulator", ["regulator"], actor="cli", password=PASSWORD)
        accounts.create("locked-1", ["auditor"], actor="cli", password=PASSWORD)
        today = registry.today()
    clock = tmp_path / "clock-shift"
    with server(settings, env=clock_env(clock)) as base:
        yield {
            "base": base,
            "secret": secret,
            "today": today,
            "clock": clock,
            "settings": settings,
            "downloads": tmp_path / "downloads",
        }


def checked(page: Any, name: str) -> None:
    """No serious or critical axe-core violation at either width; a screenshot of each."""
    from axe_playwright_python.sync_playwright import Axe

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        results = Axe().run(page)
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"{name} at {width}px: {bad}"
        page.screenshot(path=str(ARTEFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in(page: Any, base: str, name: str, password: str = PASSWORD, code: str = "") -> None:
    page.goto(f"{base}/console/login")
    page.fill("#name", name)
    page.fill("#password", password)
    if code:
        page.fill("#code", code)
    click(page, "main button[type=submit]")


def click(page: Any, selector: str) -> None:
    """Click and wait for the page the form posts to (post/redirect/get included)."""
    with page.expect_navigation():
        page.click(selector)


def sign_out(page: Any) -> None:
    click(page, "header form button")


def day(today: date, days_ago: int) -> str:
    return (today - timedelta(days=days_ago)).isoformat()


def submit(page: Any) -> None:
    click(page, "main form[method=post] button[type=submit]")


def fill_issue_form(page: Any, decision_date: str) -> None:
    """The issue form for a level-3 certificate with the two sites of tests/examples.py."""
    for name, value in HOLDER.items():
        page.fill(f"[id='holder.{name}']", str(value))
    for row, site in enumerate(SITES):
        page.fill(f"[id='scope.sites.{row}.address']", str(site["address"]))
        page.fill(f"[id='scope.sites.{row}.activities']", "\n".join(site["activities"]))
    for name, value in {
        "level": "3",
        "decision_date": decision_date,
        "person_days": "5",
        "evaluation.not_met": "1",
        "evaluation.partially_met": "20",
        "evaluation.fully_met": "84",
        "evaluation.report_ref": "TR-E2E",
    }.items():
        page.fill(f"[id='{name}']", value)
    for function in "12345678":  # Table 1: all eight, level 3
        page.check(f"[id='evaluation.functions_met-{function}']")
    page.check("[id='evaluation.platform_met']")


def test_staff_run_a_certificates_whole_life_through_the_console(
    console: dict[str, Any],
    browser: object,
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    base, today = console["base"], console["today"]
    page = browser.new_context(accept_downloads=True).new_page()

    # The administrator creates a registrar.
    sign_in(page, base, "root", code=pyotp.TOTP(console["secret"]).now())
    checked(page, "dashboard-admin")
    page.goto(f"{base}/console/admin/users")
    page.fill("#name", "reg-e2e")
    page.check("#role-registrar")
    click(page, "#create-user button")
    password = page.locator("#new-password").inner_text().strip()
    checked(page, "users")
    # … and a token for the registrar's own program, bound to the registrar.
    page.goto(f"{base}/console/admin/tokens")
    page.fill("#name", "ci-reg-e2e")
    page.select_option("#role", "registrar")
    page.select_option("#user", "reg-e2e")
    click(page, "#create-token button")
    expect(page.locator("#new-token")).to_contain_text("crt_")
    expect(page.locator("main table")).to_contain_text("reg-e2e")
    checked(page, "tokens")
    page.goto(f"{base}/console/admin/keys")
    checked(page, "keys")
    sign_out(page)
    expect(page).to_have_url(f"{base}/console/login")
    checked(page, "login")

    # The registrar issues a certificate with two sites.
    sign_in(page, base, "reg-e2e", password)
    checked(page, "dashboard")
    page.goto(f"{base}/console/issue")
    fill_issue_form(page, day(today, 200))
    checked(page, "issue")
    submit(page)
    expect(page.locator("#done")).to_be_visible()
    number = page.locator("h1").inner_text().strip()[:-3]
    cert_url = f"{base}/console/certificates/{number}"

    # Two surveillances through the picker cover every clause.
    for clauses, days_ago in ((FIRST_HALF, 150), (None, 100)):
        page.goto(f"{base}/console/commands/surveillances/{number}")
        page.fill("#date", day(today, days_ago))
        page.fill("#person_days", "2.5")
        page.check("[id='management_audit']")
        page.check("[id='characteristic_evaluation']")
        page.fill("#report_ref", f"SR-{days_ago}")
        for clause in clauses or []:
            page.check(f"input[name=clauses][value='{clause}']")
        if clauses is None:  # the picker preselected what the first left
            checked_ids = page.eval_on_selector_all(
                "input[name=clauses]:checked", "boxes => boxes.map(b => b.value)"
            )
            assert sorted(checked_ids) == sorted(set(CLAUSE_IDS) - set(FIRST_HALF))
            # 51 left: one more, as a surveillance samples at least half of 104 (§5.5.3)
            page.check(f"input[name=clauses][value='{FIRST_HALF[0]}']")
            checked(page, "surveillance")
        submit(page)
        expect(page.locator("#done")).to_be_visible()

    # Suspend, restore, narrow the scope, revoke (after confirming).
    page.goto(f"{base}/console/commands/suspensions/{number}")
    page.select_option("#reason", "b")
    page.fill("#details", "服务持续不满足要求")
    page.fill("#effective_date", day(today, 40))
    checked(page, "suspension")
    submit(page)
    expect(page.locator("#status")).to_contain_text("suspended")
    page.goto(f"{base}/console/commands/restorations/{number}")
    page.fill("#effective_date", day(today, 30))
    page.fill("#verification_ref", "VR-1")
    checked(page, "restoration")
    submit(page)
    expect(page.locator("#status")).to_contain_text("valid")
    page.goto(f"{base}/console/commands/scope-narrowings/{number}")
    page.select_option("#reason", "b")
    page.fill("#remove_sites", str(SITES[1]["address"]))
    page.fill("#approval_ref", "AP-1")
    page.fill("#effective_date", day(today, 20))
    checked(page, "scope-narrowing")
    submit(page)
    expect(page.locator("#done")).to_be_visible()
    page.goto(f"{base}/console/commands/revocations/{number}")
    page.select_option("#reason", "e")
    page.fill("#details", "严重违反法律法规要求")
    page.fill("#effective_date", day(today, 10))
    checked(page, "revocation")
    submit(page)
    expect(page.locator("#consequence")).to_contain_text("不可恢复")
    checked(page, "revocation-confirm")
    submit(page)
    expect(page.locator("#status")).to_contain_text("revoked")
    checked(page, "certificate")
    page.goto(f"{base}/console/certificates?q={HOLDER['uscc']}")
    expect(page.locator("main")).to_contain_text(number)
    checked(page, "certificates")

    # A registrar opening an administrator page gets a clear 403 page.
    response = page.goto(f"{base}/console/admin/users")
    assert response is not None
    assert response.status == 403
    checked(page, "forbidden")
    sign_out(page)

    # The auditor reads that history and exports it.
    sign_in(page, base, "aud-1")
    page.goto(cert_url)
    timeline = page.locator("#history li")
    expect(timeline).to_have_count(7)
    expect(page.locator("#history")).to_contain_text("reg-e2e")
    checked(page, "history-auditor")
    page.goto(f"{base}/console/audit?actor=reg-e2e")
    checked(page, "audit")
    with page.expect_download() as download:
        page.click("#csv-export")
    exported = csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig")))
    types = [row["type"] for row in exported if row["registration_no"] == number]
    assert {"Issued", "Surveilled", "Suspended", "Restored", "ScopeNarrowed", "Revoked"} <= set(
        types
    )
    page.goto(f"{base}/console/integrity")
    click(page, "main form button")
    expect(page.locator("#verify-result")).to_contain_text("intact")
    checked(page, "integrity")
    sign_out(page)

    # Last month's report is made; the regulator downloads it as made, with its signed
    # manifest, and checks it with the CLI against the registry's published keys.
    settings, month = console["settings"], (today.replace(day=1) - timedelta(days=1))
    made = cli(settings, "report", "monthly", "--month", f"{month:%Y-%m}")
    assert made.returncode == 0, made.stderr
    sign_in(page, base, "reg-ulator")
    page.goto(f"{base}/console/regulator")
    checked(page, "regulator")
    files = {}
    console["downloads"].mkdir()
    for name in ("csv", "manifest-json", "manifest-json-jws"):
        with page.expect_download() as download:
            page.click(f"#made-{month:%Y-%m}-{name}")
        files[name] = console["downloads"] / download.value.suggested_filename
        download.value.save_as(files[name])
    assert number.encode() in files["csv"].read_bytes()
    verified = cli(
        settings, "report", "verify", str(files["csv"]), "--manifest", str(files["manifest-json"]),
        "--manifest-signature", str(files["manifest-json-jws"]), "--jwks", base,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"intact: {files['csv']} is the csv report of {month:%Y-%m}")


def test_five_wrong_passwords_lock_the_account_in_the_browser(
    console: dict[str, Any],
    browser: object,
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page()
    for _ in range(5):
        sign_in(page, console["base"], "locked-1", "not the passphrase")

    sign_in(page, console["base"], "locked-1")

    expect(page.locator("#login-error")).to_contain_text("锁定")


@pytest.fixture
def auditor_page(console: dict[str, Any], browser: object) -> Any:
    """A browser page signed in as the auditor, on the dashboard."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page()
    sign_in(page, console["base"], "aud-1")
    expect(page).to_have_url(f"{console['base']}/console/")
    return page


def test_a_post_without_its_csrf_token_is_refused_in_the_browser(
    console: dict[str, Any], auditor_page: Any
) -> None:
    base = console["base"]

    forged = auditor_page.request.post(f"{base}/console/logout", form={"csrf": "forged"})
    still_in = auditor_page.goto(f"{base}/console/")

    assert forged.status == 403
    assert still_in.url == f"{base}/console/"


def test_signing_out_ends_the_session_in_the_browser(
    console: dict[str, Any], auditor_page: Any
) -> None:
    from playwright.sync_api import expect

    sign_out(auditor_page)
    auditor_page.goto(f"{console['base']}/console/")

    expect(auditor_page).to_have_url(f"{console['base']}/console/login?next=/console/")


def test_a_console_session_ends_after_thirty_idle_minutes_in_the_browser(
    console: dict[str, Any], auditor_page: Any
) -> None:
    from playwright.sync_api import expect

    base = console["base"]
    move_clock(console["clock"], timedelta(minutes=29))
    auditor_page.goto(f"{base}/console/")
    expect(auditor_page).to_have_url(f"{base}/console/")  # used within the idle time: still in

    move_clock(console["clock"], timedelta(minutes=29 + 31))
    auditor_page.goto(f"{base}/console/")

    expect(auditor_page).to_have_url(f"{base}/console/login?next=/console/")


def test_the_regulator_subscribes_a_webhook_receiver_in_the_browser(
    console: dict[str, Any],
    browser: object,
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page()
    sign_in(page, console["base"], "reg-ulator")
    page.goto(f"{console['base']}/console/webhooks")
    page.fill("#url", "https://cnca.example/hooks")

    submit(page)

    expect(page.locator("#new-secret")).to_contain_text("whsec_")
    expect(page.locator("section.subscription h2")).to_have_text("https://cnca.example/hooks")
    checked(page, "webhooks")
