"""Nonconformities, corrective actions and reason h over HTTP (§5.5.4, §6.3.1.1 h, §6.3.2.1 h)."""

from typing import Any

from tests.api.conftest import Api, body
from tests.examples import surveillance


def finding(ident: str, deadline: str) -> dict[str, Any]:
    return {"id": ident, "clause": "B.8.03", "description": "投诉记录不完整", "deadline": deadline}


def found(api: Api, no: str, *findings: dict[str, Any]) -> Any:
    nonconforming = surveillance(
        outcome="nonconforming", corrective_deadline="2026-12-31", nonconformities=list(findings)
    )
    return api.command(no, "surveillances", body(nonconforming))


def test_a_surveillance_with_nonconformities_answers_201_and_shows_them_in_the_history(
    api: Api,
) -> None:
    no = api.issue()

    response = found(api, no, finding("NC-1", "2026-11-20"))

    assert response.status_code == 201, response.text
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert history.json()[-1]["data"]["nonconformities"] == [finding("NC-1", "2026-11-20")]


def test_the_queue_lists_open_nonconformities_by_deadline_marking_the_overdue(api: Api) -> None:
    no = api.issue()
    found(api, no, finding("NC-2", "2026-12-15"), finding("NC-1", "2026-11-20"))

    queue = api.client.get("/api/v1/queues/nonconformities", headers=api.auth())

    assert queue.status_code == 200
    assert [(i["id"], i["overdue"]) for i in queue.json()] == [("NC-1", True), ("NC-2", False)]
    assert queue.json()[0]["certificate_no"] == f"{no}R00"


def test_a_verified_corrective_action_leaves_the_queue_and_appears_in_the_history(
    api: Api,
) -> None:
    no = api.issue()
    found(api, no, finding("NC-1", "2026-11-20"))

    response = api.command(
        no,
        "corrective-actions",
        {"nonconformity_id": "NC-1", "effective_date": "2026-11-10", "evidence_ref": "CA-1"},
    )

    assert response.status_code == 201, response.text
    assert api.client.get("/api/v1/queues/nonconformities", headers=api.auth()).json() == []
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert history.json()[-1]["type"] == "CorrectiveActionVerified"


def test_closing_an_unknown_nonconformity_is_409(api: Api) -> None:
    no = api.issue()

    response = api.command(
        no,
        "corrective-actions",
        {"nonconformity_id": "NC-9", "effective_date": "2026-11-10", "evidence_ref": "CA-1"},
    )

    assert response.status_code == 409
    assert response.json()["section"] == "§5.5.4"


def test_suspending_for_reason_h_without_an_overdue_nonconformity_is_422(api: Api) -> None:
    no = api.issue()
    found(api, no, finding("NC-1", "2026-12-20"))

    response = api.command(
        no, "suspensions", {"reason": "h", "details": "x", "effective_date": "2026-11-20"}
    )

    assert response.status_code == 422
    assert response.json()["section"] == "§6.3.1.1 h"


def test_suspending_for_reason_h_with_an_overdue_nonconformity_is_201(api: Api) -> None:
    no = api.issue()
    found(api, no, finding("NC-1", "2026-11-10"))

    response = api.command(
        no, "suspensions", {"reason": "h", "details": "x", "effective_date": "2026-11-20"}
    )

    assert response.status_code == 201, response.text


def test_revoking_for_reason_h_records_the_demand_date(api: Api) -> None:
    no = api.issue()
    revocation = {
        "reason": "h",
        "details": "要求纠正超过 2 个月仍未纠正",
        "demand_date": "2026-09-01",
        "effective_date": "2026-11-01",
    }

    response = api.command(no, "revocations", revocation)

    assert response.status_code == 201, response.text
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert history.json()[-1]["data"]["demand_date"] == "2026-09-01"


def test_revoking_for_reason_h_too_early_is_422(api: Api) -> None:
    no = api.issue()
    revocation = {
        "reason": "h",
        "details": "x",
        "demand_date": "2026-09-15",
        "effective_date": "2026-11-01",
    }

    response = api.command(no, "revocations", revocation)

    assert response.status_code == 422
    assert response.json()["section"] == "§6.3.2.1 h"
