"""The public pages as HTML: languages, statuses, escaping, headers, no external assets."""

import re
from pathlib import Path

import swagger_ui_bundle

from tests.api.conftest import SUSPENSION, Api


def test_landing_page_has_the_search_form_and_links(api: Api) -> None:
    page = api.client.get("/").text

    assert 'action="/verify"' in page
    assert "合格组织名录" in page
    assert 'href="/docs"' in page


def test_verify_page_is_chinese_by_default_and_english_on_request(api: Api) -> None:
    no = api.issue()

    chinese = api.client.get("/verify", params={"number": no}).text
    english = api.client.get("/verify", params={"number": no, "lang": "en"}).text

    assert "有效" in chinese
    assert "有效期至" in chinese
    assert "Valid until" in english
    assert 'data-status="valid"' in english


def test_suspended_certificate_shows_the_reason_and_deadline(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    page = api.client.get("/verify", params={"number": no}).text

    assert "暂停" in page
    assert "发现获证组织服务持续地或严重地不满足认证要求" in page
    assert "2026-11-30" in page


def test_search_by_organisation_name_lists_matches(api: Api) -> None:
    no = api.issue()

    page = api.client.get("/verify", params={"q": "定制家居"}).text

    assert f"{no}R00" in page


def test_unknown_number_page_is_404(api: Api) -> None:
    response = api.client.get("/verify", params={"number": "CESI2026EV/IMG19999"})

    assert response.status_code == 404
    assert "未找到该证书" in response.text


def test_names_are_escaped_on_the_page(api: Api) -> None:
    holder = {
        "name": "<script>alert(1)</script>有限公司",
        "uscc": "91440300708461136T",
        "address": "深圳",
    }
    no = api.issue(holder=holder)

    page = api.client.get("/verify", params={"number": no}).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_pages_carry_security_headers(api: Api) -> None:
    headers = api.client.get("/").headers

    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_pages_load_nothing_from_other_hosts(api: Api) -> None:
    for path in ("/", "/verify", "/docs"):
        page = api.client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', page), path


def test_docs_assets_are_served_by_the_app(api: Api) -> None:
    assert api.client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert api.client.get("/static/docs.js").status_code == 200


def test_docs_serve_swagger_ui_5_which_reads_openapi_3_1(api: Api) -> None:
    served = api.client.get("/static/swagger/swagger-ui-bundle.js").content

    bundled = Path(swagger_ui_bundle.swagger_ui_path)
    assert api.client.get("/openapi.json").json()["openapi"].startswith("3.1")
    assert bundled.name.startswith("swagger-ui-5.")
    assert served == (bundled / "swagger-ui-bundle.js").read_bytes()


def test_openapi_declares_a_bearer_scheme_on_the_role_routes_only(api: Api) -> None:
    document = api.client.get("/openapi.json").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "a token printed by `registry token create --role …`",
        }
    }
    paths = document["paths"]
    assert paths["/api/v1/certificates"]["post"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in paths["/api/v1/directory"]["get"]
