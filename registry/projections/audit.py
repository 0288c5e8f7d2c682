"""Audit index: every stored event by registration, actor, type and recorded time."""

import json
from typing import Any

from registry.aggregates.certificate import Certificate
from registry.projections.batch import Batch
from registry.projections.store import Cursor, ViewStore

COLUMNS = (
    "position, registration_no, type, version, recorded_at, effective_date, actor, data, hash, "
    "prev_hash"
)


class AuditProjection:
    name = "audit"
    tables: tuple[str, ...] = ("audit_events",)
    create_statements: tuple[str, ...] = (
        """CREATE TABLE IF NOT EXISTS audit_events (
            position BIGINT PRIMARY KEY,
            leaf_index BIGINT NOT NULL UNIQUE,
            originator_id TEXT NOT NULL,
            registration_no TEXT,
            type TEXT NOT NULL,
            version INTEGER NOT NULL,
            recorded_at TEXT NOT NULL,
            effective_date TEXT,
            actor TEXT NOT NULL,
            data TEXT NOT NULL,
            hash TEXT NOT NULL,
            prev_hash TEXT)""",
        "CREATE INDEX IF NOT EXISTS audit_registration ON audit_events (registration_no, position)",
        "CREATE INDEX IF NOT EXISTS audit_actor ON audit_events (actor, position)",
        "CREATE INDEX IF NOT EXISTS audit_type ON audit_events (type, position)",
        "CREATE INDEX IF NOT EXISTS audit_recorded ON audit_events (recorded_at)",
    )

    def process(self, cursor: Cursor, batch: Batch) -> None:
        # The Merkle log's leaf index: events in position order, counted from 0 without gaps
        # (PostgreSQL positions can skip numbers a failed insert took).
        cursor.execute("SELECT COALESCE(MAX(leaf_index), -1) FROM audit_events")
        row = cursor.fetchone()
        leaf_index = int(row[0]) if row else -1
        rows = []
        for item in batch.items:
            event = item.event
            leaf_index += 1
            effective = event.effective_date
            rows.append(
                (
                    str(event.originator_id),
                    leaf_index,
                    item.position,
                    item.subject.registration_no,
                    item.type,
                    event.originator_version,
                    item.recorded_at,
                    None if effective is None else effective.isoformat(),
                    event.actor,
                    item.data_json,
                    event.hash,
                    event.prev_hash,
                )
            )
        cursor.executemany(
            f"INSERT INTO audit_events (originator_id, leaf_index, {COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


def audit_events(
    store: ViewStore,
    *,
    registration_no: str | None = None,
    originator_id: str | None = None,
    actor: str | None = None,
    type: str | None = None,
    recorded_from: str | None = None,
    recorded_to: str | None = None,
    after: int = 0,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Events in position order; `recorded_to` is exclusive (ISO times compare as text)."""
    where: list[str] = ["position > %s"]
    params: list[object] = [after]
    filters = (
        ("registration_no", registration_no),
        ("originator_id", originator_id),
        ("actor", actor),
        ("type", type),
    )
    for column, value in filters:
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if recorded_from is not None:
        where.append("recorded_at >= %s")
        params.append(recorded_from)
    if recorded_to is not None:
        where.append("recorded_at < %s")
        params.append(recorded_to)
    rows = store.query(
        f"SELECT {COLUMNS} FROM audit_events WHERE {' AND '.join(where)} "
        "ORDER BY position LIMIT %s",
        [*params, limit],
    )
    names = [c.strip() for c in COLUMNS.split(",")]
    events = [dict(zip(names, row, strict=True)) for row in rows]
    for event in events:
        event["data"] = json.loads(event["data"])
    return events


def leaf_hashes(store: ViewStore, after_index: int, limit: int = 10_000) -> list[tuple[int, str]]:
    """(leaf index, event hash) in order, after `after_index`."""
    rows = store.query(
        "SELECT leaf_index, hash FROM audit_events WHERE leaf_index > %s "
        "ORDER BY leaf_index LIMIT %s",
        (after_index, limit),
    )
    return [(int(i), str(h)) for i, h in rows]


def leaves_with_positions(store: ViewStore, limit: int) -> list[tuple[int, int, str]]:
    """(leaf index, position, event hash) of the first `limit` leaves."""
    rows = store.query(
        "SELECT leaf_index, position, hash FROM audit_events ORDER BY leaf_index LIMIT %s",
        (limit,),
    )
    return [(int(i), int(p), str(h)) for i, p, h in rows]


def leaf_of(store: ViewStore, position: int) -> tuple[int, str] | None:
    """The leaf index and event hash of the event at `position`."""
    row = store.query_one(
        "SELECT leaf_index, hash FROM audit_events WHERE position = %s", (position,)
    )
    return None if row is None else (int(row[0]), str(row[1]))


# Event types whose data anyone may read (an allow-list: a new kind of event stays private
# until named here): the certificates', the keyring's public keys, the reports made. Tokens'
# and idempotency records' data stay private; their hashes are leaves of the log all the same.
PUBLIC_DATA_TYPES = frozenset(
    {
        name
        for name, value in vars(Certificate).items()
        if isinstance(value, type)
        and issubclass(value, Certificate.Event)
        and name not in ("Event", "Created")  # the bases, never stored as such
    }
    | {"KeyGenerated", "KeyActivated", "KeyRetired", "KeyCompromised", "ReportMade"}
)


def public_entries(store: ViewStore, start: int, end: int) -> list[dict[str, Any]]:
    """Leaves `start`..`end` (0-based, inclusive) in their public form: no actor, data only
    where public, and the hash each leaf is made of."""
    rows = store.query(
        "SELECT leaf_index, position, registration_no, type, version, recorded_at, "
        "effective_date, data, hash, prev_hash FROM audit_events "
        "WHERE leaf_index >= %s AND leaf_index <= %s ORDER BY leaf_index",
        (start, end),
    )
    entries = []
    for index, position, registration, type_, version, recorded, effective, data, h, prev in rows:
        public = type_ in PUBLIC_DATA_TYPES
        entries.append(
            {
                "leaf_index": int(index),
                "position": int(position),
                "registration_no": registration,
                "type": type_,
                "version": int(version),
                "recorded_at": recorded,
                "effective_date": effective,
                "data": json.loads(data) if public else None,
                "hash": h,
                "prev_hash": prev,
            }
        )
    return entries
