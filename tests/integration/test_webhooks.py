"""Webhooks: signed per Standard Webhooks, at least once, retried with back-off; a real
receiver process that is down loses nothing."""

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from registry.application import Registry, open_registry
from registry.regulator_reports import make_monthly
from registry.settings import Settings
from registry.signing import Keys
from registry.webhooks import FIRST_RETRY, Webhooks
from tests.conftest import Clock
from tests.examples import issue_request
from tests.processes import free_port, received, receiver


def issue(registry: Registry) -> str:
    return str(registry.issue(actor="alice", **issue_request())["registration_no"])


def suspend(registry: Registry, no: str) -> None:
    registry.command(
        "suspend",
        no,
        {"reason": "g", "details": "请求", "effective_date": registry.today()},
        actor="alice",
    )


@pytest.fixture
def webhooks(registry: Registry) -> Webhooks:
    return Webhooks(registry)


def test_a_receiver_that_was_down_gets_every_event_once_by_id(
    registry: Registry, webhooks: Webhooks, clock: Clock, tmp_path: Path
) -> None:
    port, inbox = free_port(), tmp_path / "inbox.jsonl"
    subscription = webhooks.subscribe(f"http://127.0.0.1:{port}/hook", None)
    with receiver(port, subscription["secret"], inbox):
        first = issue(registry)
        webhooks.tick()
    suspend(registry, first)  # the receiver is down
    second = issue(registry)
    webhooks.tick()
    down = [d["status"] for d in webhooks.deliveries(subscription["id"])]

    with receiver(port, subscription["secret"], inbox):
        webhooks.tick()  # within the back-off: nothing is sent
        early = len(received(inbox))
        clock.advance(seconds=30)
        webhooks.tick()
        webhooks.tick()

    messages = received(inbox)
    assert down == ["pending", "pending", "delivered"]
    assert early == 1
    assert [(m["type"], m["data"]["registration_no"]) for m in messages] == [
        ("certificate.issued", first),
        ("certificate.suspended", first),
        ("certificate.issued", second),
    ]
    assert len({m["id"] for m in messages}) == 3
    assert {d["status"] for d in webhooks.deliveries(subscription["id"])} == {"delivered"}


def test_two_processes_that_find_the_same_messages_due_send_each_once(
    durable_database_url: str, clock: Clock, tmp_path: Path
) -> None:
    """Two serving processes' dispatchers on one store (two registries, two connections),
    each having read the same messages due before either sends."""
    settings = Settings(database_url=durable_database_url)
    with open_registry(settings, clock=clock) as one, open_registry(settings, clock=clock) as two:
        dispatchers = [Webhooks(one), Webhooks(two)]
        port, inbox = free_port(), tmp_path / "inbox.jsonl"
        subscription = dispatchers[0].subscribe(f"http://127.0.0.1:{port}/", None)
        issued = [issue(one), issue(one)]
        dispatchers[0].tick()  # the receiver is down: both wait for their retry
        clock.advance(seconds=30)
        both_read = threading.Barrier(2, timeout=60)

        def dispatch(webhooks: Webhooks) -> None:
            due = webhooks.due()
            both_read.wait()
            webhooks.send(due)

        with receiver(port, subscription["secret"], inbox), ThreadPoolExecutor(2) as pool:
            list(pool.map(dispatch, dispatchers))

    assert [(m["id"], m["data"]["registration_no"]) for m in received(inbox)] == [
        ("msg_1", issued[0]),
        ("msg_2", issued[1]),
    ]


def test_a_subscription_gets_only_the_events_it_chose(
    registry: Registry, webhooks: Webhooks, tmp_path: Path
) -> None:
    port, inbox = free_port(), tmp_path / "inbox.jsonl"
    subscription = webhooks.subscribe(f"http://127.0.0.1:{port}/", ["certificate.suspended"])
    with receiver(port, subscription["secret"], inbox):
        no = issue(registry)
        suspend(registry, no)

        webhooks.tick()

    assert [m["type"] for m in received(inbox)] == ["certificate.suspended"]


def test_a_message_redelivered_keeps_its_id(
    registry: Registry, webhooks: Webhooks, tmp_path: Path
) -> None:
    port, inbox = free_port(), tmp_path / "inbox.jsonl"
    subscription = webhooks.subscribe(f"http://127.0.0.1:{port}/", None)
    with receiver(port, subscription["secret"], inbox):
        issue(registry)
        webhooks.tick()
        (delivery,) = webhooks.deliveries(subscription["id"])

        webhooks.redeliver(subscription["id"], delivery["message_id"])
        webhooks.tick()

    assert [m["id"] for m in received(inbox)] == [delivery["message_id"]] * 2


def test_the_delivery_log_names_the_failure_and_the_next_attempt(
    registry: Registry, webhooks: Webhooks, clock: Clock
) -> None:
    subscription = webhooks.subscribe(f"http://127.0.0.1:{free_port()}/", None)
    issue(registry)

    webhooks.tick()

    (delivery,) = webhooks.deliveries(subscription["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status"]) == (
        "pending",
        1,
        None,
    )
    assert "refused" in delivery["last_error"].lower()
    assert delivery["next_attempt_at"] == (clock.now + FIRST_RETRY).isoformat()


def test_a_monthly_report_made_reaches_the_receiver(
    registry: Registry, webhooks: Webhooks, keys: Keys, clock: Clock, tmp_path: Path
) -> None:
    port, inbox = free_port(), tmp_path / "inbox.jsonl"
    subscription = webhooks.subscribe(f"http://127.0.0.1:{port}/", ["report.made"])
    issue(registry)
    clock.now = clock.now.replace(month=12, day=1)
    make_monthly(registry, keys, "2026-11", tmp_path / "reports", actor="test")
    registry.catch_up_projections()

    with receiver(port, subscription["secret"], inbox):
        webhooks.tick()

    (message,) = received(inbox)
    assert message["type"] == "report.made"
    assert (message["data"]["month"], message["data"]["items"]) == ("2026-11", 1)
