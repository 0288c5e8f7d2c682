"""End to end: a browser fetches the electronic certificate from a real server process."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from tests.examples import issue_request
from tests.processes import server


@pytest.fixture
def served_pdf(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, the path of a valid certificate's PDF) of `registry serve`."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/registry.sqlite",
        keys_dir=tmp_path / "keys",
        dev_mode=True,
    )
    with open_registry(settings) as registry:
        open_keys(registry, settings).generate()
        decided = registry.today() - timedelta(days=60)
        number = registry.issue(actor="e2e", **issue_request(decision_date=decided))
    with server(settings) as base:
        yield base, f"/api/v1/certificates/{number['certificate_no']}/certificate.pdf"


def test_the_browser_opens_the_pdf_url_and_gets_a_pdf(
    served_pdf: tuple[str, str], browser: object
) -> None:
    from playwright.sync_api import Browser

    base, path = served_pdf
    assert isinstance(browser, Browser)
    page = browser.new_page()

    response = page.goto(base + path)

    assert response is not None
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
