"""Hostile input against the HTTP API: every one is refused with a 4xx problem and changes
nothing in the event store; hostile text that is stored is escaped on every page."""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from starlette.types import Message, Scope

from registry.application import Registry, open_registry
from registry.settings import Settings
from registry.tokens import revoke_tokens
from tests.api.conftest import SUSPENSION, Api, body
from tests.examples import CLAUSE_IDS, FIRST_HALF, HOLDER, issue_request, surveillance
from tests.scanning import scan

SURVEILLANCE: dict[str, Any] = body(surveillance())
ISSUE: dict[str, Any] = body(issue_request())
UNSET: Any = object()  # no JSON body at all

# ---------------------------------------------------------------------------- helpers


def registry_of(api: Api) -> Registry:
    registry: Registry = cast(FastAPI, api.client.app).state.registry
    return registry


def head(api: Api) -> int:
    """The event store's head: the position of the last stored event of any aggregate."""
    return registry_of(api).recorder.max_notification_id() or 0


def audit_length(api: Api) -> int:
    events = api.client.get(
        "/api/v1/audit/events", params={"limit": 1000}, headers=api.auth("auditor")
    )
    assert events.status_code == 200, events.text
    return len(events.json())


def issue(**overrides: Any) -> dict[str, Any]:
    return ISSUE | overrides


def nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + closer * depth).encode()


def nested_objects(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


def as_json(payload: Any, **replacements: str) -> bytes:
    """A JSON text with raw tokens (NaN, huge literals) spliced in where Python cannot."""
    text = json.dumps(payload, ensure_ascii=False)
    for placeholder, raw in replacements.items():
        text = text.replace(json.dumps(placeholder), raw)
    return text.encode()


def raw_asgi(
    app: FastAPI, method: str, raw_path: bytes, query: bytes, headers: dict[str, str], body: bytes
) -> Response:
    """A request that reaches the app byte for byte: HTTP clients normalise `..` in paths and
    refuse queries over 64 KiB."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
        "state": {},
    }

    async def call() -> None:
        await app(scope, receive, send)

    anyio.run(call)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Response(
        start["status"],
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]],
        content=content,
    )


# ----------------------------------------------------------------------------- the table


Setup = Callable[[Api, Settings, str], None]


@dataclass(frozen=True)
class Hostile:
    """One hostile request. `{no}` in the path becomes a live registration number."""

    method: str
    path: str
    status: int
    role: str | None = "registrar"  # None: no Authorization header
    json: Any = UNSET
    content: bytes | None = None
    chunked: bool = False  # send `content` without a Content-Length
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None
    setup: Setup | None = None
    raw: bool = False  # straight to the ASGI app, bypassing the HTTP client's checks


def _revoke_registrar(api: Api, settings: Settings, no: str) -> None:
    with open_registry(settings) as registry:
        revoke_tokens(registry, "registrar-1")


def _suspend_with_key(api: Api, settings: Settings, no: str) -> None:
    first = api.command(no, "suspensions", SUSPENSION, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text


def _issue_with_key(api: Api, settings: Settings, no: str) -> None:
    first = api.client.post(
        "/api/v1/certificates",
        json=issue(decision_date="2026-05-12"),
        headers=api.auth() | {"Idempotency-Key": "i-1"},
    )
    assert first.status_code == 201, first.text


JSON = {"content-type": "application/json"}
CERTS = "/api/v1/certificates"
CMD = "/api/v1/certificates/{no}"
BIG = 300 * 1024
SQL = "' OR '1'='1'; DROP TABLE stored_events; --"

HOSTILE = [
    # ------------------------------------------------------------------ oversized bodies
    pytest.param(
        Hostile("POST", CERTS, 413, content=b'{"a":"' + b"x" * BIG + b'"}', headers=JSON),
        id="body-300KiB-with-content-length",
    ),
    pytest.param(
        Hostile("POST", CERTS, 413, content=b"[" + b"1," * BIG + b"1]", chunked=True, headers=JSON),
        id="body-600KiB-chunked-without-content-length",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/suspensions",
            413,
            json=SUSPENSION | {"details": "暂" * BIG},
        ),
        id="command-body-900KiB-of-chinese-details",
    ),
    pytest.param(
        Hostile("POST", CERTS, 413, content=b"{}", headers=JSON | {"content-length": "1e9"}),
        id="content-length-not-a-number",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(holder=HOLDER | {"name": "名" * 301})),
        id="holder-name-301-characters",
    ),
    # ------------------------------------------------------------------ deep nesting
    pytest.param(
        Hostile("POST", CERTS, 400, content=nested(10_000), headers=JSON),
        id="json-arrays-nested-10000-deep",
    ),
    pytest.param(
        Hostile("POST", CERTS, 400, content=nested_objects(10_000), headers=JSON),
        id="json-objects-nested-10000-deep",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/surveillances",
            400,
            content=b'{"clauses": ' + nested(10_000) + b"}",
            headers=JSON,
        ),
        id="clauses-nested-10000-deep",
    ),
    # ------------------------------------------------------------------ encodings, NUL
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            400,
            content=as_json(issue(holder=HOLDER | {"name": "BAD"})).replace(
                b"BAD", b"\xff\xfe\xc0"
            ),
            headers=JSON,
        ),
        id="invalid-utf8-in-holder-name",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/suspensions",
            422,
            content=b'{"reason": "b", "details": "\xed\xa0\x80", "effective_date": "2026-06-01"}',
            headers=JSON,
        ),
        id="utf8-encoded-surrogate-in-details",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/verify", 422, role=None, params={"number": "\ufffd\ufffe"}),
        id="verify-number-replacement-chars",
    ),
    pytest.param(
        Hostile("POST", "/api/v1/certificates/%FF%FE%C0/suspensions", 422, json=SUSPENSION),
        id="invalid-utf8-percent-bytes-in-no",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(holder=HOLDER | {"name": "深圳\x00定制有限公司"})),
        id="nul-in-holder-name",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(holder=HOLDER | {"name": "深圳\x1b[2J有限公司"})),
        id="terminal-escape-in-holder-name",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(holder=HOLDER | {"name": " \u3000 "})),
        id="blank-holder-name",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(holder=HOLDER | {"name": "\u202e司公限有技科"})),
        id="bidi-override-in-holder-name",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/holder-changes",
            422,
            json={"name": "新\x00名", "effective_date": "2026-09-01"},
        ),
        id="nul-in-holder-change-name",
    ),
    pytest.param(
        Hostile(
            "GET", "/api/v1/verify", 422, role=None, params={"number": "CESI2026EV/IMG10001\x00"}
        ),
        id="nul-in-verify-number",
    ),
    pytest.param(
        Hostile(
            "POST",
            "/api/v1/certificates/CESI2026EV%2FIMG1%000001/suspensions",
            422,
            json=SUSPENSION,
        ),
        id="nul-in-path-no",
    ),
    # ------------------------------------------------------------------ SQL injection
    pytest.param(
        Hostile("GET", "/api/v1/verify", 422, role=None, params={"number": SQL}),
        id="sql-in-verify-number",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/verify", 422, role=None, params={"oid": "1.2.156.1.2.' OR 1=1--"}),
        id="sql-in-verify-oid",
    ),
    pytest.param(
        Hostile("POST", "/api/v1/certificates/x' OR '1'='1/suspensions", 422, json=SUSPENSION),
        id="sql-in-path-no",
    ),
    pytest.param(
        Hostile("GET", f"{CERTS}/1;DROP TABLE stored_events/history", 422, role="auditor"),
        id="sql-in-history-no",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(holder=HOLDER | {"uscc": "' OR 1=1 --xxxxxxx"})),
        id="sql-in-uscc",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/directory", 422, role=None, params={"q": SQL * 3}),
        id="sql-in-directory-q-over-100-chars",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/directory", 422, role=None, params={"level": "1 OR 1=1"}),
        id="sql-in-directory-level",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/audit/events", 422, role="auditor", params={"after": "0 OR 1=1"}),
        id="sql-in-audit-after",
    ),
    # ------------------------------------------------------------------ HTML injection
    pytest.param(
        Hostile(
            "GET", "/api/v1/verify", 422, role=None, params={"number": "<script>alert(1)</script>"}
        ),
        id="script-in-verify-number",
    ),
    pytest.param(
        Hostile("GET", "/verify", 422, role=None, params={"lang": "<script>alert(1)</script>"}),
        id="script-in-page-lang",
    ),
    # ------------------------------------------------------------------ path traversal
    pytest.param(
        Hostile("POST", "/api/v1/certificates/../../etc/passwd/suspensions", 422, raw=True),
        id="literal-dot-dot-in-no",
    ),
    pytest.param(
        Hostile(
            "POST",
            "/api/v1/certificates/%2e%2e/%2e%2e/etc/passwd/suspensions",
            422,
            json=SUSPENSION,
        ),
        id="percent-2e2e-in-no",
    ),
    pytest.param(
        Hostile("GET", f"{CERTS}/..%2F..%2F..%2Fpyproject.toml/history", 422, role="auditor"),
        id="dot-dot-percent-2f-in-history-no",
    ),
    pytest.param(
        Hostile("GET", "/static/../../registry/settings.py", 404, role=None, raw=True),
        id="literal-dot-dot-under-static",
    ),
    pytest.param(
        Hostile("GET", "/static/%2e%2e/%2e%2e/pyproject.toml", 404, role=None),
        id="percent-2e2e-under-static",
    ),
    pytest.param(
        Hostile("GET", f"{CERTS}/..%2F..%2Fkeys/qr.png", 422, role=None),
        id="dot-dot-in-qr-no",
    ),
    # ------------------------------------------------------------------ absurd dates
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(decision_date="0000-01-01")),
        id="decision-date-year-0",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(decision_date="0001-01-01")),
        id="decision-date-0001-01-01",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(decision_date="9999-12-31")),
        id="decision-date-9999-12-31",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(decision_date=0)),
        id="decision-date-a-number",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/audit/events", 422, role="auditor", params={"to": "0.5"}),
        id="audit-to-a-number",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(decision_date="2026-02-30")),
        id="decision-date-2026-02-30",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(decision_date="2027-01-01")),
        id="decision-date-in-the-future",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(issue_date="9999-12-31")),
        id="issue-date-9999-12-31",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(decision_date="+12026-05-11")),
        id="decision-date-five-digit-year",
    ),
    pytest.param(
        Hostile(
            "POST", f"{CMD}/suspensions", 422, json=SUSPENSION | {"effective_date": "2027-01-01"}
        ),
        id="suspension-effective-in-the-future",
    ),
    pytest.param(
        Hostile(
            "POST", f"{CMD}/suspensions", 422, json=SUSPENSION | {"effective_date": "9999-12-31"}
        ),
        id="suspension-effective-9999-12-31",
    ),
    pytest.param(
        Hostile(
            "POST", f"{CMD}/suspensions", 422, json=SUSPENSION | {"effective_date": "0001-01-01"}
        ),
        id="suspension-effective-year-1",
    ),
    pytest.param(
        Hostile(
            "GET",
            "/api/v1/verify",
            422,
            role=None,
            params={"number": "CESI2026EV/IMG10001", "as_of": "2026-13-45"},
        ),
        id="verify-as-of-month-13",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/audit/events", 422, role="auditor", params={"from": "99999-01-01"}),
        id="audit-from-five-digit-year",
    ),
    # ------------------------------------------------------------------ person-days
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(person_days=-5)), id="person-days-negative"
    ),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            422,
            content=as_json(issue(person_days="@"), **{"@": "NaN"}),
            headers=JSON,
        ),
        id="person-days-NaN",
    ),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            422,
            content=as_json(issue(person_days="@"), **{"@": "-Infinity"}),
            headers=JSON,
        ),
        id="person-days-minus-infinity",
    ),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            422,
            content=as_json(issue(person_days="@"), **{"@": "1e400"}),
            headers=JSON,
        ),
        id="person-days-1e400",
    ),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            400,
            content=as_json(issue(person_days="@"), **{"@": "9" * 5000}),
            headers=JSON,
        ),
        id="person-days-5000-digit-integer",
    ),
    pytest.param(
        Hostile("POST", f"{CMD}/surveillances", 422, json=SURVEILLANCE | {"person_days": 1e308}),
        id="surveillance-person-days-1e308",
    ),
    # ------------------------------------------------------------------ wrong types
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(person_days="five")), id="person-days-a-word"
    ),
    pytest.param(Hostile("POST", CERTS, 422, json=issue(level="three")), id="level-a-word"),
    pytest.param(Hostile("POST", CERTS, 422, json=issue(level=3.5)), id="level-3.5"),
    pytest.param(Hostile("POST", CERTS, 422, json=issue(holder=[HOLDER])), id="holder-an-array"),
    pytest.param(Hostile("POST", CERTS, 422, json=issue(scope="全部")), id="scope-a-string"),
    pytest.param(Hostile("POST", CERTS, 422, json=[ISSUE]), id="body-an-array"),
    pytest.param(Hostile("POST", CERTS, 422, json="issue"), id="body-a-string"),
    pytest.param(Hostile("POST", CERTS, 422, json=None), id="body-null"),
    pytest.param(
        Hostile("POST", f"{CMD}/surveillances", 422, json=SURVEILLANCE | {"clauses": {"A.1": 1}}),
        id="clauses-an-object",
    ),
    # ------------------------------------------------------------------ clause lists
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/surveillances",
            422,
            json=SURVEILLANCE | {"clauses": (CLAUSE_IDS * 100)[:10_000]},
        ),
        id="10000-clause-ids",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/surveillances",
            422,
            json=SURVEILLANCE | {"clauses": [f"Z.{i}" for i in range(60)]},
        ),
        id="60-unknown-clause-ids",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/surveillances",
            422,
            json=SURVEILLANCE | {"clauses": [FIRST_HALF[0]] * 60},
        ),
        id="one-clause-id-repeated-60-times",
    ),
    # ------------------------------------------------------------------ unknown fields
    pytest.param(
        Hostile("POST", f"{CMD}/suspensions", 422, json=SUSPENSION | {"actor": "root"}),
        id="forged-actor-field",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(holder=HOLDER | {"__proto__": {"admin": True}})),
        id="proto-field-in-holder",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=issue(registration_no="CESI2026EV/IMG19999")),
        id="chosen-registration-no",
    ),
    # ------------------------------------------------------------------ bodies and types
    pytest.param(Hostile("POST", CERTS, 422, content=b"", headers=JSON), id="empty-body-json"),
    pytest.param(Hostile("POST", f"{CMD}/suspensions", 422), id="no-body-at-all"),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            422,
            content=json.dumps(ISSUE).encode(),
            headers={"content-type": "text/plain"},
        ),
        id="json-sent-as-text-plain",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/suspensions",
            422,
            content=b"reason=b&details=x&effective_date=2026-06-01",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        id="form-urlencoded-body",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/suspensions",
            422,
            content=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<suspension>&e;</suspension>",
            headers={"content-type": "application/xml"},
        ),
        id="xml-with-external-entity",
    ),
    # ------------------------------------------------------------------ reason codes
    pytest.param(
        Hostile("POST", f"{CMD}/suspensions", 422, json=SUSPENSION | {"reason": "z"}),
        id="suspension-reason-z",
    ),
    pytest.param(
        Hostile("POST", f"{CMD}/suspensions", 422, json=SUSPENSION | {"reason": "b\n"}),
        id="suspension-reason-with-newline",
    ),
    pytest.param(
        Hostile("POST", f"{CMD}/suspensions", 422, json=SUSPENSION | {"reason": "B"}),
        id="suspension-reason-uppercase",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/revocations",
            422,
            json={"reason": "l", "details": "x", "effective_date": "2026-09-01"},
        ),
        id="revocation-reason-l",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/revocations",
            409,
            json={"reason": "d", "details": "x", "effective_date": "2026-09-01"},
        ),
        id="revocation-reason-d-while-valid",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/scope-narrowings",
            422,
            json={"reason": "c", "approval_ref": "x", "effective_date": "2026-07-01"},
        ),
        id="scope-narrowing-reason-c",
    ),
    # ------------------------------------------------------------------ tokens and roles
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            401,
            role=None,
            json=ISSUE,
            headers={"Authorization": "Bearer crt_" + "A" * 43},
        ),
        id="forged-token",
    ),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            401,
            role=None,
            json=ISSUE,
            headers={"Authorization": "Basic YWRtaW46YWRtaW4="},
        ),
        id="basic-auth-instead-of-bearer",
    ),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            401,
            role=None,
            json=ISSUE,
            headers={"Authorization": "Bearer " + "crt_" * 5000},
        ),
        id="token-20-kilobytes",
    ),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            401,
            role=None,
            json=ISSUE,
            headers={"Authorization": "Bearer crt_' OR '1'='1"},
        ),
        id="sql-in-token",
    ),
    pytest.param(Hostile("POST", CERTS, 403, role="auditor", json=ISSUE), id="auditor-issues"),
    pytest.param(
        Hostile("POST", f"{CMD}/revocations", 403, role="regulator", json=SUSPENSION),
        id="regulator-revokes",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/audit/events", 403, role="registrar"), id="registrar-reads-audit"
    ),
    pytest.param(
        Hostile("GET", f"{CMD}/history", 403, role="regulator"), id="regulator-reads-history"
    ),
    pytest.param(Hostile("GET", "/api/v1/regulator/feed", 401, role=None), id="feed-without-token"),
    pytest.param(
        Hostile("POST", CERTS, 401, json=ISSUE, setup=_revoke_registrar), id="revoked-token"
    ),
    # ------------------------------------------------------------------ idempotency keys
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/suspensions",
            422,
            json=SUSPENSION | {"details": "另一理由"},
            headers={"Idempotency-Key": "k-1"},
            setup=_suspend_with_key,
        ),
        id="idempotency-key-replayed-with-another-body",
    ),
    pytest.param(
        Hostile(
            "POST",
            f"{CMD}/revocations",
            422,
            json={"reason": "b", "details": "x", "effective_date": "2026-06-01"},
            headers={"Idempotency-Key": "k-1"},
            setup=_suspend_with_key,
        ),
        id="idempotency-key-replayed-on-another-command",
    ),
    pytest.param(
        Hostile(
            "POST",
            CERTS,
            422,
            json=issue(decision_date="2026-05-13"),
            headers={"Idempotency-Key": "i-1"},
            setup=_issue_with_key,
        ),
        id="idempotency-key-replayed-on-another-issue",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=ISSUE, headers={"Idempotency-Key": "k" * 201}),
        id="idempotency-key-201-chars",
    ),
    pytest.param(
        Hostile("POST", CERTS, 422, json=ISSUE, headers={"Idempotency-Key": "k" * 100_000}),
        id="idempotency-key-100000-chars",
    ),
    # ------------------------------------------------------------------ methods and paths
    pytest.param(Hostile("DELETE", CMD, 404), id="delete-a-certificate"),
    pytest.param(Hostile("DELETE", CERTS, 405), id="delete-all-certificates"),
    pytest.param(Hostile("PUT", f"{CMD}/suspensions", 405, json=SUSPENSION), id="put-a-suspension"),
    pytest.param(Hostile("PATCH", CERTS, 405, json={"level": 5}), id="patch-certificates"),
    pytest.param(Hostile("DELETE", "/api/v1/audit/events", 405, role="auditor"), id="delete-audit"),
    pytest.param(Hostile("POST", "/api/v1/verify", 405, role=None), id="post-verify"),
    pytest.param(Hostile("GET", "/api/v2/certificates", 404), id="unknown-api-version"),
    pytest.param(
        Hostile("POST", f"{CMD}/approvals", 404, json={}), id="unknown-command-on-a-certificate"
    ),
    pytest.param(Hostile("GET", "/.env", 404, role=None), id="dotenv-probe"),
    pytest.param(Hostile("GET", "/admin", 404, role=None), id="admin-probe"),
    # ------------------------------------------------------------------ huge query strings
    pytest.param(
        Hostile("GET", "/api/v1/directory", 422, role=None, params={"q": "定" * 100_000}, raw=True),
        id="directory-q-100000-chars",
    ),
    pytest.param(
        Hostile(
            "GET", "/api/v1/verify", 422, role=None, params={"number": "C" * 100_000}, raw=True
        ),
        id="verify-number-100000-chars",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/directory", 422, role=None, params={"page": "9" * 100}),
        id="directory-page-100-digits",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/directory", 422, role=None, params={"page_size": "1000000"}),
        id="directory-page-size-a-million",
    ),
    pytest.param(
        Hostile(
            "GET", "/api/v1/audit/events", 422, role="auditor", params={"limit": "1" + "0" * 30}
        ),
        id="audit-limit-1e30",
    ),
    pytest.param(
        Hostile("GET", "/api/v1/regulator/feed", 422, role="regulator", params={"after": "-1"}),
        id="feed-after-negative",
    ),
    pytest.param(
        Hostile(
            "GET",
            "/api/v1/queues/surveillance",
            422,
            params={"within_days": "99999999999999999999"},
        ),
        id="queue-within-days-huge",
    ),
    pytest.param(
        Hostile("POST", "/api/v1/qr/verify", 422, role=None, json={"token": "a." * 5000}),
        id="qr-token-10000-chars",
    ),
    pytest.param(
        Hostile("GET", "/verify", 422, role=None, params={"q": "<svg onload=alert(1)>" * 10}),
        id="page-search-over-100-chars",
    ),
    # ------------------------------------------------------------------ strict types
    pytest.param(Hostile("POST", CERTS, 422, json=issue(level=True)), id="level-true"),
    pytest.param(Hostile("POST", CERTS, 422, json=issue(level="3")), id="level-string"),
    pytest.param(Hostile("POST", CERTS, 422, json=issue(person_days="5")), id="days-string"),
    pytest.param(
        Hostile(
            "POST", f"{CMD}/level-changes", 422, json={"level": True, "decision_date": "2026-06-01"}
        ),
        id="level-change-to-true",
    ),
    pytest.param(
        Hostile(
            "POST", f"{CMD}/surveillances", 422, json=SURVEILLANCE | {"management_audit": "true"}
        ),
        id="management-audit-string",
    ),
    pytest.param(
        Hostile("POST", f"{CMD}/surveillances", 422, json=SURVEILLANCE | {"management_audit": 1}),
        id="management-audit-one",
    ),
    # ------------------------------------------------------------------ invisible names
    *[
        pytest.param(
            Hostile("POST", CERTS, 422, json=issue(holder=HOLDER | {"name": name})), id=case
        )
        for case, name in {
            "name-with-line-separator": "深圳市\u2028华创有限公司",
            "name-hangul-filler": "\u3164",
            "name-braille-blank": "\u2800\u2800\u2800",
            "name-stacked-marks": "华创" + "\u0301" * 12 + "有限公司",
        }.items()
    ],
    # ------------------------------------------------------------------ bounded integers
    *[
        pytest.param(Hostile("GET", "/api/v1/audit/proof", 422, role=None, params=params), id=case)
        for case, params in {
            "proof-position-huge": {"position": "14461045698923592352268288"},
            "proof-size-huge": {"position": "1", "size": "14461045698923592352268288"},
            "proof-from-size-huge": {"from_size": "1", "to_size": str(2**64)},
        }.items()
    ],
]


def send(api: Api, case: Hostile, no: str) -> Response:
    path = case.path.replace("{no}", no)
    headers = (api.auth(case.role) if case.role else {}) | case.headers
    app = cast(FastAPI, api.client.app)
    if case.raw:
        query = urlencode(case.params or {}).encode()
        return raw_asgi(app, case.method, path.encode(), query, headers, case.content or b"")
    content: bytes | Iterator[bytes] | None = case.content
    if case.json is not UNSET:  # `null` too, which httpx's json= would not send
        content = json.dumps(case.json, ensure_ascii=False).encode()
        headers = {"content-type": "application/json"} | headers
    if case.chunked and case.content is not None:
        data = case.content
        content = iter([data[i : i + 65536] for i in range(0, len(data), 65536)])
    # A server error is answered (as a problem) instead of raised into the test.
    client = TestClient(app, raise_server_exceptions=False)
    response: Response = client.request(
        case.method,
        path,
        params=case.params,
        headers=headers,
        content=content,
    )
    return response


def assert_problem(response: Response, status: int) -> None:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys(), problem
    assert problem["status"] == status
    assert all(isinstance(problem[k], str) for k in ("type", "title", "detail"))
    assert "Traceback" not in response.text


# Most hostile requests are refused before the registry reads any certificate or record
# (by the guards, request validation or authentication), the same on every backend: they run
# on SQLite only. These reach the store (a certificate or an idempotency record is read
# before the refusal) and run on PostgreSQL too.
REACHES_STORE = frozenset(
    {
        "nul-in-holder-change-name",
        "suspension-effective-in-the-future",
        "60-unknown-clause-ids",
        "one-clause-id-repeated-60-times",
        "revocation-reason-d-while-valid",
        "idempotency-key-replayed-with-another-body",
        "idempotency-key-replayed-on-another-command",
        "idempotency-key-replayed-on-another-issue",
    }
)


def _hostile_params() -> list[Any]:
    params = []
    for case in HOSTILE:
        name = str(case.id)
        params.append(pytest.param("sqlite", *case.values, id=f"sqlite-{name}"))
        if name in REACHES_STORE:
            marks = [pytest.mark.postgres]
            params.append(
                pytest.param("postgres", *case.values, marks=marks, id=f"postgres-{name}")
            )
    return params


@pytest.mark.parametrize(
    ("durable_database_url", "case"), _hostile_params(), indirect=["durable_database_url"]
)
def test_hostile_request_gets_a_4xx_problem_and_changes_nothing(
    api: Api, settings: Settings, case: Hostile
) -> None:
    no = api.issue()
    if case.setup is not None:
        case.setup(api, settings, no)
    before, audited = head(api), audit_length(api)

    response = send(api, case, no)

    assert_problem(response, case.status)
    assert head(api) == before
    assert audit_length(api) == audited


def test_the_table_holds_115_hostile_inputs() -> None:
    assert len(HOSTILE) == 128  # the README's count


def test_every_case_said_to_reach_the_store_is_in_the_table() -> None:
    assert {case.id for case in HOSTILE} >= REACHES_STORE


# ------------------------------------------------------------------ stored, then escaped

XSS = {
    "name": "<img src=x onerror=alert(1)>有限公司",
    "name_en": '"><script>alert(1)</script>',
    "uscc": "91440300708461136T",
    "address": "<svg onload=alert(1)>深圳",
}
XSS_SITES = [
    {"address": "<iframe src=javascript:alert(1)>", "activities": ["<b onclick=x>定制</b>"]}
]
RAW = ["<img src=x", "<script>alert", "<svg onload", "<iframe", "<b onclick"]


def assert_escaped(page: str) -> None:
    for raw in RAW:
        assert raw not in page
    assert "&lt;img src=x onerror=alert(1)&gt;有限公司" in page
    assert not re.search(r"<[^>]*\bon\w+=", page), "an event handler attribute was rendered"


def scanned_path(api: Api, no: str) -> str:
    """The QR code as served, decoded independently: the path of the page a phone opens."""
    png = api.client.get(f"/api/v1/certificates/{no}/qr.png")
    return "/v/" + scan(png.content).rsplit("/v/", 1)[1]


def test_hostile_names_stored_by_a_valid_issue_are_escaped_on_every_page(api: Api) -> None:
    no = api.issue(holder=XSS, scope={"sites": XSS_SITES})

    pages = {
        "verify": api.client.get("/verify", params={"number": no}),
        "verify-en": api.client.get("/verify", params={"number": no, "lang": "en"}),
        "search": api.client.get("/verify", params={"q": "有限公司"}),
        "scanned": api.client.get(scanned_path(api, no)),
        "document": api.client.get(f"/api/v1/certificates/{no}/document"),
    }

    for name, page in pages.items():
        assert page.status_code == 200, name
        assert page.headers["content-type"].startswith("text/html"), name
        if name == "search":
            assert "&lt;img src=x onerror=alert(1)&gt;有限公司" in page.text
            assert "<img src=x" not in page.text
        else:
            assert_escaped(page.text)


def test_a_hostile_query_is_escaped_when_the_page_echoes_it(api: Api) -> None:
    for params in (
        {"number": "<script>alert(1)</script>"},
        {"oid": '1.2.156.1.2."><img src=x onerror=alert(1)>'},
        {"q": "<img src=x onerror=alert(1)>"},
        {"q": "CESI2026EV/IMG1<svg onload=alert(1)>"},
    ):
        page = api.client.get("/verify", params=params).text

        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<svg onload" not in page


def test_a_forged_qr_token_page_escapes_what_it_echoes(api: Api) -> None:
    for token in ("<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>.e30.x'):
        page = api.client.get(f"/v/{token}")

        assert page.status_code == 422
        assert "<img src=x" not in page.text
        assert "<svg onload" not in page.text


def test_sql_in_the_directory_query_finds_nothing_and_drops_nothing(api: Api) -> None:
    api.issue()

    for q in ("%' OR 1=1 --", "' UNION SELECT * FROM stored_events --", "%", "_"):
        found = api.client.get("/api/v1/directory", params={"q": q})

        assert found.status_code == 200
        assert found.json()["total"] == 0, q
    assert api.client.get("/api/v1/directory").json()["total"] == 1


def test_sql_in_audit_filters_matches_no_event(api: Api) -> None:
    api.issue()

    for params in ({"actor": "' OR 1=1 --"}, {"type": "Issued' OR '1'='1"}):
        found = api.client.get("/api/v1/audit/events", params=params, headers=api.auth("auditor"))

        assert found.status_code == 200
        assert found.json() == []


def test_a_holder_name_of_sql_is_stored_literally(api: Api) -> None:
    holder = HOLDER | {"name": "x'); DROP TABLE stored_events; --有限公司"}
    before = audit_length(api)

    no = api.issue(holder=holder)

    answer = api.client.get("/api/v1/verify", params={"number": no}).json()
    assert answer["holder"]["name"] == holder["name"]
    assert audit_length(api) == before + 1
    assert api.client.get("/api/v1/directory", params={"q": "DROP TABLE"}).json()["total"] == 1


# ------------------------------------------------------- odd but lawful query values


@dataclass(frozen=True)
class Lawful:
    """A query the API may answer with data or refuse, but never with a server error."""

    path: str
    params: dict[str, str]
    role: str | None = None


LAWFUL = {
    "directory-q-nul": Lawful("/api/v1/directory", {"q": "定制\x00"}, None),
    "directory-uscc-nul": Lawful("/api/v1/directory", {"uscc": "9144\x00"}, None),
    "directory-region-nul": Lawful("/api/v1/directory", {"region": "深圳\x00"}, None),
    "page-search-nul": Lawful("/verify", {"q": "定制\x00家居"}, None),
    "audit-actor-nul": Lawful("/api/v1/audit/events", {"actor": "registrar-1\x00"}, "auditor"),
    "audit-type-nul": Lawful("/api/v1/audit/events", {"type": "Issued\x00"}, "auditor"),
    "audit-after-2**63": Lawful("/api/v1/audit/events", {"after": str(2**63)}, "auditor"),
    "feed-after-2**64": Lawful("/api/v1/regulator/feed", {"after": str(2**64)}, "regulator"),
    "audit-from-0001-01-01": Lawful(
        "/api/v1/audit/events",
        {"from": "0001-01-01"},
        "auditor",
    ),
    "audit-to-9999-12-31T23:59:59-23:59": Lawful(
        "/api/v1/audit/events",
        {"to": "9999-12-31T23:59:59-23:59"},
        "auditor",
    ),
    "audit-to-9999-12-31": Lawful("/api/v1/audit/events", {"to": "9999-12-31"}, "auditor"),
    "directory-q-percent": Lawful("/api/v1/directory", {"q": "%"}),
    "directory-q-underscore": Lawful("/api/v1/directory", {"q": "_"}),
    "directory-q-backslash": Lawful("/api/v1/directory", {"q": "\\"}),
    "verify-as-of-0001-01-01": Lawful(
        "/api/v1/verify", {"number": "CESI2026EV/IMG10001", "as_of": "0001-01-01"}
    ),
    "verify-as-of-9999-12-31": Lawful(
        "/api/v1/verify", {"number": "CESI2026EV/IMG10001", "as_of": "9999-12-31"}
    ),
    "verify-fullwidth-digits": Lawful("/api/v1/verify", {"number": "CESI２０２６EV/IMG1０００１"}),
    "verify-revision-99": Lawful("/api/v1/verify", {"number": "CESI2026EV/IMG10001R99"}),
}


def _lawful_params() -> list[Any]:
    params = []
    for name, case in LAWFUL.items():
        for backend in ("sqlite", "postgres"):
            marks = [pytest.mark.postgres] if backend == "postgres" else []
            params.append(pytest.param(backend, case, marks=marks, id=f"{backend}-{name}"))
    return params


@pytest.mark.parametrize(
    ("durable_database_url", "case"), _lawful_params(), indirect=["durable_database_url"]
)
def test_odd_but_lawful_query_is_answered_or_refused_never_a_server_error(
    api: Api, case: Lawful
) -> None:
    api.issue()
    before = head(api)
    client = TestClient(cast(FastAPI, api.client.app), raise_server_exceptions=False)

    response = client.get(
        case.path, params=case.params, headers=api.auth(case.role) if case.role else {}
    )

    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400 and not case.path.startswith("/verify"):
        assert_problem(response, response.status_code)
    assert head(api) == before
