"""Pages a person trusts at a glance: status first, no green tick for a certificate not in
force, reasons as text in the page's language, a helpful not-found page, the history."""

from tests.api.conftest import SUSPENSION, Api
from tests.scanning import scan

REVOCATION = {"reason": "b", "details": "内部说明：不公开", "effective_date": "2026-07-01"}


def scanned(api: Api, no: str) -> str:
    image = api.client.get(f"/api/v1/certificates/{no}/qr.png").content
    return scan(image).rsplit("/v/", 1)[1]


def test_the_live_status_comes_before_anything_else_on_the_page(api: Api) -> None:
    no = api.issue()

    page = api.client.get("/verify", params={"number": no}).text

    main = page[page.index("<main>") :]
    assert main.index('class="status') < main.index('class="search"')
    assert main.index('class="status') < main.index("<h1>")


def test_a_revoked_certificate_scanned_gets_no_green_tick(api: Api) -> None:
    no = api.issue()
    token = scanned(api, no)
    api.command(no, "revocations", REVOCATION)

    zh = api.client.get(f"/v/{token}").text
    en = api.client.get(f"/v/{token}", params={"lang": "en"}).text

    main = zh[zh.index("<main>") :]
    assert main.index('class="status') < main.index("签名真实")
    assert "✔" not in zh
    assert "verdict-ok" not in zh
    assert "签名真实，但证书已撤销" in zh
    assert 'data-in-force="false"' in zh
    assert "The signature is authentic, but the certificate is revoked" in en


def test_a_valid_certificate_scanned_keeps_its_green_tick(api: Api) -> None:
    token = scanned(api, api.issue())

    page = api.client.get(f"/v/{token}").text

    assert "✔" in page
    assert "签名真实，但" not in page


def test_reasons_show_as_text_never_as_a_letter(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    page = api.client.get("/verify", params={"number": no}).text

    assert "原因：发现获证组织服务持续地或严重地不满足认证要求" in page
    assert "原因 b" not in page


def test_english_pages_translate_levels_reasons_and_the_standard(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    page = api.client.get("/verify", params={"number": no, "lang": "en"}).text

    assert "Level 3 (Integrated)" in page
    assert "failed the certification requirements" not in page
    assert "fail the certification requirements persistently or seriously" in page
    assert "Mass personalized customization — General requirements" in page
    assert "集成级" not in page
    assert "不满足认证要求" not in page


def test_the_not_found_page_suggests_name_or_uscc_and_names_the_contact(api: Api) -> None:
    zh = api.client.get("/verify", params={"number": "CESI2026EV/IMG19999"})
    en = api.client.get("/verify", params={"number": "CESI2026EV/IMG19999", "lang": "en"})

    assert zh.status_code == en.status_code == 404
    assert "统一社会信用代码" in zh.text
    assert "010-64102688" in zh.text
    assert "unified social credit code" in en.text
    assert "+86 10 64102688" in en.text


def test_the_bad_number_page_is_in_the_pages_language(api: Api) -> None:
    zh = api.client.get("/verify", params={"number": "CESI-12"})
    en = api.client.get("/verify", params={"number": "CESI-12", "lang": "en"})

    assert zh.status_code == en.status_code == 422
    assert "证书编号形如 CESI2026EV/IMG10007R00" in zh.text
    assert "is not a certificate number" not in zh.text
    assert "A certificate number looks like" in en.text


def test_the_public_page_shows_the_status_history_without_actors_or_details(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)
    api.command(no, "restorations", {"effective_date": "2026-07-01", "verification_ref": "V-1"})
    api.command(
        no, "holder-changes", {"address": "深圳市福田区 9 号", "effective_date": "2026-08-01"}
    )
    api.command(no, "revocations", REVOCATION | {"effective_date": "2026-09-01"})

    page = api.client.get("/verify", params={"number": no}).text

    events = [part.split('"', 1)[0] for part in page.split('data-event="')[1:]]
    assert events == ["issued", "suspended", "restored", "reissued", "revoked"]
    assert [d.split('"', 1)[0] for d in page.split('<time datetime="')[1:]] == [
        "2026-05-11",
        "2026-06-01",
        "2026-07-01",
        "2026-08-01",
        "2026-09-01",
    ]
    assert f"{no}R01" in page
    assert "被国家质量监督检验检疫总局列入质量信用严重失信企业名单" in page
    assert "registrar-1" not in page
    assert "内部说明" not in page
