"""Complaints, appeals and misuse warnings over HTTP (§7, §8, §9)."""

from tests.api.conftest import Api

CASE = {
    "case_id": "TS-1",
    "kind": "appeal",
    "summary": "申诉暂停决定",
    "effective_date": "2026-09-01",
}


def test_an_open_case_is_in_the_queue_and_the_history(api: Api) -> None:
    no = api.issue()

    response = api.command(no, "cases", CASE)

    assert response.status_code == 201, response.text
    queue = api.client.get("/api/v1/queues/cases", headers=api.auth()).json()
    assert [(c["id"], c["kind"], c["acknowledged_on"]) for c in queue] == [("TS-1", "appeal", None)]
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert history.json()[-1]["type"] == "CaseOpened"


def test_a_decided_case_leaves_the_queue(api: Api) -> None:
    no = api.issue()
    api.command(no, "cases", CASE)
    api.command(no, "case-acknowledgements", {"case_id": "TS-1", "effective_date": "2026-09-02"})

    response = api.command(
        no,
        "case-closures",
        {"case_id": "TS-1", "decision": "维持暂停决定", "effective_date": "2026-09-20"},
    )

    assert response.status_code == 201, response.text
    assert api.client.get("/api/v1/queues/cases", headers=api.auth()).json() == []


def test_closing_an_unknown_case_is_409(api: Api) -> None:
    no = api.issue()

    response = api.command(
        no, "case-closures", {"case_id": "TS-9", "decision": "x", "effective_date": "2026-09-20"}
    )

    assert response.status_code == 409
