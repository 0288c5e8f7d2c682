"""Public reads, the auditor's and the regulator's, and the registrar's queues, over HTTP."""

from tests.api.conftest import SUSPENSION, Api


def test_verify_by_number_oid_and_as_of(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    by_number = api.client.get("/api/v1/verify", params={"number": f"{no}R00"})
    by_oid = api.client.get("/api/v1/verify", params={"oid": f"1.2.156.1.2. {no}R00"})
    before = api.client.get("/api/v1/verify", params={"number": no, "as_of": "2026-05-20"})

    assert by_number.json() == by_oid.json()
    assert by_number.json()["suspension"]["restore_deadline"] == "2026-11-30"
    assert before.json()["status"] == "valid"


def test_verify_unknown_is_404_and_malformed_is_422(api: Api) -> None:
    unknown = api.client.get("/api/v1/verify", params={"number": "CESI2026EV/IMG19999"})
    malformed = api.client.get("/api/v1/verify", params={"number": "../../etc/passwd"})
    bad_date = api.client.get("/api/v1/verify", params={"number": "x", "as_of": "2026-13-01"})
    neither = api.client.get("/api/v1/verify")

    assert [r.status_code for r in (unknown, malformed, bad_date, neither)] == [404, 422, 422, 422]
    assert malformed.json()["field"] == "number"
    assert bad_date.json()["field"] == "as_of"


def test_directory_lists_valid_certificates_with_status_valid(api: Api) -> None:
    kept = api.issue()
    suspended = api.issue()
    api.command(suspended, "suspensions", SUSPENSION)

    page = api.client.get("/api/v1/directory", params={"q": "定制家居", "status": "valid"}).json()

    assert [c["registration_no"] for c in page["items"]] == [kept]
    assert page["total"] == 1


def test_clause_catalogue_lists_every_clause(api: Api) -> None:
    clauses = api.client.get("/api/v1/clauses").json()

    assert len(clauses) == 104
    assert set(clauses[0]) == {"id", "appendix", "function", "text"}


def test_history_is_for_auditors_and_registrars_with_the_hash_chain(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    forbidden = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("regulator"))
    events = api.client.get(
        f"/api/v1/certificates/{no}/history", headers=api.auth("auditor")
    ).json()

    assert forbidden.status_code == 403
    assert [e["type"] for e in events] == ["Issued", "Suspended"]
    assert events[0]["prev_hash"] is None
    assert events[1]["prev_hash"] == events[0]["hash"]
    assert events[0]["position"] < events[1]["position"]
    assert events[1]["data"]["reason"] == "b"


def test_audit_events_filter_by_actor_type_and_time(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)
    auditor = api.auth("auditor")

    suspended = api.client.get(
        "/api/v1/audit/events", params={"type": "Suspended"}, headers=auditor
    )
    by_actor = api.client.get(
        "/api/v1/audit/events", params={"actor": "registrar-1"}, headers=auditor
    )
    later = api.client.get("/api/v1/audit/events", params={"from": "2026-11-26"}, headers=auditor)

    assert [e["type"] for e in suspended.json()] == ["Suspended"]
    assert {e["type"] for e in by_actor.json()} == {"Issued", "Suspended"}
    assert later.json() == []


def test_regulator_feed_pages_with_next(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)
    regulator = api.auth("regulator")

    first = api.client.get("/api/v1/regulator/feed", params={"limit": 1}, headers=regulator).json()
    second = api.client.get(
        "/api/v1/regulator/feed", params={"after": first["next"], "limit": 1}, headers=regulator
    ).json()
    done = api.client.get(
        "/api/v1/regulator/feed", params={"after": second["next"]}, headers=regulator
    ).json()

    assert [i["type"] for i in first["items"] + second["items"]] == ["Issued", "Suspended"]
    assert second["items"][0]["reason_text"] == "发现获证组织服务持续地或严重地不满足认证要求"
    assert done == {"items": [], "next": second["next"]}


def test_regulator_feed_needs_the_regulator_role(api: Api) -> None:
    assert api.client.get("/api/v1/regulator/feed", headers=api.auth("auditor")).status_code == 403
    assert api.client.get("/api/v1/regulator/feed").status_code == 401


def test_work_queues_for_the_registrar(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)  # restore by 2026-11-30
    due = api.issue(decision_date="2024-01-10")  # valid until 2027-01-09

    suspensions = api.client.get("/api/v1/queues/suspensions", headers=api.auth()).json()
    recertification = api.client.get("/api/v1/queues/recertification", headers=api.auth()).json()
    surveillance = api.client.get(
        "/api/v1/queues/surveillance", params={"within_days": 366}, headers=api.auth()
    ).json()

    assert [c["registration_no"] for c in suspensions] == [no]
    assert [c["registration_no"] for c in recertification] == [due]
    assert {c["registration_no"] for c in surveillance} == {no, due}


def test_openapi_describes_every_contract_path(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]

    for path in (
        "/api/v1/certificates",
        "/api/v1/certificates/{no}/suspensions",
        "/api/v1/certificates/{no}/history",
        "/api/v1/verify",
        "/api/v1/directory",
        "/api/v1/clauses",
        "/api/v1/regulator/feed",
        "/api/v1/audit/events",
    ):
        assert path in paths, path


def test_unknown_path_is_a_404_problem(api: Api) -> None:
    response = api.client.get("/api/v1/nothing")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
