"""The public directory of every status (§5.4, §6.3.3): one search box, filters, paging."""

import pytest

from tests.api.conftest import SUSPENSION, Api

REVOCATION = {"reason": "b", "details": "监督发现严重不符合", "effective_date": "2026-07-01"}
OTHER_HOLDER = {
    "name": "北京另一家服务有限公司",
    "uscc": "91110108551385082Q",
    "address": "北京市海淀区中关村 2 号",
}


def numbers(page: dict[str, object]) -> list[str]:
    return [item["registration_no"] for item in page["items"]]  # type: ignore[attr-defined]


def test_directory_lists_every_status_with_each_status(api: Api) -> None:
    valid, suspended, revoked = api.issue(), api.issue(), api.issue()
    api.command(suspended, "suspensions", SUSPENSION)
    api.command(revoked, "revocations", REVOCATION)

    page = api.client.get("/api/v1/directory").json()

    assert [(i["registration_no"], i["status"]) for i in page["items"]] == [
        (valid, "valid"),
        (suspended, "suspended"),
        (revoked, "revoked"),
    ]
    assert (page["total"], page["page"]) == (3, 1)


def test_directory_filters_by_status_today(api: Api) -> None:
    valid, suspended, revoked = api.issue(), api.issue(), api.issue()
    api.command(suspended, "suspensions", SUSPENSION)
    api.command(revoked, "revocations", REVOCATION)
    expired = api.issue(decision_date="2023-11-20")  # valid until 2026-11-19, today 11-25

    def listed(status: str) -> list[str]:
        return numbers(api.client.get("/api/v1/directory", params={"status": status}).json())

    assert listed("valid") == [valid]
    assert listed("suspended") == [suspended]
    assert listed("revoked") == [revoked]
    assert listed("expired") == [expired]
    assert listed("in_force") == [valid, suspended]


def test_a_suspension_past_its_deadline_is_listed_as_revoked(api: Api) -> None:
    lapsed = api.issue(decision_date="2025-01-10")
    api.command(lapsed, "suspensions", SUSPENSION | {"effective_date": "2025-03-01"})

    page = api.client.get("/api/v1/directory", params={"status": "revoked"}).json()

    assert [(i["registration_no"], i["status"]) for i in page["items"]] == [(lapsed, "revoked")]


@pytest.mark.parametrize(
    "typed",
    [
        "91440300708461136T",
        "９１４４０３００７０８４６１１３６Ｔ",
        "  91440300708461136t ",
        "定制家居",
        "ＣＥＳＩ２０２６ＥＶ／ＩＭＧ１０００２Ｒ００",
        "cesi2026ev/img10002",
        "1.2.156.1.2. CESI2026EV/IMG10002R00",
    ],
)
def test_one_search_box_finds_a_revoked_certificate_by_uscc_name_number_or_oid(
    api: Api, typed: str
) -> None:
    api.issue(holder=OTHER_HOLDER)
    revoked = api.issue()
    api.command(revoked, "revocations", REVOCATION)

    page = api.client.get("/api/v1/directory", params={"q": typed}).json()

    assert revoked == "CESI2026EV/IMG10002"
    assert [(i["registration_no"], i["status"]) for i in page["items"]] == [(revoked, "revoked")]


def test_an_older_printed_number_finds_its_registration(api: Api) -> None:
    no = api.issue()
    api.command(
        no, "holder-changes", {"address": "广东省深圳市福田区 9 号", "effective_date": "2026-08-01"}
    )

    page = api.client.get("/api/v1/directory", params={"q": f"{no}R00"}).json()

    assert numbers(page) == [no]


def test_directory_pages_in_registration_order_with_the_total(api: Api) -> None:
    issued = [api.issue() for _ in range(5)]

    pages = [
        api.client.get("/api/v1/directory", params={"page": n, "page_size": 2}).json()
        for n in (1, 2, 3)
    ]

    assert [numbers(p) for p in pages] == [issued[0:2], issued[2:4], issued[4:]]
    assert [p["total"] for p in pages] == [5, 5, 5]


def test_an_unknown_status_filter_is_a_422_problem(api: Api) -> None:
    response = api.client.get("/api/v1/directory", params={"status": "gone"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_the_search_page_lists_a_revoked_certificate_found_by_full_width_uscc(api: Api) -> None:
    revoked = api.issue()
    api.command(revoked, "revocations", REVOCATION)

    page = api.client.get("/verify", params={"q": "９１４４０３００７０８４６１１３６Ｔ"})

    assert page.status_code == 200
    assert 'data-status="revoked"' in page.text
    assert "撤销" in page.text


def test_the_landing_page_links_the_directory_of_certificates_in_force(api: Api) -> None:
    valid, revoked = api.issue(), api.issue()
    api.command(revoked, "revocations", REVOCATION)

    landing = api.client.get("/").text
    listed = api.client.get("/verify", params={"status": "in_force"}).text

    assert 'href="/verify?status=in_force&lang=zh"' in landing
    assert f"{valid}R00" in listed
    assert f"{revoked}R00" not in listed


def test_the_search_page_pages_its_results(api: Api) -> None:
    for _ in range(21):
        api.issue()

    first = api.client.get("/verify", params={"q": "定制"}).text
    second = api.client.get("/verify", params={"q": "定制", "page": 2}).text

    assert "第 1 / 2 页" in first
    assert 'rel="next"' in first
    assert "CESI2026EV/IMG10021R00" in second
    assert 'rel="prev"' in second
