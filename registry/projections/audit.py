"""Audit index: every stored event by registration, actor, type and recorded time."""

import json
from typing import Any, TypedDict, cast

from registry.aggregates.certificate import Certificate
from registry.projections.batch import Batch
from registry.projections.store import Cursor, Queries

COLUMNS = (
    "position, registration_no, type, version, recorded_at, effective_date, actor, data, hash, "
    "prev_hash"
)


class AuditEvent(TypedDict):
    position: int
    registration_no: str | None
    type: str
    version: int
    recorded_at: str
    effective_date: str | None
    actor: str
    data: dict[str, Any]  # the event's own fields, as JSON
    hash: str
    prev_hash: str | None


class AuditProjection:
    name = "audit"
    version = 3  # raise when the table or what a row holds change: only this one is rebuilt
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


class AuditQueries(Queries):
    """What the auditor and the tamper-evident log ask of the audit index."""

    def events(
        self,
        *,
        registration_no: str | None = None,
        originator_id: str | None = None,
        actor: str | None = None,
        type: str | None = None,
        recorded_from: str | None = None,
        recorded_to: str | None = None,
        after: int = 0,
        limit: int = 500,
    ) -> list[AuditEvent]:
        """Events in position order; `recorded_to` is exclusive (ISO times compare as text)."""
        where: list[str] = ["position > %s"]
        params: list[object] = [after]
        filters = (
            ("registration_no", registration_no),
            ("originator_id", originator_id),
            ("type", type),
        )
        for column, value in filters:
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        if actor is not None:  # a person, and the tokens bound to them ("alice via token ci")
            bound = f"{actor} via token "
            where.append("(actor = %s OR substr(actor, 1, %s) = %s)")
            params += [actor, len(bound), bound]
        if recorded_from is not None:
            where.append("recorded_at >= %s")
            params.append(recorded_from)
        if recorded_to is not None:
            where.append("recorded_at < %s")
            params.append(recorded_to)
        rows = self.store.query(
            f"SELECT {COLUMNS} FROM audit_events WHERE {' AND '.join(where)} "
            "ORDER BY position LIMIT %s",
            [*params, limit],
        )
        names = [c.strip() for c in COLUMNS.split(",")]
        events = [cast(AuditEvent, dict(zip(names, row, strict=True))) for row in rows]
        for event in events:
            event["data"] = json.loads(cast(str, event["data"]))
        return events

    def latest_leaf(self, registration: str) -> tuple[int, str] | None:
        """The position and hash of the latest event of the certificate `registration`.
        Found through the registration's index: by the aggregate id alone (not indexed) it
        was a walk of the whole log, ~1 s at 1M certificates, for every receipt and every
        read-model sample."""
        row = self.store.query_one(
            "SELECT position, hash FROM audit_events WHERE registration_no = %s "
            "AND originator_id = %s ORDER BY position DESC LIMIT 1",
            (registration, str(Certificate.create_id(registration))),
        )
        return None if row is None else (int(row[0]), str(row[1]))

    def leaf_hashes(self, after_index: int, limit: int = 10_000) -> list[tuple[int, str]]:
        """(leaf index, event hash) in order, after `after_index`."""
        rows = self.store.query(
            "SELECT leaf_index, hash FROM audit_events WHERE leaf_index > %s "
            "ORDER BY leaf_index LIMIT %s",
            (after_index, limit),
        )
        return [(int(i), str(h)) for i, h in rows]

    def leaves_with_positions(self, limit: int) -> list[tuple[int, int, str]]:
        """(leaf index, position, event hash) of the first `limit` leaves."""
        rows = self.store.query(
            "SELECT leaf_index, position, hash FROM audit_events ORDER BY leaf_index LIMIT %s",
            (limit,),
        )
        return [(int(i), int(p), str(h)) for i, p, h in rows]

    def leaf_of(self, position: int) -> tuple[int, str] | None:
        """The leaf index and event hash of the event at `position`."""
        row = self.store.query_one(
            "SELECT leaf_index, hash FROM audit_events WHERE position = %s", (position,)
        )
        return None if row is None else (int(row[0]), str(row[1]))

    def public_entries(self, start: int, end: int) -> list[dict[str, Any]]:
        """Leaves `start`..`end` (0-based, inclusive) in their public form: no actor, data only
        where public, and the hash each leaf is made of."""
        rows = self.store.query(
            "SELECT leaf_index, position, registration_no, type, version, recorded_at, "
            "effective_date, data, hash, prev_hash FROM audit_events "
            "WHERE leaf_index >= %s AND leaf_index <= %s ORDER BY leaf_index",
            (start, end),
        )
        entries = []
        for (
            index,
            position,
            registration,
            type_,
            version,
            recorded,
            effective,
            data,
            h,
            prev,
        ) in rows:
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
