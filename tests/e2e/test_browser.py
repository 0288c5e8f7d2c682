"""End to end: the real server process, driven by a person's browser (headless Chromium)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from registry.application import open_registry
from registry.settings import Settings
from tests.examples import issue_request
from tests.processes import server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A registry with one valid and one suspended certificate, served by `registry serve`."""
    url = f"sqlite:///{tmp_path}/registry.sqlite"
    with open_registry(Settings(database_url=url)) as registry:
        decided = registry.today() - timedelta(days=60)
        valid = registry.issue(actor="e2e", **issue_request(decision_date=decided))
        suspended = registry.issue(actor="e2e", **issue_request(decision_date=decided))
        registry.command(
            "suspend",
            suspended["registration_no"],
            {
                "reason": "g",
                "details": "应获证组织请求",
                "effective_date": registry.today() - timedelta(days=5),
            },
            actor="e2e",
        )
    with server(Settings(database_url=url, keys_dir=tmp_path / "keys")) as base:
        yield (
            base,
            {
                "valid": valid["certificate_no"],
                "suspended": suspended["certificate_no"],
            },
        )


def test_a_person_searches_a_number_and_sees_its_status_in_both_languages(
    served: tuple[str, dict[str, str]], browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser, expect

    base, numbers = served
    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone

    page.goto(base + "/")
    page.get_by_role("searchbox").fill(numbers["valid"])
    page.get_by_role("button", name="查询").click()

    status = page.locator(".status")
    expect(status).to_contain_text("有效")
    expect(page.locator("dl")).to_contain_text(numbers["valid"])
    page.screenshot(path=str(tmp_path / "valid-zh.png"), full_page=True)

    page.get_by_role("link", name="English").click()
    expect(status).to_contain_text("Valid")
    expect(page.locator("dl")).to_contain_text("Valid until")
    page.screenshot(path=str(tmp_path / "valid-en.png"), full_page=True)

    page.get_by_role("searchbox").fill(numbers["suspended"])
    page.get_by_role("button", name="Search").click()
    expect(status).to_contain_text("Suspended")
    expect(page.locator(".notice")).to_contain_text("The holder asked for the suspension")
    page.screenshot(path=str(tmp_path / "suspended-en.png"), full_page=True)
    assert (tmp_path / "suspended-en.png").stat().st_size > 0


def test_a_person_searching_an_unknown_number_is_told_so(
    served: tuple[str, dict[str, str]], browser: object
) -> None:
    from playwright.sync_api import Browser, expect

    base, _ = served
    assert isinstance(browser, Browser)
    page = browser.new_page()

    page.goto(base + "/verify?lang=en")
    page.get_by_role("searchbox").fill("CESI2026EV/IMG19999")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("alert")).to_contain_text("No such certificate")
