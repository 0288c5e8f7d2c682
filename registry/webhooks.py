"""Push to subscribers: webhooks signed per Standard Webhooks, delivered at least once.

Each subscription follows the log from where it was created: every event of a kind it asked
for becomes a delivery row (one message id per event, the same on every retry, so that a
receiver drops duplicates), sent in log order and retried with exponential back-off until the
receiver answers 2xx. Subscriptions hold their signing secret, so they live in their own
table, never in events (STYLE 6).
"""

import base64
import json
import secrets
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks import Webhook

from registry.aggregates.certificate import Certificate
from registry.application import Registry
from registry.errors import InvalidInput, NotFound
from registry.projections.store import Row

TABLES = (
    """CREATE TABLE IF NOT EXISTS webhook_subscriptions (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL,
        after_position BIGINT NOT NULL,
        active INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (
        subscription_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        position BIGINT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TEXT NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        delivered_at TEXT,
        PRIMARY KEY (subscription_id, message_id))""",
    "CREATE INDEX IF NOT EXISTS webhook_due ON webhook_deliveries (status, next_attempt_at)",
)
# The stored event types each webhook event stands for.
EVENT_TYPES: dict[str, str] = {
    "Issued": "certificate.issued",
    "Suspended": "certificate.suspended",
    "Restored": "certificate.restored",
    "Revoked": "certificate.revoked",
    "Cancelled": "certificate.cancelled",
    "Expired": "certificate.expired",
    **{
        name: "certificate.reissued"  # a new revision RR+1: scope, holder, level, recertified
        for name, value in vars(Certificate).items()
        if isinstance(value, type) and issubclass(value, Certificate.Reissued)
    },
    "ReportMade": "report.made",
    "MonthlyReportMade": "report.made",
}
EVENTS = sorted(set(EVENT_TYPES.values()))
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
TIMEOUT = 10.0  # seconds a receiver has to answer
# A message claimed for sending is due again after this if its sender never says how it went
# (killed mid-send): at least once, even then.
CLAIM = timedelta(seconds=2 * TIMEOUT)
BATCH = 100


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    events: list[str]
    created_at: str


class Webhooks:
    def __init__(
        self,
        registry: Registry,
        *,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.registry = registry
        self.views = registry.views
        # The signature's timestamp is when a message leaves, by the wall clock: receivers
        # refuse one more than five minutes off theirs. Retries follow the registry's clock.
        self.wall_clock = wall_clock
        self.next_due: datetime | None = None  # the earliest retry due, as last seen
        if not self.views.has_table("webhook_deliveries"):
            with self.views.transaction() as cursor:
                for statement in TABLES:
                    cursor.execute(statement)

    # Subscriptions (the regulator) --------------------------------------------------------

    def subscribe(self, url: str, events: list[str] | None) -> dict[str, Any]:
        """A new subscription from the log's head on; its secret is shown here only."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("url is an http(s) URL", field="url")
        chosen = EVENTS if events is None else sorted(set(events))
        unknown = [e for e in chosen if e not in EVENTS]
        if unknown or not chosen:
            raise InvalidInput(f"events are some of {', '.join(EVENTS)}", field="events")
        self.registry.catch_up_projections()
        head = self.views.query_one("SELECT COALESCE(MAX(position), 0) FROM audit_events")
        subscription = Subscription(
            f"sub_{uuid.uuid4().hex}", url, chosen, self.registry.clock().isoformat()
        )
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        with self.views.transaction() as cursor:
            cursor.execute(
                "INSERT INTO webhook_subscriptions VALUES (%s, %s, %s, %s, %s, %s, 1)",
                (
                    subscription.id,
                    url,
                    json.dumps(chosen),
                    secret,
                    subscription.created_at,
                    int(head[0]) if head else 0,
                ),
            )
        return {**vars(subscription), "secret": secret}

    def subscriptions(self) -> list[Subscription]:
        rows = self.views.query(
            "SELECT id, url, events, created_at FROM webhook_subscriptions WHERE active = 1 "
            "ORDER BY created_at, id"
        )
        return [Subscription(i, u, json.loads(e), c) for i, u, e, c in rows]

    def unsubscribe(self, subscription_id: str) -> None:
        with self.views.transaction() as cursor:
            cursor.execute(
                "UPDATE webhook_subscriptions SET active = 0 WHERE id = %s AND active = 1",
                (subscription_id,),
            )
            if cursor.rowcount != 1:
                raise NotFound(f"no subscription {subscription_id}")

    def deliveries(self, subscription_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """The delivery log, latest first."""
        self._existing(subscription_id)
        rows = self.views.query(
            "SELECT message_id, position, type, status, attempts, next_attempt_at, last_status, "
            "last_error, delivered_at FROM webhook_deliveries WHERE subscription_id = %s "
            "ORDER BY position DESC LIMIT %s",
            (subscription_id, limit),
        )
        names = [
            "message_id",
            "position",
            "type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status",
            "last_error",
            "delivered_at",
        ]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def redeliver(self, subscription_id: str, message_id: str) -> None:
        """Send a message again at the next tick, delivered or not."""
        with self.views.transaction() as cursor:
            cursor.execute(
                "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = %s "
                "WHERE subscription_id = %s AND message_id = %s",
                (self.registry.clock().isoformat(), subscription_id, message_id),
            )
            if cursor.rowcount != 1:
                raise NotFound(f"no message {message_id} for subscription {subscription_id}")
        self.next_due = self.registry.clock()

    def backlog(self) -> int:
        row = self.views.query_one(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'"
        )
        return int(row[0]) if row else 0

    # Dispatching (the serving process's maintenance loop) -------------------------------

    def tick(self, log_moved: bool = True) -> None:
        """Queue what the log gained for each subscription, then send what is due. Cheap
        when the log did not move and no retry is due: nothing is read."""
        now = self.registry.clock()
        if not log_moved and (self.next_due is None or now < self.next_due):
            return
        for subscription in self.subscriptions():
            self._enqueue(subscription)
        self.send(self.due())
        row = self.views.query_one(
            "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'"
        )
        self.next_due = datetime.fromisoformat(row[0]) if row and row[0] else None

    def due(self) -> list[Row]:
        """The messages due now, in log order: what `send` takes."""
        return self.views.query(
            "SELECT d.subscription_id, d.message_id, d.payload, d.attempts, s.url, s.secret "
            "FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id "
            "WHERE d.status = 'pending' AND d.next_attempt_at <= %s AND s.active = 1 "
            "ORDER BY d.position LIMIT %s",
            (self.registry.clock().isoformat(), BATCH),
        )

    def send(self, due: list[Row]) -> None:
        """Send each message this process claims. Several serving processes see the same
        messages due; each message goes to the one whose claim lands first, and a
        subscription whose message another process holds is left to that process this
        time, so its messages keep their order."""
        now = self.registry.clock()
        passed: set[str] = set()  # refused by its receiver, or being sent elsewhere
        for subscription_id, message_id, payload, attempts, url, secret in due:
            if subscription_id in passed or not self._claim(subscription_id, message_id, now):
                passed.add(subscription_id)
                continue
            status, error = self._send(url, secret, message_id, payload)
            if not self._record(subscription_id, message_id, int(attempts) + 1, status, error, now):
                passed.add(subscription_id)

    def _claim(self, subscription_id: str, message_id: str, now: datetime) -> bool:
        """Take a due message for sending: one conditional UPDATE, which one process alone
        wins (SQLite serialises writers; PostgreSQL re-checks the condition on the row a
        concurrent winner committed). The claim lapses after CLAIM."""
        with self.views.transaction() as cursor:
            cursor.execute(
                "UPDATE webhook_deliveries SET next_attempt_at = %s WHERE subscription_id = %s "
                "AND message_id = %s AND status = 'pending' AND next_attempt_at <= %s",
                ((now + CLAIM).isoformat(), subscription_id, message_id, now.isoformat()),
            )
            return bool(cursor.rowcount == 1)

    def _enqueue(self, subscription: Subscription) -> None:
        row = self.views.query_one(
            "SELECT after_position FROM webhook_subscriptions WHERE id = %s", (subscription.id,)
        )
        after = int(row[0]) if row else 0
        wanted = [t for t, e in EVENT_TYPES.items() if e in subscription.events]
        types = ", ".join(["%s"] * len(wanted))
        while rows := self.views.query(
            "SELECT position, registration_no, type, recorded_at, effective_date, data "
            f"FROM audit_events WHERE position > %s AND type IN ({types}) "
            "ORDER BY position LIMIT %s",
            (after, *wanted, BATCH),
        ):
            now = self.registry.clock().isoformat()
            deliveries = [_delivery(subscription.id, row, now) for row in rows]
            after = int(rows[-1][0])
            with self.views.transaction() as cursor:
                cursor.executemany(
                    "INSERT INTO webhook_deliveries VALUES "
                    "(%s, %s, %s, %s, %s, 'pending', 0, %s, NULL, NULL, NULL) "
                    "ON CONFLICT (subscription_id, message_id) DO NOTHING",
                    deliveries,
                )
                cursor.execute(
                    "UPDATE webhook_subscriptions SET after_position = %s WHERE id = %s",
                    (after, subscription.id),
                )

    def _send(self, url: str, secret: str, message_id: str, payload: str) -> tuple[int | None, str]:
        sent_at = self.wall_clock()
        signature = Webhook(secret).sign(message_id, sent_at, payload)
        request = urllib.request.Request(
            url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "webhook-id": message_id,
                "webhook-timestamp": str(int(sent_at.timestamp())),
                "webhook-signature": signature,
                "User-Agent": "certregistry-webhooks",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return int(response.status), ""
        except urllib.error.HTTPError as error:
            return error.code, f"answered {error.code}"
        except (OSError, ValueError) as error:
            return None, str(getattr(error, "reason", error))[:200]

    def _record(
        self,
        subscription_id: str,
        message_id: str,
        attempts: int,
        status: int | None,
        error: str,
        now: datetime,
    ) -> bool:
        """Record an attempt; on failure the subscription's other messages due before the
        retry wait for it too, so a receiver that is down is not called every tick and
        messages keep their order. True when delivered."""
        delivered = status is not None and 200 <= status < 300
        retry = now + min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
        with self.views.transaction() as cursor:
            if not delivered:
                cursor.execute(
                    "UPDATE webhook_deliveries SET next_attempt_at = %s WHERE subscription_id = %s "
                    "AND status = 'pending' AND next_attempt_at < %s",
                    (retry.isoformat(), subscription_id, retry.isoformat()),
                )
            cursor.execute(
                "UPDATE webhook_deliveries SET status = %s, attempts = %s, next_attempt_at = %s, "
                "last_status = %s, last_error = %s, delivered_at = %s "
                "WHERE subscription_id = %s AND message_id = %s",
                (
                    "delivered" if delivered else "pending",
                    attempts,
                    (now if delivered else retry).isoformat(),
                    status,
                    None if delivered else error,
                    now.isoformat() if delivered else None,
                    subscription_id,
                    message_id,
                ),
            )
        return delivered

    def _existing(self, subscription_id: str) -> None:
        row = self.views.query_one(
            "SELECT id FROM webhook_subscriptions WHERE id = %s", (subscription_id,)
        )
        if row is None:
            raise NotFound(f"no subscription {subscription_id}")


def _delivery(subscription_id: str, row: tuple[Any, ...], now: str) -> tuple[Any, ...]:
    position, registration, type_, recorded_at, effective_date, data = row
    event = EVENT_TYPES[type_]
    payload = {
        "type": event,
        "timestamp": recorded_at,
        "data": {
            "position": int(position),
            "event": type_,
            "registration_no": registration,
            "effective_date": effective_date,
            "recorded_at": recorded_at,
            **(json.loads(data) if event == "report.made" else _certificate_facts(data)),
        },
    }
    message_id = f"msg_{int(position)}"
    return (subscription_id, message_id, int(position), event, json.dumps(payload), now)


def _certificate_facts(data: str) -> dict[str, Any]:
    """The change's public detail: reason and its text where the rule has one."""
    fields = json.loads(data)
    return {k: fields[k] for k in ("reason", "details", "restore_deadline") if k in fields}
