"""Public endpoints are rate limited per client address; tokens' routes are not."""

import asyncio
from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.ratelimit import AuthFailures, RateLimit
from registry.settings import Settings
from tests.api.conftest import Api
from tests.conftest import Clock


@pytest.fixture
def limited(settings: Settings, clock: Clock, api: Api) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"rate_limit": 3}), clock=clock)) as c:
        yield c


def test_the_fourth_public_request_in_a_minute_gets_429_with_retry_after(
    limited: TestClient,
) -> None:
    answers = [limited.get("/api/v1/clauses") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].headers["content-type"] == "application/problem+json"
    assert int(answers[-1].headers["retry-after"]) >= 1


def test_other_addresses_are_not_held_back(settings: Settings, clock: Clock, api: Api) -> None:
    app = create_app(settings.model_copy(update={"rate_limit": 1}), clock=clock)
    with (
        TestClient(app, client=("10.0.0.1", 1)) as first,
        TestClient(app, client=("10.0.0.2", 1)) as second,
    ):
        assert first.get("/api/v1/clauses").status_code == 200
        assert first.get("/api/v1/clauses").status_code == 429
        assert second.get("/api/v1/clauses").status_code == 200


def test_authenticated_routes_and_static_assets_are_not_limited(
    limited: TestClient, api: Api
) -> None:
    for _ in range(5):
        assert limited.get("/static/style.css").status_code == 200
        assert limited.get("/api/v1/audit/events", headers=api.auth("auditor")).status_code == 200


def test_zero_turns_limiting_off(api: Api) -> None:
    assert all(api.client.get("/api/v1/clauses").status_code == 200 for _ in range(200))


def test_a_hundred_thousand_addresses_leave_the_bucket_table_at_its_bound() -> None:
    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def nothing() -> Message:
        return {"type": "http.request", "body": b""}

    async def ignore(message: Message) -> None:
        pass

    limit = RateLimit(answer, per_minute=60, max_clients=10_000)

    async def visit() -> None:
        for n in range(100_000):
            client = (str(IPv4Address(0x0A000000 + n)), 1)
            scope = {"type": "http", "method": "GET", "path": "/api/v1/verify", "client": client}
            await limit(scope, nothing, ignore)

    asyncio.run(visit())

    assert len(limit.buckets) == 10_000


def test_ten_bad_tokens_from_one_address_hold_it_back_before_any_token_check(
    settings: Settings, clock: Clock, api: Api
) -> None:
    app = create_app(settings, clock=clock)
    with (
        TestClient(app, client=("10.0.0.1", 1)) as guesser,
        TestClient(app, client=("10.0.0.2", 1)) as other,
    ):
        bad = {"Authorization": "Bearer crt_guessed"}
        refusals = [guesser.get("/api/v1/audit/events", headers=bad) for _ in range(10)]

        held = guesser.get("/api/v1/audit/events", headers=api.auth("auditor"))
        elsewhere = other.get("/api/v1/audit/events", headers=api.auth("auditor"))

    assert {r.status_code for r in refusals} == {401}
    assert held.status_code == 429
    assert held.headers["content-type"] == "application/problem+json"
    assert int(held.headers["retry-after"]) == 300
    assert elsewhere.status_code == 200


def test_an_address_may_try_again_once_the_failure_window_has_passed() -> None:
    now = [0.0]
    failures = AuthFailures(limit=3, window=60, timer=lambda: now[0])
    for at in (0.0, 10.0, 20.0):
        now[0] = at
        failures.failed("10.0.0.1")
    now[0] = 30.0
    held = failures.retry_after("10.0.0.1")

    now[0] = 80.0  # 60 s after the last failure

    assert (held, failures.retry_after("10.0.0.1")) == (50, None)
