"""Regulator feed: every status-relevant event (§6.3.3), paged by position."""

import json
from typing import Any

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Chained
from registry.projections.batch import Batch
from registry.projections.store import Cursor, ViewStore
from registry.rules.reasons import NARROWING_REASONS, REVOCATION_REASONS, SUSPENSION_REASONS

FEED_EVENTS = (
    Certificate.Issued,
    Certificate.Suspended,
    Certificate.Restored,
    Certificate.Revoked,
    Certificate.Cancelled,
    Certificate.Expired,
    Certificate.ScopeNarrowed,
    Certificate.LevelChanged,
    Certificate.HolderDetailsChanged,
    Certificate.Recertified,
)
REASON_TEXTS: dict[type[Chained.Event], dict[str, str]] = {
    Certificate.Suspended: SUSPENSION_REASONS,
    Certificate.Revoked: REVOCATION_REASONS,
    Certificate.ScopeNarrowed: NARROWING_REASONS,
}
COLUMNS = (
    "position, registration_no, certificate_no, type, reason, reason_text, effective_date, "
    "recorded_at, holder_name, uscc, details"
)


class FeedProjection:
    name = "regulator_feed"
    version = 3  # raise when the table or what a row holds change: only this one is rebuilt
    tables: tuple[str, ...] = ("regulator_feed",)
    create_statements: tuple[str, ...] = (
        """CREATE TABLE IF NOT EXISTS regulator_feed (
            position BIGINT PRIMARY KEY,
            registration_no TEXT NOT NULL,
            certificate_no TEXT NOT NULL,
            type TEXT NOT NULL,
            reason TEXT,
            reason_text TEXT,
            effective_date TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            holder_name TEXT NOT NULL,
            uscc TEXT NOT NULL,
            details TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS regulator_feed_effective ON regulator_feed (effective_date)",
    )

    def process(self, cursor: Cursor, batch: Batch) -> None:
        rows = []
        for item in batch.items:
            if not isinstance(item.event, FEED_EVENTS):
                continue
            reason = getattr(item.event, "reason", None)
            texts = REASON_TEXTS.get(type(item.event), {})
            rows.append(
                (
                    item.position,
                    item.subject.registration_no,
                    item.subject.certificate_no,
                    item.type,
                    reason,
                    texts.get(reason) if reason else None,
                    item.event.effective_date.isoformat(),  # type: ignore[union-attr]
                    item.recorded_at,
                    item.subject.holder_name,
                    item.subject.uscc,
                    item.data_json,
                )
            )
        if rows:
            cursor.executemany(
                f"INSERT INTO regulator_feed ({COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )


def feed_page(store: ViewStore, after: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Items after the cursor `after`, in position order, and the cursor to pass next."""
    rows = store.query(
        f"SELECT {COLUMNS} FROM regulator_feed WHERE position > %s ORDER BY position LIMIT %s",
        (after, limit),
    )
    names = [c.strip() for c in COLUMNS.split(",")]
    items = [dict(zip(names, row, strict=True)) for row in rows]
    for item in items:
        item["details"] = json.loads(item["details"])
    return items, items[-1]["position"] if items else after
