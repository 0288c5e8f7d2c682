"""The regulator's webhook subscriptions in the console: subscribe, the delivery log,
redelivery, unsubscribing."""

from typing import Any

from registry.webhooks import Webhooks
from tests.api.conftest import Api
from tests.api.test_console_oversight import signed_in_as
from tests.api.test_console_signin import csrf_of
from tests.conftest import Clock
from tests.processes import free_port

PAGE = "/console/webhooks"


def webhooks_of(api: Api) -> Webhooks:
    found: Webhooks = api.client.app.state.webhooks  # type: ignore[attr-defined]
    return found


def post(api: Api, path: str, data: dict[str, Any]) -> Any:
    csrf = csrf_of(api.client.get(PAGE).text)
    return api.client.post(path, data=data | {"csrf": csrf}, follow_redirects=False)


def test_the_regulator_subscribes_and_sees_the_secret_once(api: Api) -> None:
    regulator = signed_in_as(api, "regulator")

    made = post(regulator, PAGE, {"url": "https://cnca.example/hooks", "events": ["report.made"]})
    again = regulator.client.get(PAGE)

    (subscription,) = webhooks_of(regulator).subscriptions()
    assert made.status_code == 201
    assert subscription.url == "https://cnca.example/hooks"
    assert subscription.events == ["report.made"]
    assert 'id="new-secret">whsec_' in made.text
    assert "whsec_" not in again.text


def test_a_subscription_without_events_or_url_is_refused_with_nothing_stored(api: Api) -> None:
    regulator = signed_in_as(api, "regulator")

    refused = post(regulator, PAGE, {"url": "ftp://cnca.example/"})

    assert refused.status_code == 422
    assert 'class="error"' in refused.text
    assert webhooks_of(regulator).subscriptions() == []


def test_the_delivery_log_shows_a_failed_message_which_can_be_redelivered(
    api: Api, clock: Clock
) -> None:
    regulator = signed_in_as(api, "regulator")
    webhooks = webhooks_of(regulator)
    subscription = webhooks.subscribe(f"http://127.0.0.1:{free_port()}/", None)  # nobody there
    regulator.issue()
    webhooks.tick()
    clock.advance(seconds=1)
    (failed,) = webhooks.deliveries(subscription["id"])

    log = regulator.client.get(PAGE)
    redelivered = post(
        regulator, f"{PAGE}/{subscription['id']}/redeliver", {"message_id": failed["message_id"]}
    )

    assert f"<td>{failed['message_id']}</td>" in log.text
    assert "待送 pending" in log.text
    assert redelivered.status_code == 303
    (delivery,) = webhooks.deliveries(subscription["id"])
    assert delivery["next_attempt_at"] == clock.now.isoformat()


def test_unsubscribing_stops_the_subscription(api: Api) -> None:
    regulator = signed_in_as(api, "regulator")
    subscription = webhooks_of(regulator).subscribe("https://cnca.example/hooks", None)

    stopped = post(regulator, f"{PAGE}/{subscription['id']}/unsubscribe", {})

    assert stopped.status_code == 303
    assert webhooks_of(regulator).subscriptions() == []


def test_the_webhooks_page_is_the_regulators(api: Api) -> None:
    auditor = signed_in_as(api, "auditor")

    assert auditor.client.get(PAGE).status_code == 403
