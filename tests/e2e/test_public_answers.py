"""End to end, as the public meets the registry (issue 14): searching every status, the
notice list and its feed, refused documents, a revoked QR code checked offline, /docs, and
axe-core on every public page. Screenshots of each state are saved under the test's tmp dir."""

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from pydantic import SecretStr

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.tokens import create_token
from tests.examples import issue_request
from tests.processes import cli, free_port, server

OTHER_USCC = "91110108551385082Q"
SERIOUS = ("serious", "critical")


@dataclass
class Served:
    base: str
    settings: Settings
    numbers: dict[str, str]  # valid, suspended, revoked: printed numbers
    revoked_qr: Path  # a photo of the revoked certificate's code, taken while it was valid


def full_width(text: str) -> str:
    """What a Chinese keyboard in full-width mode types: ＣＥＳＩ２０２６ＥＶ／ＩＭＧ…"""
    typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    assert unicodedata.normalize("NFKC", typed) == text
    return typed


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server with a valid, a suspended and a revoked certificate (the revoked one of
    another holder, found by its USCC); the revoked one's QR photo was taken before. One
    for the module: its tests only read, as the public does."""
    tmp_path = tmp_path_factory.mktemp("served")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/registry.sqlite",
        keys_dir=tmp_path / "keys",
        public_base_url=base,
        key_passphrase=SecretStr("e2e passphrase"),
        rate_limit=0,  # axe visits every page in two languages and two widths
    )
    with open_registry(settings) as registry:
        open_keys(registry, settings).generate()
        today = registry.today()
        decided = today - timedelta(days=60)
        holder = {"name": "杭州被撤销服务有限公司", "uscc": OTHER_USCC, "address": "杭州"}
        requests = {
            "valid": issue_request(decision_date=decided),
            "suspended": issue_request(decision_date=decided),
            "revoked": issue_request(decision_date=decided, holder=holder),
        }
        issued = {name: registry.issue(actor="e2e", **r) for name, r in requests.items()}
        registry.command(
            "suspend",
            issued["suspended"]["registration_no"],
            {"reason": "g", "details": "请求", "effective_date": registry.today()},
            actor="e2e",
        )
        token = create_token(registry, name="e2e-registrar", role="registrar")
    with server(settings, port=port):
        revoked = issued["revoked"]["registration_no"]
        photo = tmp_path / "revoked-qr.png"
        photo.write_bytes(httpx.get(f"{base}/api/v1/certificates/{revoked}/qr.png").content)
        response = httpx.post(
            f"{base}/api/v1/certificates/{revoked}/revocations",
            headers={"Authorization": f"Bearer {token}"},
            json={"reason": "g", "details": "停止经营", "effective_date": str(today)},
        )
        assert response.status_code == 201, response.text
        numbers = {name: str(answer["certificate_no"]) for name, answer in issued.items()}
        yield Served(base, settings, numbers, photo)


def phone_page(browser: Any, width: int = 390) -> Any:
    return browser.new_page(viewport={"width": width, "height": 844})


def test_a_person_finds_a_revoked_supplier_by_uscc_and_by_a_full_width_number(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = phone_page(browser)

    page.goto(served.base + "/")
    page.get_by_role("searchbox").fill(OTHER_USCC)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".results")).to_contain_text("杭州被撤销服务有限公司")
    expect(page.locator('.results [data-status="revoked"]')).to_have_text("撤销")
    page.screenshot(path=str(tmp_path / "search-uscc-revoked.png"), full_page=True)

    page.get_by_role("searchbox").fill(full_width(served.numbers["revoked"]))
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".status")).to_contain_text("撤销")
    expect(page.locator(".timeline")).to_contain_text("撤销")
    page.screenshot(path=str(tmp_path / "search-full-width-revoked.png"), full_page=True)


def test_the_landing_pages_directory_link_lists_every_certificate_in_force(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = phone_page(browser, 1280)

    page.goto(served.base + "/")
    page.get_by_role("link", name="合格组织名录").click()

    expect(page.locator(".results li")).to_have_count(2)
    expect(page.locator(".results")).not_to_contain_text("杭州被撤销服务有限公司")
    page.screenshot(path=str(tmp_path / "directory-in-force.png"), full_page=True)


def test_the_notices_page_and_its_atom_feed_list_the_suspension_and_the_revocation(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = phone_page(browser, 1280)

    page.goto(served.base + "/notices")
    expect(page.locator(".notices li")).to_have_count(2)
    expect(page.locator(".notices")).to_contain_text("获证组织主动请求暂停的")
    expect(page.locator(".notices")).to_contain_text("获证组织没有运行服务活动")
    page.screenshot(path=str(tmp_path / "notices.png"), full_page=True)
    feed = feedparser.parse(httpx.get(served.base + "/notices.atom").content)

    assert feed.bozo is False
    assert sorted(entry.category for entry in feed.entries) == ["revoked", "suspended"]


def test_a_revoked_certificates_document_is_refused_with_a_page(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = phone_page(browser)
    number = served.numbers["revoked"]

    response = page.goto(f"{served.base}/api/v1/certificates/{number}/document")

    assert response is not None
    assert response.status == 410
    expect(page.get_by_role("alert")).to_contain_text("撤销")
    expect(page.locator("main")).to_contain_text(number)
    page.screenshot(path=str(tmp_path / "document-revoked-410.png"), full_page=True)


def test_a_suspended_certificates_document_is_marked_and_prints_on_one_a4_page(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = phone_page(browser, 1280)
    number = served.numbers["suspended"]

    page.goto(f"{served.base}/api/v1/certificates/{number}/document")
    expect(page.locator(".suspended-mark")).to_contain_text("暂停")
    page.screenshot(path=str(tmp_path / "document-suspended.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)

    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1


def test_a_revoked_qr_code_checked_offline_and_online_is_not_in_force(
    served: Served, tmp_path: Path
) -> None:
    jwks, status_list = tmp_path / "jwks.json", tmp_path / "status-list.jwt"
    jwks.write_text(json.dumps(httpx.get(served.base + "/.well-known/jwks.json").json()))
    status_list.write_text(httpx.get(served.base + "/api/v1/status-list").text)
    photo = str(served.revoked_qr)

    offline = cli(
        served.settings,
        *("verify-qr", photo, "--offline", "--jwks", str(jwks), "--status-list", str(status_list)),
    )
    online = cli(served.settings, "verify-qr", photo, "--jwks", str(jwks))

    assert offline.returncode == 3, offline.stderr
    assert offline.stdout.startswith("authentic, but NOT in force: invalid")
    assert online.returncode == 3, online.stderr
    assert online.stdout.startswith("authentic, but NOT in force: revoked")


def test_docs_list_the_operations_and_offer_authorize(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = phone_page(browser, 1280)

    page.goto(served.base + "/docs")

    expect(page.locator(".opblock").first).to_be_visible()
    expect(
        page.locator(".opblock-summary-path").filter(has_text="/api/v1/directory")
    ).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
    page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)


def public_pages(served: Served, token_path: str) -> dict[str, str]:
    n = served.numbers
    return {
        "landing": "/",
        "valid": f"/verify?number={n['valid']}",
        "suspended": f"/verify?number={n['suspended']}",
        "revoked": f"/verify?number={n['revoked']}",
        "search": "/verify?q=%E5%AE%9A%E5%88%B6",
        "in-force": "/verify?status=in_force",
        "not-found": "/verify?number=CESI2026EV/IMG19999",
        "bad-number": "/verify?number=CESI-1",
        "notices": "/notices",
        "scan": token_path,
        "gone": f"/api/v1/certificates/{n['revoked']}/document",
        "document": f"/api/v1/certificates/{n['valid']}/document",
        "document-suspended": f"/api/v1/certificates/{n['suspended']}/document",
    }


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_public_page_passes_axe_core_without_serious_violations(
    served: Served, browser: Any, tmp_path: Path, lang: str, width: int
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from registry.qrcodes import decode, token_of

    (scanned,) = decode(served.revoked_qr)
    page = phone_page(browser, width)
    found: dict[str, list[str]] = {}

    for name, path in public_pages(served, "/v/" + token_of(scanned)).items():
        joiner = "&" if "?" in path else "?"
        page.goto(f"{served.base}{path}{joiner}lang={lang}")
        results = Axe().run(page)
        found[name] = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in results.response["violations"]
            if v["impact"] in SERIOUS
        ]
        page.screenshot(path=str(tmp_path / f"axe-{name}-{lang}-{width}.png"), full_page=True)

    assert found == {name: [] for name in found}
