"""An English certificate's name and scope (§6 g) over HTTP: recorded at issue and by a
holder change, answered, printed on the English page of the document and shown in English."""

from tests.api.conftest import Api, body
from tests.examples import SITES, issue_request

DONGGUAN = SITES[1]["address"]
ENGLISH = {
    "address_en": "No. 8 Songshan Lake, Dongguan",
    "activities_en": ["Manufacture", "Logistics"],
}


def english_scope() -> dict[str, object]:
    return {"sites": [SITES[0], SITES[1] | ENGLISH]}


def test_the_answer_carries_the_english_scope_given_at_issue(api: Api) -> None:
    no = api.issue(scope=english_scope())

    site = api.client.get(f"/api/v1/verify?number={no}").json()["scope"]["sites"][1]

    assert (site["address_en"], site["activities_en"]) == (
        "No. 8 Songshan Lake, Dongguan",
        ["Manufacture", "Logistics"],
    )


def test_an_english_scope_without_the_english_name_is_422_citing_the_rule(api: Api) -> None:
    holder = {"name": "某公司", "uscc": "91440300708461136T", "address": "深圳"}

    response = api.client.post(
        "/api/v1/certificates",
        json=body(issue_request(holder=holder, scope=english_scope())),
        headers=api.auth(),
    )

    assert response.status_code == 422
    assert (response.json()["section"], response.json()["field"]) == ("§6 g", "holder.name_en")


def test_a_holder_change_records_the_english_scope_kept_per_revision(api: Api) -> None:
    no = api.issue()

    response = api.command(
        no,
        "holder-changes",
        {"scope_en": [{"address": DONGGUAN, **ENGLISH}], "effective_date": "2026-06-01"},
    )

    assert response.status_code == 201
    assert response.json()["scope"]["sites"][1]["activities_en"] == ["Manufacture", "Logistics"]
    old = api.client.get(f"/api/v1/verify?number={no}R00").json()
    assert "activities_en" not in old["printed"]["scope"]["sites"][1]
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert history.json()[-1]["data"]["sites"][1]["address_en"] == ENGLISH["address_en"]


def test_the_english_public_page_shows_the_english_name_and_scope(api: Api) -> None:
    no = api.issue(scope=english_scope())

    page = api.client.get(f"/verify?number={no}&lang=en").text

    assert '<h1 lang="en">Shenzhen Custom Home Technology Co., Ltd.</h1>' in page
    assert "No. 8 Songshan Lake, Dongguan" in page
    assert "Manufacture; Logistics" in page


def test_the_chinese_public_page_keeps_the_chinese_scope(api: Api) -> None:
    no = api.issue(scope=english_scope())

    page = api.client.get(f"/verify?number={no}").text

    assert "No. 8 Songshan Lake" not in page
