"""Health, readiness, Prometheus metrics and the access log of a serving app."""

import json
import logging
from collections.abc import Iterator
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from pydantic import SecretStr

from api.app import create_app
from registry.application import open_registry
from registry.health import Check
from registry.settings import Settings
from registry.tokens import create_token
from tests.api.conftest import Api
from tests.conftest import Clock

LOOPBACK = ("127.0.0.1", 50000)


def loopback(api: Api) -> TestClient:
    """A second client of the running app, calling from 127.0.0.1."""
    return TestClient(api.client.app, client=LOOPBACK)


def samples(text: str) -> dict[str, list[Sample]]:
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def test_healthz_answers_while_the_process_runs(api: Api) -> None:
    response = api.client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_is_200_with_the_detail_of_each_check(api: Api) -> None:
    response = api.client.get("/readyz")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert sorted(checks) == ["projections", "read_models", "signing_key", "store"]
    assert all(check["ok"] for check in checks.values())


def test_readyz_is_503_once_a_sampled_read_model_row_differs_from_the_events(api: Api) -> None:
    no = api.issue()
    state = cast(FastAPI, api.client.app).state
    # The test runs the loop's sampling itself: the loop's own thread, beside it, may have
    # sampled the row already (before the edit), and its cursor would then be past it.
    state.maintenance.stop()
    with state.registry.views.transaction() as cursor:  # an attacker's edit of the row
        cursor.execute(
            "UPDATE certificates SET holder_name = %s WHERE registration_no = %s",
            ("某冒名公司", no),
        )

    for _ in range(2):  # one pass round the table's one row, wherever the cursor was
        state.maintenance.sample()
    response = api.client.get("/readyz")

    assert response.status_code == 503
    check = response.json()["checks"]["read_models"]
    assert not check["ok"]
    assert no in check["detail"]


def test_readyz_is_503_naming_the_missing_signing_key(settings: Settings, clock: Clock) -> None:
    with TestClient(create_app(settings, clock=clock)) as client:
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["ready"] is False
    assert response.json()["checks"]["signing_key"]["ok"] is False
    assert "registry keys generate" in response.json()["checks"]["signing_key"]["detail"]


def test_readyz_is_503_while_a_read_model_lags_beyond_the_bound(
    settings: Settings, clock: Clock
) -> None:
    behind = settings.model_copy(update={"projector": "external", "ready_max_lag": 0})
    with TestClient(create_app(behind, clock=clock)) as client:
        with open_registry(behind, clock=clock) as registry:  # no projector runs
            create_token(registry, name="late", role="auditor")

        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["projections"]["ok"] is False


def test_a_readiness_check_added_by_another_concern_counts(api: Api) -> None:
    readiness = api.client.app.state.readiness  # type: ignore[attr-defined]
    readiness.add("read_models", lambda: Check(False, "certificates row differs at 7"))

    response = api.client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["read_models"] == {
        "ok": False,
        "detail": "certificates row differs at 7",
    }


def test_metrics_count_requests_by_route_template_and_status(api: Api) -> None:
    api.issue()
    api.client.get("/api/v1/verify?number=CESI2026EV/IMG10001")
    api.client.get("/api/v1/verify?number=CESI2026EV/IMG19999")
    api.client.get("/api/v1/certificates/CESI2026EV/IMG10001/qr.svg")

    found = samples(loopback(api).get("/metrics").text)

    requests = {
        (s.labels["route"], s.labels["status"]): s.value
        for s in found["registry_http_requests"]
        if s.name == "registry_http_requests_total"
    }
    assert requests[("/api/v1/verify", "200")] == 1
    assert requests[("/api/v1/verify", "404")] == 1
    assert requests[("/api/v1/certificates/{no:path}/qr.svg", "200")] == 1
    assert requests[("/api/v1/certificates", "201")] == 1
    counts = [
        s
        for s in found["registry_http_request_duration_seconds"]
        if s.name.endswith("_count") and s.labels["route"] == "/api/v1/verify"
    ]
    assert [s.value for s in counts] == [2]


def test_metrics_report_the_log_head_the_projector_lag_and_the_checkpoint_age(
    api: Api, clock: Clock
) -> None:
    api.issue()
    api.client.get("/api/v1/audit/checkpoint")
    # The maintenance thread signs a checkpoint after the command too; if its tick reads the
    # clock after the move, the checkpoint is 0 s old. Stopped (its tick over) first.
    cast(FastAPI, api.client.app).state.maintenance.stop()
    clock.advance(seconds=90)

    found = samples(loopback(api).get("/metrics").text)

    assert found["registry_events_appended"][0].value >= 1
    assert {s.labels["projection"]: s.value for s in found["registry_projector_lag_events"]} == {
        "certificates": 0,
        "regulator_feed": 0,
        "audit": 0,
    }
    assert found["registry_checkpoint_age_seconds"][0].value == 90


def test_metrics_are_refused_to_a_remote_client_without_the_token(api: Api) -> None:
    response = api.client.get("/metrics")

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_metrics_are_served_to_a_remote_client_with_the_token(
    settings: Settings, clock: Clock
) -> None:
    with_token = settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    with TestClient(create_app(with_token, clock=clock)) as client:
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})

    assert (wrong.status_code, right.status_code) == (403, 200)
    assert "registry_http_requests_total" in right.text


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The access log does not propagate to the root logger: caplog listens to it directly."""
    logger = logging.getLogger("registry.access")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


def test_the_access_log_writes_one_json_line_a_request(
    settings: Settings, clock: Clock, access_log: pytest.LogCaptureFixture
) -> None:
    logged = settings.model_copy(update={"access_log": True})
    with TestClient(create_app(logged, clock=clock)) as client:
        client.get("/api/v1/verify?number=CESI2026EV/IMG10001")

    lines = [r.getMessage() for r in access_log.records if r.name == "registry.access"]
    (line,) = [json.loads(text) for text in lines]
    assert {k: line[k] for k in ("method", "path", "route", "status", "client")} == {
        "method": "GET",
        "path": "/api/v1/verify",
        "route": "/api/v1/verify",
        "status": 404,
        "client": "testclient",
    }


def test_probes_are_never_rate_limited(settings: Settings, clock: Clock) -> None:
    limited = settings.model_copy(update={"rate_limit": 1})
    with TestClient(create_app(limited, clock=clock)) as client:
        answers = [client.get(path).status_code for path in ("/healthz", "/healthz", "/readyz")]

    assert answers == [200, 200, 503]  # ready but for a signing key: not 429
