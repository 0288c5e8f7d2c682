"""The projector: a pull loop over the notification log that feeds every projection.

Each projection commits its rows and its position in one transaction, and only moves
its position forward from where it read it: a crash or a second projector can neither
lose nor repeat an event. The same loop serves SQLite and PostgreSQL.
"""

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, cast
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification, Recording

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Chained
from registry.projections import PROJECTIONS
from registry.projections.batch import Batch, Item, Subject
from registry.projections.store import Cursor, ViewStore

BATCH_SIZE = 1000
CACHE_SIZE = 10_000


class Projection(Protocol):
    name: str
    version: int  # raise when its tables or what a row holds change: it alone is rebuilt
    tables: tuple[str, ...]
    create_statements: tuple[str, ...]

    def process(self, cursor: Cursor, batch: Batch) -> None: ...


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return self.head - self.position


class Projector:
    """Needs only what the application stores with: its recorder, mapper and repository."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper[UUID],
        repository: Repository[UUID],
        store: ViewStore,
    ):
        self.recorder = recorder
        self.mapper = mapper
        self.repository = repository
        self.store = store
        self.projections: list[Projection] = [projection() for projection in PROJECTIONS]
        self.batch_size = BATCH_SIZE
        self._lock = threading.Lock()
        self._cache: OrderedDict[UUID, Certificate] = OrderedDict()

    def create_tables(self) -> None:
        """Create the read models; one whose version changed is dropped and projected again
        alone (read models are disposable: the events are the record). When all are current,
        no DDL runs: a process starting beside running ones must not lock their tables."""
        wanted = {p.name: p.version for p in self.projections}
        if self.store.has_table("projection_versions") and self._versions() == wanted:
            return
        with self.store.transaction() as cursor:
            cursor.execute("DROP TABLE IF EXISTS projection_schema")  # one version for all: old
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS projection_versions "
                "(name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS projection_tracking "
                "(name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
            )
            cursor.execute("SELECT name, version FROM projection_versions")
            stored = {str(name): int(version) for name, version in cursor.fetchall()}
            for projection in self.projections:
                if stored.get(projection.name) != projection.version:
                    for table in projection.tables:
                        cursor.execute(f"DROP TABLE IF EXISTS {table}")
                    cursor.execute(
                        "DELETE FROM projection_tracking WHERE name = %s", (projection.name,)
                    )
                    cursor.execute(
                        "INSERT INTO projection_versions VALUES (%s, %s) ON CONFLICT (name) "
                        "DO UPDATE SET version = excluded.version",
                        (projection.name, projection.version),
                    )
                for statement in projection.create_statements:
                    cursor.execute(statement)
                cursor.execute(
                    "INSERT INTO projection_tracking VALUES (%s, 0) ON CONFLICT (name) DO NOTHING",
                    (projection.name,),
                )

    def _versions(self) -> dict[str, int]:
        rows = self.store.query("SELECT name, version FROM projection_versions")
        return {str(name): int(version) for name, version in rows}

    def positions(self) -> dict[str, int]:
        rows = self.store.query("SELECT name, position FROM projection_tracking")
        return {str(name): int(position) for name, position in rows}

    def status(self) -> list[Status]:
        head = self.recorder.max_notification_id() or 0
        positions = self.positions()
        return [Status(p.name, positions.get(p.name, 0), head) for p in self.projections]

    def catch_up(self, until: int | None = None) -> int:
        """Process everything stored (or up to `until`); return the lowest position reached."""
        with self._lock:
            while True:
                positions = self.positions()
                start = min(positions.get(p.name, 0) for p in self.projections)
                if until is not None and start >= until:
                    return start
                notifications = self.recorder.select_notifications(
                    start=start, limit=self.batch_size, inclusive_of_start=False
                )
                if not notifications:
                    return start
                batch = self._batch(notifications)
                behind = {
                    p.name: positions.get(p.name, 0)
                    for p in self.projections
                    if positions.get(p.name, 0) < batch.last_position
                }
                self._apply(batch, behind)

    def project_saved(
        self, recordings: Sequence[Recording[UUID]], certificates: Iterable[Certificate]
    ) -> None:
        """Project what this process has just saved without reading it back: the events as
        they were built, and each certificate as it stands after them (a certificate with
        one event in the save is not folded again). When the projections are not right
        behind these events (another writer's came between), it catches up from the log.

        The certificates are only read, never kept: the projector's cache holds its own
        folds, which it mutates, and the caller may still answer from its certificates."""
        if not recordings:
            return
        ids = [r.notification.id for r in recordings]
        first, last = ids[0], ids[-1]
        if ids == list(range(first, last + 1)):
            with self._lock:
                batch = self._batch_saved(recordings, certificates)
                if self._apply(batch, {p.name: first - 1 for p in self.projections}):
                    return
        self.catch_up(until=last)

    def _batch_saved(
        self, recordings: Sequence[Recording[UUID]], certificates: Iterable[Certificate]
    ) -> Batch:
        saved = {cert.id: cert for cert in certificates}  # each as its last event left it
        events = Counter(
            r.domain_event.originator_id
            for r in recordings
            if isinstance(r.domain_event, Certificate.Event)
        )
        batch = Batch()
        for recording in recordings:
            event = cast(Chained.Event, recording.domain_event)
            cert = saved.get(event.originator_id)
            alone = events[event.originator_id] == 1
            if isinstance(event, Certificate.Event) and alone and cert is not None:
                self._cache.pop(cert.id, None)  # out of date; the next event loads it
            elif isinstance(event, Certificate.Event):
                cert = self._certificate_after(event)  # several in one save: each step's subject
            batch.items.append(Item(recording.notification.id, event, _subject(event, cert)))
            if cert is not None and isinstance(event, Certificate.Event):
                batch.certificates[cert.registration_no] = cert
        return batch

    def wait(self, position: int, timeout: float = 5.0) -> bool:
        """Block until every projection has reached `position` (another process projects)."""
        deadline = time.monotonic() + timeout
        pause = 0.005
        while min(self.positions().values(), default=0) < position:
            if time.monotonic() > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        return True

    def rebuild(self, name: str | None = None) -> None:
        """Empty the named projection (or all) and project it again from position zero.

        Its secondary indexes are dropped meanwhile and made again at the end (one sort each,
        not an update a row); until then its version is unrecorded, so a rebuild cut short
        (a crash) is done again from zero at the next start (`create_tables`)."""
        chosen = [p for p in self.projections if name in (None, p.name)]
        if not chosen:
            known = ", ".join(p.name for p in self.projections)
            raise ValueError(f"no projection {name!r}; the projections are {known}")
        indexes = [s for p in chosen for s in p.create_statements if s.startswith("CREATE INDEX")]
        with self._lock, self.store.transaction() as cursor:
            for projection in chosen:
                forget = "DELETE FROM projection_versions WHERE name = %s"
                cursor.execute(forget, (projection.name,))
                for table in projection.tables:
                    cursor.execute(f"DELETE FROM {table}")
                cursor.execute(
                    "UPDATE projection_tracking SET position = 0 WHERE name = %s",
                    (projection.name,),
                )
            for statement in indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {_index_name(statement)}")
        self._cache.clear()
        self.catch_up()
        with self._lock, self.store.transaction() as cursor:
            for statement in indexes:
                cursor.execute(statement)
            for projection in chosen:
                cursor.execute(
                    "INSERT INTO projection_versions VALUES (%s, %s)",
                    (projection.name, projection.version),
                )

    def run_forever(self, stop: threading.Event, interval: float = 0.2) -> None:
        while not stop.is_set():
            self.catch_up()
            stop.wait(interval)

    def _apply(self, batch: Batch, expected: dict[str, int]) -> bool:
        """Write the batch into every projection that is behind, with their new positions, in
        one transaction (one commit a batch); the tracking rows are locked first and a
        projection that another projector has moved meanwhile is left out (it is not lost:
        catch_up reads the positions again). True when none was left out."""
        lock = " FOR UPDATE" if self.store.postgres else ""  # SQLite: BEGIN IMMEDIATE locks
        applied: list[str] = []
        with self.store.transaction() as cursor:
            cursor.execute(f"SELECT name, position FROM projection_tracking ORDER BY name{lock}")
            current = {str(name): int(position) for name, position in cursor.fetchall()}
            for projection in self.projections:
                position = expected.get(projection.name)
                if position is None or current.get(projection.name) != position:
                    continue
                projection.process(cursor, batch.after(position))
                applied.append(projection.name)
            if applied:  # one statement, not one a projection: a round trip each on PostgreSQL
                cursor.execute(
                    "UPDATE projection_tracking SET position = %s "
                    f"WHERE name IN ({', '.join(['%s'] * len(applied))})",
                    (batch.last_position, *applied),
                )
        return len(applied) == len(expected)

    def _batch(self, notifications: Sequence[Notification]) -> Batch:
        batch = Batch()
        mapper = self.mapper
        for notification in notifications:
            event = cast(Chained.Event, mapper.to_domain_event(notification))
            cert = None
            if isinstance(event, Certificate.Event):
                cert = self._certificate_after(event)
                batch.certificates[cert.registration_no] = cert
            batch.items.append(Item(notification.id, event, _subject(event, cert)))
        return batch

    def _certificate_after(self, event: Certificate.Event) -> Certificate:
        """The certificate as the event left it: from the cache, else from the store."""
        cert = self._cache.pop(event.originator_id, None)
        if event.originator_version == 1:
            cert = None
        elif cert is None or cert.version != event.originator_version - 1:
            cert = cast(
                Certificate,
                self.repository.get(event.originator_id, version=event.originator_version - 1),
            )
        cert = cast(Certificate, event.mutate(cert))
        self._cache[event.originator_id] = cert
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return cert


def _subject(event: Chained.Event, cert: Certificate | None) -> Subject:
    """Whom the event concerns: its certificate as the event left it, or the certificate a
    command record names."""
    if isinstance(event, Certificate.Event) and cert is not None:
        return Subject(
            cert.registration_no, cert.certificate_no, cert.holder.name, cert.holder.uscc
        )
    return Subject(getattr(event, "registration_no", None))


def _index_name(statement: str) -> str:
    """The index a `CREATE INDEX IF NOT EXISTS name ON …` statement makes."""
    words = statement.split()
    return words[words.index("EXISTS") + 1]
