"""The registrar's commands over HTTP: roles, problems, idempotency, `{no}` forms."""

from typing import Any

import pytest

from registry.application import open_registry
from registry.settings import Settings
from registry.tokens import revoke_tokens
from tests.api.conftest import SUSPENSION, Api, body
from tests.examples import EVALUATIONS, cycle_surveillances, issue_request, surveillance


def test_issue_answers_201_with_the_certificate(api: Api) -> None:
    response = api.client.post(
        "/api/v1/certificates", json=body(issue_request()), headers=api.auth()
    )

    assert response.status_code == 201
    assert response.json()["certificate_no"] == "CESI2026EV/IMG10001R00"
    assert response.json()["status"] == "valid"


def test_issue_without_a_token_is_401_problem(api: Api) -> None:
    response = api.client.post("/api/v1/certificates", json=body(issue_request()))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unauthorized")


def test_issue_with_an_unknown_token_is_401(api: Api) -> None:
    response = api.client.post(
        "/api/v1/certificates",
        json=body(issue_request()),
        headers={"Authorization": "Bearer crt_forged"},
    )

    assert response.status_code == 401


def test_issue_with_the_auditor_role_is_403(api: Api) -> None:
    response = api.client.post(
        "/api/v1/certificates", json=body(issue_request()), headers=api.auth("auditor")
    )

    assert response.status_code == 403
    assert response.json()["type"].endswith("/forbidden")


def test_a_revoked_token_fails_at_once(api: Api, settings: Settings) -> None:
    with open_registry(settings) as registry:
        revoke_tokens(registry, "registrar-1")

    response = api.client.post(
        "/api/v1/certificates", json=body(issue_request()), headers=api.auth()
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"holder": None}, "holder"),
        ({"level": 7}, "level"),
        ({"decision_date": "2026-02-30"}, "decision_date"),
        ({"person_days": -1}, "person_days"),
        ({"surprise": 1}, "surprise"),
        ({"holder": {**issue_request()["holder"], "uscc": "91440300708461136U"}}, "holder.uscc"),
    ],
)
def test_invalid_issue_is_422_naming_the_field_and_stores_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    response = api.client.post(
        "/api/v1/certificates", json=body(issue_request()) | change, headers=api.auth()
    )

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert api.client.get("/api/v1/verify?number=CESI2026EV/IMG10001").status_code == 404


def test_a_422_lists_every_invalid_field(api: Api) -> None:
    bad = body(issue_request()) | {"level": 7, "person_days": -1, "surprise": 1}

    response = api.client.post("/api/v1/certificates", json=bad, headers=api.auth())

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["level", "person_days", "surprise"]
    assert response.json()["field"] == "level"


def test_evaluation_below_the_level_is_422_citing_the_rule(api: Api) -> None:
    weak = EVALUATIONS[3] | {"not_met": 3, "partially_met": 17}

    response = api.client.post(
        "/api/v1/certificates", json=body(issue_request(evaluation=weak)), headers=api.auth()
    )

    assert response.status_code == 422
    assert response.json()["type"].endswith("/rule-violation")
    assert response.json()["section"] == "§5.3.5 Table 1"


def test_malformed_json_is_a_422_problem(api: Api) -> None:
    response = api.client.post(
        "/api/v1/certificates",
        content=b"{not json",
        headers=api.auth() | {"content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_oversized_body_is_413(api: Api) -> None:
    response = api.client.post(
        "/api/v1/certificates",
        content=b"{" + b" " * 300_000 + b"}",
        headers=api.auth() | {"content-type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_suspension_with_a_literal_slash_and_with_percent_2f(api: Api) -> None:
    no = api.issue()

    first = api.command(no, "suspensions", SUSPENSION)
    second = api.command(no.replace("/", "%2F"), "suspensions", SUSPENSION)

    assert first.status_code == 201
    assert first.json()["status"] == "suspended"
    assert second.status_code == 409
    assert second.json()["type"].endswith("/lifecycle-conflict")


def test_command_on_an_old_printed_number_reaches_the_registration(api: Api) -> None:
    no = api.issue()

    response = api.command(f"{no}R00", "suspensions", SUSPENSION)

    assert response.status_code == 201


def test_command_on_an_unknown_certificate_is_404(api: Api) -> None:
    response = api.command("CESI2026EV/IMG19999", "suspensions", SUSPENSION)

    assert response.status_code == 404


def test_restoring_a_valid_certificate_is_409(api: Api) -> None:
    no = api.issue()

    response = api.command(
        no, "restorations", {"effective_date": "2026-06-01", "verification_ref": "VR"}
    )

    assert response.status_code == 409
    assert "cannot restore" in response.json()["detail"]


def test_retry_with_the_same_idempotency_key_answers_the_same_and_records_once(api: Api) -> None:
    no = api.issue()

    first = api.command(no, "suspensions", SUSPENSION, **{"Idempotency-Key": "s-1"})
    again = api.command(no, "suspensions", SUSPENSION, **{"Idempotency-Key": "s-1"})
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert [e["type"] for e in history.json()] == ["Issued", "Suspended"]


def test_same_idempotency_key_for_another_request_is_422(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION, **{"Idempotency-Key": "s-1"})

    other = api.command(
        no, "suspensions", SUSPENSION | {"reason": "c"}, **{"Idempotency-Key": "s-1"}
    )

    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")


COMMANDS: list[tuple[str, dict[str, Any], str]] = [
    (
        "surveillances",
        body(surveillance()),
        "valid",
    ),
    (
        "scope-narrowings",
        {
            "reason": "b",
            "remove_sites": ["广东省东莞市松山湖 8 号"],
            "approval_ref": "技委-9",
            "effective_date": "2026-07-01",
        },
        "valid",
    ),
    (
        "scope-extensions",
        {
            "add_sites": [{"address": "江苏省苏州市工业园区", "activities": ["定制家具生产制造"]}],
            "evaluation_ref": "EXT-1",
            "effective_date": "2026-08-01",
        },
        "valid",
    ),
    (
        "holder-changes",
        {"name": "深圳市新定制家居有限公司", "effective_date": "2026-09-01"},
        "valid",
    ),
    (
        "level-changes",
        {"level": 4, "evaluation": EVALUATIONS[4], "person_days": 5, "decision_date": "2026-09-01"},
        "valid",
    ),
    ("suspensions", SUSPENSION, "suspended"),
    (
        "revocations",
        {"reason": "k", "details": "主动要求", "effective_date": "2026-09-01"},
        "revoked",
    ),
    ("cancellations", {"effective_date": "2026-09-01", "request_ref": "注销申请-1"}, "cancelled"),
]


@pytest.mark.parametrize(("path", "payload", "status"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_each_command_answers_201_with_the_new_state(
    api: Api, path: str, payload: dict[str, Any], status: str
) -> None:
    no = api.issue()

    response = api.command(no, path, payload)

    assert response.status_code == 201, response.text
    assert response.json()["status"] == status


def test_restoration_answers_valid(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    response = api.command(
        no, "restorations", {"effective_date": "2026-07-01", "verification_ref": "VR-1"}
    )

    assert (response.status_code, response.json()["status"]) == (201, "valid")


def test_recertification_in_the_window_extends_validity(api: Api) -> None:
    no = api.issue(decision_date="2024-01-10")
    for surveilled in cycle_surveillances():
        api.command(no, "surveillances", body(surveilled))

    response = api.command(
        no,
        "recertifications",
        {"decision_date": "2026-11-01", "person_days": 5, "evaluation": EVALUATIONS[3]},
    )

    assert response.status_code == 201
    assert response.json()["valid_until"] == "2030-01-09"
    assert response.json()["certificate_no"] == f"{no}R01"


def test_every_event_records_the_tokens_name_as_actor(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))

    assert {event["actor"] for event in history.json()} == {"registrar-1"}


def test_a_suspension_answers_the_restore_deadline_it_was_given(api: Api) -> None:
    no = api.issue()

    november = {"effective_date": "2026-11-01", "restore_deadline": "2027-01-31"}

    response = api.command(no, "suspensions", SUSPENSION | november)

    assert response.status_code == 201, response.text
    assert response.json()["suspension"]["restore_deadline"] == "2027-01-31"


def test_a_restore_deadline_beyond_six_months_is_422_citing_the_rule(api: Api) -> None:
    no = api.issue()

    response = api.command(no, "suspensions", SUSPENSION | {"restore_deadline": "2026-12-01"})

    assert response.status_code == 422
    assert (response.json()["section"], response.json()["field"]) == (
        "§6.3.1.3",
        "restore_deadline",
    )


def test_verifying_an_old_revision_of_a_revoked_registration_answers_revoked_and_printed(
    api: Api,
) -> None:
    no = api.issue()
    api.command(
        no, "holder-changes", {"name": "深圳市新名称有限公司", "effective_date": "2026-09-01"}
    )
    api.command(
        no, "revocations", {"reason": "g", "details": "停业", "effective_date": "2026-10-01"}
    )

    answer = api.client.get(f"/api/v1/verify?number={no}R00").json()

    assert (answer["status"], answer["certificate_no"]) == ("revoked", f"{no}R00")
    assert answer["current_certificate_no"] == f"{no}R01"
    assert answer["printed"]["holder"]["name"] == "深圳市定制家居科技有限公司"
    assert answer["printed"]["reissue_date"] is None


def test_verifying_an_old_revision_of_a_valid_registration_answers_superseded(api: Api) -> None:
    no = api.issue()
    api.command(
        no, "holder-changes", {"name": "深圳市新名称有限公司", "effective_date": "2026-09-01"}
    )

    answer = api.client.get(f"/api/v1/verify?number={no}R00").json()

    assert (answer["status"], answer["status_since"]) == ("superseded", "2026-09-01")
    assert answer["printed"]["holder"]["name"] == "深圳市定制家居科技有限公司"


def test_an_issue_decided_before_the_rule_took_effect_is_422(api: Api) -> None:
    response = api.client.post(
        "/api/v1/certificates",
        json=body(issue_request(decision_date="2023-02-06")),
        headers=api.auth(),
    )

    assert response.status_code == 422
    assert response.json()["field"] == "decision_date"
    assert "before CESI-SC-OD13 took effect (2023-02-07)" in response.json()["detail"]


def test_a_late_decision_is_issued_and_listed_in_the_late_steps_queue(api: Api) -> None:
    no = api.issue(application_date="2026-01-05", acceptance_date="2026-01-06")

    queue = api.client.get("/api/v1/queues/late-steps", headers=api.auth()).json()

    assert [(i["registration_no"], i["step"], i["section"]) for i in queue] == [
        (no, "decision", "§5.7")
    ]
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert history.json()[0]["data"]["acceptance_date"] == "2026-01-06"


def test_a_decision_late_after_its_evaluation_papers_is_in_the_late_steps_queue(
    api: Api,
) -> None:
    no = api.issue(decision_date="2025-10-24", papers_received_date="2025-09-19")

    queue = api.client.get("/api/v1/queues/late-steps", headers=api.auth()).json()

    assert [(i["registration_no"], i["step"], i["section"], i["working_days"]) for i in queue] == [
        (no, "review", "§5.4", 21)
    ]
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert history.json()[0]["data"]["papers_received_date"] == "2025-09-19"


def test_a_decision_on_the_twentieth_working_day_after_the_papers_is_not_queued(
    api: Api,
) -> None:
    api.issue(decision_date="2025-10-23", papers_received_date="2025-09-19")

    assert api.client.get("/api/v1/queues/late-steps", headers=api.auth()).json() == []


def test_an_issue_in_time_is_not_in_the_late_steps_queue(api: Api) -> None:
    api.issue(application_date="2026-03-02", acceptance_date="2026-03-09")

    assert api.client.get("/api/v1/queues/late-steps", headers=api.auth()).json() == []
