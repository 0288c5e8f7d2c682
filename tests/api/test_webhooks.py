"""Webhook subscriptions over HTTP: the regulator's to manage; the secret shown once."""

from tests.api.conftest import Api

SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions"


def test_the_regulator_subscribes_and_sees_the_secret_only_once(api: Api) -> None:
    made = api.client.post(
        SUBSCRIPTIONS,
        json={"url": "https://regulator.example/hook", "events": ["certificate.revoked"]},
        headers=api.auth("regulator"),
    )

    listed = api.client.get(SUBSCRIPTIONS, headers=api.auth("regulator")).json()

    assert made.status_code == 201
    assert made.json()["secret"].startswith("whsec_")
    assert listed == [
        {
            "id": made.json()["id"],
            "url": "https://regulator.example/hook",
            "events": ["certificate.revoked"],
            "created_at": made.json()["created_at"],
        }
    ]


def test_subscriptions_are_the_regulators_alone(api: Api) -> None:
    response = api.client.post(
        SUBSCRIPTIONS, json={"url": "https://x.example/"}, headers=api.auth("registrar")
    )

    assert response.status_code == 403


def test_a_bad_url_or_event_is_422_naming_the_field(api: Api) -> None:
    bad_url = api.client.post(
        SUBSCRIPTIONS, json={"url": "ftp://x.example/"}, headers=api.auth("regulator")
    )
    bad_event = api.client.post(
        SUBSCRIPTIONS,
        json={"url": "https://x.example/", "events": ["certificate.burnt"]},
        headers=api.auth("regulator"),
    )

    assert [(r.status_code, r.json()["field"]) for r in (bad_url, bad_event)] == [
        (422, "url"),
        (422, "events"),
    ]


def test_a_removed_subscription_is_no_longer_listed_and_its_log_is_kept(api: Api) -> None:
    regulator = api.auth("regulator")
    made = api.client.post(SUBSCRIPTIONS, json={"url": "https://x.example/"}, headers=regulator)
    path = f"{SUBSCRIPTIONS}/{made.json()['id']}"

    removed = api.client.delete(path, headers=regulator)
    again = api.client.delete(path, headers=regulator)

    assert (removed.status_code, again.status_code) == (204, 404)
    assert api.client.get(SUBSCRIPTIONS, headers=regulator).json() == []
    assert api.client.get(f"{path}/deliveries", headers=regulator).json() == []


def test_redelivering_an_unknown_message_is_404(api: Api) -> None:
    regulator = api.auth("regulator")
    made = api.client.post(SUBSCRIPTIONS, json={"url": "https://x.example/"}, headers=regulator)

    response = api.client.post(
        f"{SUBSCRIPTIONS}/{made.json()['id']}/deliveries/msg_999/redeliver", headers=regulator
    )

    assert response.status_code == 404
