"""Credentials: failed attempts logged with where and when; answers for one principal never
cached; redirects that never name the Host header's site; no server banner; tokens bound to
a person."""

import logging

import httpx
import pytest

from registry.errors import InvalidInput
from registry.settings import Settings
from registry.tokens import create_token, list_tokens
from registry.users import Accounts
from tests.api.conftest import Api
from tests.api.test_console_signin import PASSWORD
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


def bound_token(api: Api, role: str = "registrar") -> str:
    """A token named ci-bot acting for alice, a registrar."""
    registry = api.client.app.state.registry  # type: ignore[attr-defined]
    Accounts(registry).create("alice", ["registrar"], actor="cli", password=PASSWORD)
    return create_token(registry, name="ci-bot", role=role, user="alice")


def test_a_bound_tokens_events_record_the_person_acting_through_it(api: Api) -> None:
    api.tokens["registrar"] = bound_token(api)

    no = api.issue()

    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert [e["actor"] for e in history.json()] == ["alice via token ci-bot"]


def test_searching_the_audit_by_a_person_finds_what_they_did_through_bound_tokens(
    api: Api,
) -> None:
    api.tokens["registrar"] = bound_token(api)
    no = api.issue()

    found = api.client.get(
        "/api/v1/audit/events", params={"actor": "alice"}, headers=api.auth("auditor")
    ).json()
    other = api.client.get(
        "/api/v1/audit/events", params={"actor": "ali"}, headers=api.auth("auditor")
    ).json()

    assert [(e["registration_no"], e["actor"]) for e in found if e["registration_no"]] == [
        (no, "alice via token ci-bot")
    ]
    assert other == []


def test_an_unbound_tokens_events_record_the_tokens_name(api: Api) -> None:
    no = api.issue()

    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    assert [e["actor"] for e in history.json()] == ["registrar-1"]


def test_disabling_the_user_makes_their_bound_token_unauthenticated(api: Api) -> None:
    api.tokens["registrar"] = bound_token(api)
    registry = api.client.app.state.registry  # type: ignore[attr-defined]

    Accounts(registry).disable("alice", actor="root")

    queue = api.client.get("/api/v1/queues/surveillance", headers=api.auth())
    assert queue.status_code == 401
    assert queue.headers["content-type"] == "application/problem+json"


def test_a_token_is_not_bound_to_a_person_lacking_its_role(api: Api) -> None:
    registry = api.client.app.state.registry  # type: ignore[attr-defined]
    Accounts(registry).create("alice", ["auditor"], actor="cli", password=PASSWORD)

    with pytest.raises(InvalidInput, match="registrar role"):
        create_token(registry, name="ci-bot", role="registrar", user="alice")

    assert [t.name for t in list_tokens(registry)] == ["registrar-1", "auditor-1", "regulator-1"]


def test_a_token_is_not_bound_to_an_unknown_person(api: Api) -> None:
    registry = api.client.app.state.registry  # type: ignore[attr-defined]

    with pytest.raises(InvalidInput, match="'nobody'"):
        create_token(registry, name="ci-bot", role="registrar", user="nobody")

    assert "ci-bot" not in [t.name for t in list_tokens(registry)]


def test_a_bound_token_stops_when_its_person_loses_the_role(api: Api) -> None:
    api.tokens["registrar"] = bound_token(api)
    registry = api.client.app.state.registry  # type: ignore[attr-defined]

    Accounts(registry).change_roles("alice", ["auditor"], actor="root")

    assert api.client.get("/api/v1/queues/surveillance", headers=api.auth()).status_code == 401
