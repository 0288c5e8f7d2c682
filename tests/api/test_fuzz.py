"""Property-based fuzzing of the app's own OpenAPI schema with schemathesis, on SQLite.

Every operation gets its examples, boundary (coverage) cases and random valid and invalid
requests, sent with the token of the role its tag names. No answer may be a server error,
every answer must match the schema, and every 4xx must be an RFC 9457 problem."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.tokens import create_token
from tests.api.conftest import PASSPHRASE
from tests.conftest import IN_CI, Clock
from tests.examples import issue_request

ROLES = ("registrar", "auditor", "regulator")
# Per operation and phase: about 2,300 requests in ~25 s on 2 cores; CI runs 100 (issue 15).
MAX_EXAMPLES = 100 if IN_CI else 60
AnyCase = Case[Any]
SENT: list[str] = []  # one entry per request sent, for the summary line

# The schema of an app that is never started (building one opens nothing): one test per
# operation. `schemathesis.pytest.from_fixture` would load it from the started app, but the
# lazy loader of schemathesis 4.32 reads `node._nodeid`, which pytest 9 no longer has.
schema = schemathesis.openapi.from_dict(create_app(Settings(database_url="memory:")).openapi())
# Tokens are sent by `headers_for` (the role the tag names), not drawn from the declared
# bearer scheme: a case "without Authorization" would be sent with it and wrongly count as
# invalid data accepted.
schema.config.generation.update(with_security_parameters=False)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app on a SQLite file with one token per role and one issued certificate."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    config = Settings(
        database_url=f"sqlite:///{folder}/registry.sqlite",
        keys_dir=folder / "keys",
        key_passphrase=SecretStr(PASSPHRASE),
        public_base_url="https://registry.example",
        rate_limit=0,  # one test client makes many requests; test_ratelimit.py tests limiting
    )
    clock = Clock()
    with open_registry(config, clock=clock) as registry:
        tokens = {role: create_token(registry, name=f"{role}-1", role=role) for role in ROLES}
        open_keys(registry, config).generate()
        seeded = registry.issue(actor="seed", **issue_request())
    app = create_app(config, clock=clock)
    yield {"app": app, "tokens": tokens, "no": seeded["registration_no"]}
    asgi.shutdown_lifespans()  # schemathesis started the app's lifespan: stop its threads
    print(f"\nschemathesis {schemathesis.__version__}: {len(SENT)} requests fuzzed")


# ----------------------------------------------------------------------------- checks


def problem_json(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """Every 4xx is `application/problem+json` with type, title, status and detail."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == "application/problem+json", f"4xx served as {content_type!r}"
    problem = response.json()
    assert isinstance(problem, dict), problem
    for member in ("type", "title", "detail"):
        assert isinstance(problem.get(member), str), f"problem without {member}: {problem}"
    assert problem.get("status") == response.status_code, problem
    assert "Traceback" not in response.text
    return True


def headers_for(case: AnyCase, tokens: dict[str, str]) -> dict[str, str]:
    """The token of the role the operation's tag names; public operations get none."""
    role = next((tag for tag in case.operation.tags or [] if tag in tokens), None)
    return {"Authorization": f"Bearer {tokens[role]}"} if role else {}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same requests on every run: CI fails only on a change
    database=None,
)
def test_every_answer_is_no_server_error_matches_the_schema_and_4xx_is_a_problem(
    case: AnyCase, fuzzed: dict[str, Any]
) -> None:
    no = case.path_parameters.get("no") if case.path_parameters else None
    if isinstance(no, str) and len(no) % 2 == 0:  # half the time, a certificate that exists
        case.path_parameters = dict(case.path_parameters or {}) | {"no": fuzzed["no"]}
    checks: list[CheckFunction] = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        negative_data_rejection,
        problem_json,
    ]
    SENT.append(case.operation.label)

    case.call_and_validate(
        app=fuzzed["app"], headers=headers_for(case, fuzzed["tokens"]), checks=checks
    )


# ------------------------------------------------------- bugs found here, now fixed


def test_a_body_that_is_not_json_gets_a_documented_status(fuzzed: dict[str, Any]) -> None:
    with asgi.get_client(fuzzed["app"]) as client:
        answer = client.post(
            "/api/v1/qr/verify",
            data=b'{"token": "\xc0"}',  # not UTF-8
            headers={"content-type": "application/json"},
        )
    documented = schema.raw_schema["paths"]["/api/v1/qr/verify"]["post"]["responses"]

    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert str(answer.status_code) in documented


def test_a_regulator_report_from_the_first_day_of_the_calendar_is_no_server_error(
    fuzzed: dict[str, Any],
) -> None:
    with asgi.get_client(fuzzed["app"]) as client:
        answer = client.get(
            "/api/v1/regulator/reports",
            params={"from": "0001-01-01", "to": "2000-01-01", "format": "json"},
            headers={"Authorization": f"Bearer {fuzzed['tokens']['regulator']}"},
        )

    assert answer.status_code < 500
