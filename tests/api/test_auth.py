"""Credentials: failed attempts logged with where and when; answers for one principal never
cached; redirects that never name the Host header's site; no server banner."""

import logging

import httpx
import pytest

from registry.settings import Settings
from tests.api.conftest import Api
from tests.processes import server

EVENTS = "/api/v1/audit/events"


def test_a_failed_authentication_is_logged_with_address_and_time(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="registry.auth")

    api.client.get(EVENTS, headers={"Authorization": "Bearer crt_not-a-live-token"})

    assert (
        "authentication failed from testclient at 2026-11-25T02:00:00+00:00 "
        "on GET /api/v1/audit/events: unknown or revoked token"
    ) in caplog.text
    assert "crt_not-a-live-token" not in caplog.text


def test_a_wrong_role_is_logged_as_a_failed_authentication(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="registry.auth")

    api.client.get(EVENTS, headers=api.auth("regulator"))

    assert "regulator-1 (regulator) lacks the auditor role" in caplog.text


def test_an_authenticated_answer_is_not_stored_by_caches(api: Api) -> None:
    response = api.client.get(EVENTS, headers=api.auth("auditor"))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_a_refusal_for_a_bad_token_is_not_stored_by_caches(api: Api) -> None:
    response = api.client.get(EVENTS, headers={"Authorization": "Bearer crt_x"})

    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"


def test_a_redirect_never_sends_the_client_to_the_host_header(api: Api) -> None:
    response = api.client.get(
        "/api/v1/clauses/", headers={"Host": "evil.example"}, follow_redirects=False
    )

    assert 300 <= response.status_code < 400
    assert response.headers["location"] == "/api/v1/clauses"


def test_the_server_does_not_name_its_software(settings: Settings) -> None:
    with server(settings) as base:
        response = httpx.get(f"{base}/api/v1/clauses")

    assert "server" not in response.headers
