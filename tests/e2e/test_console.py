"""End to end: staff work through the console pages only, in headless Chromium, on a real
server; every page is checked with axe-core at 1280 px and 390 px and photographed."""

import csv
import io
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pyotp
import pytest

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.users import Accounts
from tests.examples import CLAUSE_IDS, FIRST_HALF, HOLDER, SITES
from tests.processes import server

PASSWORD = "a long enough passphrase"
ARTEFACTS = Path(os.environ.get("REGISTRY_TEST_ARTEFACTS", "var/test-artefacts")) / "console"
WIDTHS = (1280, 390)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A served registry with an administrator (with TOTP), an auditor and a regulator."""
    url = f"sqlite:///{tmp_path}/registry.sqlite"
    settings = Settings(database_url=url, keys_dir=tmp_path / "keys", dev_mode=True)
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
    with server(settings) as base:
        yield {"base": base, "secret": secret, "today": today, "downloads": tmp_path}


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
    sign_out(page)
    expect(page).to_have_url(f"{base}/console/login")
    checked(page, "login")

    # The registrar issues a certificate with two sites.
    sign_in(page, base, "reg-e2e", password)
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
    submit(page)
    page.goto(f"{base}/console/commands/scope-narrowings/{number}")
    page.select_option("#reason", "b")
    page.fill("#remove_sites", str(SITES[1]["address"]))
    page.fill("#approval_ref", "AP-1")
    page.fill("#effective_date", day(today, 20))
    submit(page)
    page.goto(f"{base}/console/commands/revocations/{number}")
    page.select_option("#reason", "e")
    page.fill("#details", "严重违反法律法规要求")
    page.fill("#effective_date", day(today, 10))
    submit(page)
    expect(page.locator("#consequence")).to_contain_text("不可恢复")
    checked(page, "revocation-confirm")
    submit(page)
    expect(page.locator("#status")).to_contain_text("revoked")
    checked(page, "certificate")

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

    # The regulator downloads the month's report and checks its signature.
    sign_in(page, base, "reg-ulator")
    page.goto(f"{base}/console/regulator")
    checked(page, "regulator")
    page.fill("#month", today.strftime("%Y-%m"))
    with page.expect_download() as report:
        page.click("main form button")
    page.goto(f"{base}/console/regulator?month={today.strftime('%Y-%m')}")
    with page.expect_download() as signature:
        page.click("#signature-csv")
    body = Path(report.value.path()).read_bytes()
    assert number.encode() in body
    assert detached_signature_verifies(base, Path(signature.value.path()).read_text(), body)


def detached_signature_verifies(base: str, signature: str, payload: bytes) -> bool:
    jwks = jwt.PyJWKSet.from_dict(httpx.get(f"{base}/.well-known/jwks.json").json())
    key = jwks[jwt.get_unverified_header(signature)["kid"]].key
    header, _, sig = signature.split(".")
    encoded = jwt.utils.base64url_encode(payload).decode()
    try:
        jwt.api_jws.PyJWS().decode(f"{header}.{encoded}.{sig}", key, algorithms=["EdDSA"])
    except jwt.InvalidSignatureError:
        return False
    return True


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


def test_a_post_without_its_csrf_token_is_refused_and_sign_out_ends_the_session(
    console: dict[str, Any],
    browser: object,
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    base = console["base"]
    page = browser.new_page()
    sign_in(page, base, "aud-1")

    forged = page.request.post(f"{base}/console/logout", form={"csrf": "forged"})
    still_in = page.goto(f"{base}/console/")
    sign_out(page)
    page.goto(f"{base}/console/")

    assert forged.status == 403
    assert still_in is not None
    assert still_in.url == f"{base}/console/"
    expect(page).to_have_url(f"{base}/console/login?next=/console/")
