"""Regulator feed: every status-relevant event (§6.3.3), paged by position."""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Chained
from registry.projections.batch import Batch
from registry.projections.store import Cursor, Queries, ViewStore
from registry.rules.reasons import NARROWING_REASONS, REVOCATION_REASONS, SUSPENSION_REASONS

if TYPE_CHECKING:
    from registry.transparency import Checkpoint


class Change(TypedDict):
    """A status change as the regulator's report lists it."""

    position: int
    certificate_no: str
    registration_no: str
    holder_name: str
    uscc: str
    event: str  # the event's class name, e.g. Suspended
    reason: str | None
    reason_text: str | None
    effective_date: str
    recorded_at: str


class FeedItem(TypedDict):
    position: int
    registration_no: str
    certificate_no: str
    type: str
    reason: str | None
    reason_text: str | None
    effective_date: str
    recorded_at: str
    holder_name: str
    uscc: str
    details: dict[str, Any]  # the event's own fields, as JSON
    checkpoint: NotRequired["Checkpoint | None"]  # the first that covers it (transparency)


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

CHANGE_COLUMNS = (
    "position, certificate_no, registration_no, holder_name, uscc, type, reason, reason_text, "
    "effective_date, recorded_at"
)
PAGE = 10_000  # changes read at a time for a monthly report


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


def feed_page(store: ViewStore, after: int, limit: int) -> tuple[list[FeedItem], int]:
    """Items after the cursor `after`, in position order, and the cursor to pass next."""
    rows = store.query(
        f"SELECT {COLUMNS} FROM regulator_feed WHERE position > %s ORDER BY position LIMIT %s",
        (after, limit),
    )
    names = [c.strip() for c in COLUMNS.split(",")]
    items = [cast(FeedItem, dict(zip(names, row, strict=True))) for row in rows]
    for item in items:
        item["details"] = json.loads(cast(str, item["details"]))
    return items, items[-1]["position"] if items else after


class FeedQueries(Queries):
    """What the regulator asks of the feed: pages by cursor, changes by recorded time."""

    def page(self, after: int, limit: int) -> tuple[list[FeedItem], int]:
        return feed_page(self.store, after, limit)

    def recorded_between(self, start: str, end: str) -> list[Change]:
        """The status changes recorded in [start, end) (UTC ISO text), in position order."""
        return self._changes("recorded_at >= %s AND recorded_at < %s", start, end)

    def effective_and_stored_by(
        self, last_day: str, position: int, less: tuple[str, int] | None = None, page: int = PAGE
    ) -> Iterator[Change]:
        """The changes effective by `last_day` (ISO date) and stored by `position`, less
        those that were also effective by `less[0]` and stored by `less[1]`, read a page at
        a time: the first month after an import holds every change the registry has."""
        condition = "effective_date <= %s AND position <= %s"
        params: list[object] = [last_day, position]
        if less is not None:
            condition += " AND NOT (effective_date <= %s AND position <= %s)"
            params += list(less)
        after = 0
        while found := self._changes(f"{condition} AND position > %s", *params, after, page=page):
            yield from found
            after = found[-1]["position"]

    def _changes(self, condition: str, *params: object, page: int | None = None) -> list[Change]:
        limit = "" if page is None else f" LIMIT {page:d}"
        rows = self.store.query(
            f"SELECT {CHANGE_COLUMNS} FROM regulator_feed WHERE {condition} ORDER BY position"
            + limit,
            params,
        )
        return [cast(Change, dict(zip(Change.__annotations__, row, strict=True))) for row in rows]

    def recorded_times(self, after: int, limit: int = 10_000) -> list[tuple[int, str]]:
        """(position, recorded_at) of the items after the cursor `after`, in order."""
        rows = self.store.query(
            "SELECT position, recorded_at FROM regulator_feed WHERE position > %s "
            "ORDER BY position LIMIT %s",
            (after, limit),
        )
        return [(int(position), str(recorded_at)) for position, recorded_at in rows]
