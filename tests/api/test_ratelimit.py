"""Public endpoints are rate limited per client address; tokens' routes are not."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
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
