"""The §6.3.3 public notice list: JSON, the /notices page and the Atom feed."""

import feedparser

from tests.api.conftest import SUSPENSION, Api

REVOCATION = {"reason": "b", "details": "监督发现严重不符合", "effective_date": "2026-07-01"}
CANCELLATION = {"effective_date": "2026-08-01", "request_ref": "REQ-1"}


def three_notices(api: Api) -> tuple[str, str, str]:
    suspended, revoked, cancelled = api.issue(), api.issue(), api.issue()
    api.issue()  # valid: not a notice
    api.command(suspended, "suspensions", SUSPENSION)
    api.command(revoked, "revocations", REVOCATION)
    api.command(cancelled, "cancellations", CANCELLATION)
    return suspended, revoked, cancelled


def test_notices_list_each_not_in_force_certificate_with_reason_text_newest_first(
    api: Api,
) -> None:
    suspended, revoked, cancelled = three_notices(api)

    page = api.client.get("/api/v1/notices").json()

    assert page["total"] == 3
    assert page["page"] == 1
    assert page["items"] == [
        {
            "registration_no": cancelled,
            "certificate_no": f"{cancelled}R00",
            "holder_name": "深圳市定制家居科技有限公司",
            "status": "cancelled",
            "since": "2026-08-01",
            "reason": None,
            "reason_text": "获证组织申请注销认证证书",
            "restore_deadline": None,
        },
        {
            "registration_no": revoked,
            "certificate_no": f"{revoked}R00",
            "holder_name": "深圳市定制家居科技有限公司",
            "status": "revoked",
            "since": "2026-07-01",
            "reason": "b",
            "reason_text": "被国家质量监督检验检疫总局列入质量信用严重失信企业名单",
            "restore_deadline": None,
        },
        {
            "registration_no": suspended,
            "certificate_no": f"{suspended}R00",
            "holder_name": "深圳市定制家居科技有限公司",
            "status": "suspended",
            "since": "2026-06-01",
            "reason": "b",
            "reason_text": "发现获证组织服务持续地或严重地不满足认证要求",
            "restore_deadline": "2026-11-30",
        },
    ]


def test_notices_filter_by_status_and_dates(api: Api) -> None:
    suspended, revoked, cancelled = three_notices(api)

    def listed(**params: str) -> list[str]:
        page = api.client.get("/api/v1/notices", params=params).json()
        return [item["registration_no"] for item in page["items"]]

    assert listed(status="revoked") == [revoked]
    assert listed(**{"from": "2026-06-15", "to": "2026-07-31"}) == [revoked]
    assert listed(**{"from": "2026-07-01"}) == [cancelled, revoked]
    assert listed(to="2026-06-01") == [suspended]


def test_a_lapsed_suspension_is_noticed_as_an_automatic_revocation(api: Api) -> None:
    lapsed = api.issue(decision_date="2025-01-10")
    api.command(lapsed, "suspensions", SUSPENSION | {"effective_date": "2025-03-01"})

    items = api.client.get("/api/v1/notices").json()["items"]

    assert [(i["status"], i["since"], i["reason"]) for i in items] == [
        ("revoked", "2025-09-01", "d")
    ]


def test_notices_are_paged(api: Api) -> None:
    for _ in range(3):
        api.command(api.issue(), "suspensions", SUSPENSION)

    second = api.client.get("/api/v1/notices", params={"page": 2, "page_size": 2}).json()

    assert (len(second["items"]), second["total"], second["page"]) == (1, 3, 2)


def test_a_bad_notice_filter_is_a_422_problem(api: Api) -> None:
    wrong_status = api.client.get("/api/v1/notices", params={"status": "valid"})
    wrong_day = api.client.get("/api/v1/notices", params={"from": "2026-13-01"})

    assert [wrong_status.status_code, wrong_day.status_code] == [422, 422]
    assert wrong_day.headers["content-type"] == "application/problem+json"


def test_the_notices_page_shows_dates_reason_texts_and_restore_deadlines(api: Api) -> None:
    three_notices(api)

    page = api.client.get("/notices")

    assert page.status_code == 200
    assert "发现获证组织服务持续地或严重地不满足认证要求" in page.text
    assert "2026-11-30" in page.text
    assert "原因 b" not in page.text


def test_the_atom_feed_is_read_by_a_feed_reader(api: Api) -> None:
    suspended, revoked, cancelled = three_notices(api)

    response = api.client.get("/notices.atom")
    feed = feedparser.parse(response.content)

    assert response.headers["content-type"].startswith("application/atom+xml")
    assert feed.bozo is False, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.link for e in feed.entries] == [
        f"https://registry.example/verify?number={no.replace('/', '%2F')}R00"
        for no in (cancelled, revoked, suspended)
    ]
    assert feed.entries[2].title == f"暂停：深圳市定制家居科技有限公司（{suspended}R00）"
    assert "2026-11-30" in feed.entries[2].summary
    assert feed.feed.updated == "2026-08-01T00:00:00+08:00"


def test_the_english_notices_page_renders_reasons_in_english(api: Api) -> None:
    three_notices(api)

    page = api.client.get("/notices", params={"lang": "en"}).text

    assert "fail the certification requirements persistently or seriously" in page
    assert "The holder applied to cancel the certificate" in page
    assert "发现获证组织服务" not in page
