"""Holders' notifications over HTTP: recorded, flagged late, queued (§5.5.5)."""

from tests.api.conftest import Api

LATE = {
    "kind": "c",
    "what": "生产场所迁址",
    "occurred_on": "2026-08-01",
    "effective_date": "2026-09-15",
}


def test_a_late_notification_answers_201_and_shows_late_in_the_history(api: Api) -> None:
    no = api.issue()

    response = api.command(no, "notifications", LATE)

    assert response.status_code == 201, response.text
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    notified = history.json()[-1]
    assert notified["type"] == "HolderNotified"
    assert (notified["data"]["told_by"], notified["effective_date"]) == ("2026-09-01", "2026-09-15")


def test_the_queue_lists_late_notifications_only(api: Api) -> None:
    no = api.issue()
    api.command(no, "notifications", LATE | {"effective_date": "2026-08-20"})  # in time
    api.command(no, "notifications", LATE)

    queue = api.client.get("/api/v1/queues/late-notifications", headers=api.auth())

    assert queue.status_code == 200
    assert [(i["number"], i["told_on"]) for i in queue.json()] == [(2, "2026-09-15")]


def test_a_notification_kind_outside_a_to_d_is_422(api: Api) -> None:
    no = api.issue()

    response = api.command(no, "notifications", LATE | {"kind": "e"})

    assert response.status_code == 422
    assert response.json()["field"] == "kind"


def test_the_queue_needs_the_registrar_role(api: Api) -> None:
    response = api.client.get("/api/v1/queues/late-notifications", headers=api.auth("auditor"))

    assert response.status_code == 403
