"""The whole delivery path through real processes: on the 1st (Beijing) a serving process makes
last month's report by itself, the regulator's webhook receiver gets it signed, and the report
is listed and downloaded with a signed manifest."""

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from registry.settings import Settings
from tests.api.conftest import body
from tests.examples import issue_request
from tests.processes import (
    cli,
    detached_signature_verifies,
    free_port,
    pinned_clock,
    received,
    receiver,
    server,
    wait_until,
)

BEIJING = timezone(timedelta(hours=8))
LAST_DAY = datetime(2026, 11, 30, 10, 0, tzinfo=BEIJING)
FIRST = datetime(2026, 12, 1, 0, 0, 30, tzinfo=BEIJING)  # half a minute into the 1st
REPORTS = "/api/v1/regulator/reports/monthly"


def test_the_first_monthly_report_reaches_the_regulators_receiver_by_itself(
    durable_database_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=durable_database_url, keys_dir=tmp_path / "keys", dev_mode=True
    )
    november = pinned_clock(LAST_DAY)
    assert cli(settings, "keys", "generate", env=november).returncode == 0
    registrar, regulator = (
        cli(
            settings, "token", "create", "--role", role, "--name", role, env=november
        ).stdout.strip()
        for role in ("registrar", "regulator")
    )
    port, inbox = free_port(), tmp_path / "inbox.jsonl"
    with server(settings, env=november) as base:  # 30 November: a suspension, a subscription
        issued = httpx.post(
            f"{base}/api/v1/certificates",
            json=body(issue_request()),
            headers={"Authorization": f"Bearer {registrar}"},
        ).json()
        httpx.post(
            f"{base}/api/v1/certificates/{issued['registration_no']}/suspensions",
            json={"reason": "b", "details": "服务持续不满足要求", "effective_date": "2026-11-30"},
            headers={"Authorization": f"Bearer {registrar}"},
        ).raise_for_status()
        subscription = httpx.post(
            f"{base}/api/v1/webhooks/subscriptions",
            json={"url": f"http://127.0.0.1:{port}/", "events": ["report.made"]},
            headers={"Authorization": f"Bearer {regulator}"},
        ).json()
    december = pinned_clock(FIRST) | {
        "REGISTRY_MONTHLY_REPORTS": "1",
        "REGISTRY_REPORTS_DIR": str(tmp_path / "reports"),
    }
    as_regulator = {"Authorization": f"Bearer {regulator}"}

    with (
        receiver(port, subscription["secret"], inbox, env=december),
        server(settings, env=december) as base,
    ):
        wait_until(lambda: bool(received(inbox)), "the report.made webhook")
        (listed,) = httpx.get(f"{base}{REPORTS}", headers=as_regulator).json()
        manifest = httpx.get(f"{base}{REPORTS}/2026-11.manifest.json", headers=as_regulator)
        table = httpx.get(f"{base}{REPORTS}/2026-11.csv", headers=as_regulator)
        deliveries = httpx.get(
            f"{base}/api/v1/webhooks/subscriptions/{subscription['id']}/deliveries",
            headers=as_regulator,
        ).json()
        manifest_verifies = detached_signature_verifies(base, listed["signature"], manifest.content)
        table_verifies = detached_signature_verifies(
            base, table.headers["X-Registry-Signature"], table.content
        )

    (message,) = received(inbox)  # verified by the receiver with the subscription's secret
    assert (message["type"], message["data"]["month"], message["data"]["items"]) == (
        "report.made",
        "2026-11",
        2,
    )
    assert [(d["message_id"], d["status"]) for d in deliveries] == [(message["id"], "delivered")]
    assert (listed["month"], listed["made_on"], listed["items"]) == ("2026-11", "2026-12-01", 2)
    assert listed["manifest_sha256"] == message["data"]["sha256"]
    assert hashlib.sha256(manifest.content).hexdigest() == listed["manifest_sha256"]
    assert manifest_verifies
    assert json.loads(manifest.content)["files"]["csv"]["sha256"] == (
        hashlib.sha256(table.content).hexdigest()
    )
    assert table_verifies
    assert issued["registration_no"].encode() in table.content
