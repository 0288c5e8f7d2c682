"""The registry's use cases: load a certificate, run one command, save its events."""

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar, TypedDict, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, Transcoding

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Stamp, jsonable
from registry.aggregates.command_record import CommandRecord, request_fingerprint
from registry.answers import (
    NOTICE_STATUSES,
    Answer,
    Facts,
    LateNotificationItem,
    LateStepItem,
    Milestone,
    NonconformityItem,
    Notice,
    OpenCaseItem,
    answer,
    case_items,
    facts,
    knows,
    late_notification_items,
    late_step_items,
    milestones,
    nonconformity_items,
    notice,
)
from registry.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
)
from registry.projections.audit import AuditEvent, AuditQueries
from registry.projections.certificates import PAGE_SIZE, CertificateQueries
from registry.projections.feed import FeedItem, FeedQueries
from registry.projections.runner import Projector
from registry.projections.store import ViewStore
from registry.rules.dates import day_start_utc, local_date
from registry.rules.lifecycle import LIFECYCLE, CommandName
from registry.rules.numbers import (
    MAX_SEQUENCE,
    CertificateRef,
    parse_number,
    parse_oid,
    registration_no,
    registration_year,
    sequence_of,
)
from registry.settings import Settings, storage_env, storage_setup

log = logging.getLogger("registry.application")
Clock = Callable[[], datetime]

ISSUE_ATTEMPTS = 30  # a number taken by a concurrent issuer is retried with the next one
MAX_KEY_LENGTH = 200


class DirectoryPage(TypedDict):
    items: list[Answer]
    page: int
    page_size: int
    total: int


class NoticePage(TypedDict):
    items: list[Notice]
    page: int
    page_size: int
    total: int


class FeedPage(TypedDict):
    items: list[FeedItem]
    next: int  # the cursor to poll with


def utc_now() -> datetime:
    return datetime.now(UTC)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"  # the stored tag: never change it

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class Registry(Application[UUID]):
    """The certification body's registry: every certificate decision, as events."""

    env: ClassVar[dict[str, str]] = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": "var/registry.sqlite",
    }

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        clock: Clock = utc_now,
        projector: str = "inline",
        read_env: Mapping[str, str] | None = None,
    ):
        """`projector` "inline" projects after each command in this process; "external"
        leaves it to `registry project` and waits for it to catch up (read-your-writes).
        `read_env`: a streaming replica of the store, where public reads of the read models
        go (verification, directory); commands, staff reads and the projector stay here."""
        if projector not in ("inline", "external"):
            raise InvalidInput(f"the projector is 'inline' or 'external', not {projector!r}")
        self.clock = clock
        self._taken_up_to: dict[int, int] = {}  # year: a sequence seen taken (a lower bound)
        self.inline_projection = projector == "inline"
        super().__init__(env)
        _fail_fast(self.recorder)
        self.views = ViewStore(self.env)
        self.certificates = CertificateQueries(self.views)
        self.public_views = self.views if read_env is None else ViewStore(read_env, replica=True)
        self.public = CertificateQueries(self.public_views)
        self.feed = FeedQueries(self.views)
        self.audit_index = AuditQueries(self.views)
        self.projector = Projector(self.recorder, self.mapper, self.repository, self.views)
        self.projector.create_tables()
        if self.inline_projection:
            self.projector.catch_up()

    def close(self) -> None:
        super().close()
        self.views.close()
        if self.public_views is not self.views:
            self.public_views.close()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def today(self) -> date:
        return local_date(self.clock())

    # Commands -------------------------------------------------------------------------

    def issue(
        self,
        *,
        actor: str,
        holder: Mapping[str, Any],
        level: int,
        scope: Mapping[str, Any],
        decision_date: date,
        person_days: float,
        evaluation: Mapping[str, Any] | None,
        issue_date: date | None = None,
        idempotency_key: str | None = None,
        application_date: date | None = None,
        acceptance_date: date | None = None,
        signatory: str | None = None,
        papers_received_date: date | None = None,
    ) -> Answer:
        if not isinstance(scope, Mapping):
            raise InvalidInput("scope must be {sites: [...]}", field="scope")
        if not isinstance(decision_date, date):
            raise InvalidInput("decision_date must be a date", field="decision_date")

        def run(stamp: Stamp) -> Certificate:
            return Certificate.issue(
                registration_no=self.next_registration_no(decision_date.year),
                holder=holder,
                level=level,
                sites=scope.get("sites"),  # type: ignore[arg-type]
                decision_date=decision_date,
                issue_date=issue_date,
                person_days=person_days,
                evaluation=evaluation,
                stamp=stamp,
                application_date=application_date,
                acceptance_date=acceptance_date,
                signatory=signatory,
                papers_received_date=papers_received_date,
            )

        arguments = {
            "holder": holder,
            "level": level,
            "scope": scope,
            "decision_date": decision_date,
            "issue_date": issue_date,
            "person_days": person_days,
            "evaluation": evaluation,
        }
        added = {
            "application_date": application_date,
            "acceptance_date": acceptance_date,
            "signatory": signatory,
            "papers_received_date": papers_received_date,
        }
        arguments |= {k: v for k, v in added.items() if v is not None}  # same key as before
        issued = self._execute(
            "issue", None, arguments, actor, idempotency_key, run, attempts=ISSUE_ATTEMPTS
        )
        registration = str(issued["registration_no"])
        self._saw_taken(registration_year(registration), sequence_of(registration))
        return issued

    def command(
        self,
        name: CommandName,
        number: str,
        arguments: Mapping[str, Any],
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> Answer:
        """Run the certificate command `name` (a row of `LIFECYCLE`) with its fields on the
        registration or printed number `number`, and answer the certificate as it is then."""
        if name not in LIFECYCLE:
            raise InvalidInput(f"no command {name!r}; the commands are {', '.join(LIFECYCLE)}")
        ref = self._ref(number)

        def run(stamp: Stamp) -> Certificate:
            cert = self._get(Certificate.create_id(ref.registration_no))
            cert.run(name, arguments, stamp)
            return cert

        return self._execute(
            name, ref.registration_no, dict(arguments), actor, idempotency_key, run
        )

    def sweep(self, as_of: date | None = None, *, actor: str = "sweeper") -> list[str]:
        """Record every expiry and automatic revocation due by `as_of` (§6.1, §6.3.1.5).

        Idempotent: what is recorded once is not due again. Returns the registrations changed.
        The candidates come from the read models: inline, this process brings them up to
        date first; with an external projector, `registry project` is their only writer, so
        the sweep takes them as far as it has come (one not yet projected is found by the
        next sweep; answers derive lapses meanwhile).
        """
        today = self.today()
        as_of = today if as_of is None else as_of
        if as_of > today:
            raise InvalidInput(
                f"cannot sweep as of {as_of.isoformat()}, after today", field="as_of"
            )
        changed = []
        self.catch_up_projections()
        for registration in self.certificates.lapsing(as_of):
            certificate_id = Certificate.create_id(registration)
            for _attempt in range(3):
                cert = self._get(certificate_id)
                if not cert.record_lapse(as_of=as_of, stamp=Stamp(actor, self.clock())):
                    break
                try:
                    self.save(cert)
                except IntegrityError:
                    continue  # changed meanwhile: look again
                changed.append(cert.registration_no)
                break
        return changed

    # Queries --------------------------------------------------------------------------

    def verify(
        self,
        *,
        number: str | None = None,
        oid: str | None = None,
        as_of: date | None = None,
        from_events: bool = False,
    ) -> Answer:
        """The verification answer for a registration, certificate number or OID; folded
        from the events, never read from the read model, when `from_events` (receipts)."""
        if (number is None) == (oid is None):
            raise InvalidInput("give a certificate number or an OID", field="number")
        ref = parse_number(number) if number is not None else parse_oid(cast(str, oid))
        day = self.today() if as_of is None else as_of
        found = self._facts_on(ref.registration_no, day, from_events=from_events)
        if found is None or not knows(found, ref.revision, ref.sub):
            raise NotFound(f"no certificate {number or oid} on {day.isoformat()}")
        return answer(found, day, ref.revision, ref.sub)

    def revisions(self, number: str, *, as_of: date | None = None) -> list[Any]:
        """Every revision printed by `as_of` (today if None): [RR, since, PrintedFacts]."""
        day = self.today() if as_of is None else as_of
        found = self._facts_on(parse_number(number).registration_no, day)
        if found is None:
            raise NotFound(f"no certificate {number} on {day.isoformat()}")
        return list(found["revisions"])

    def _facts_on(self, registration: str, day: date, *, from_events: bool = False) -> Facts | None:
        found: Facts | None = None
        if day >= self.today() and not from_events:  # the read model holds the latest facts
            found = self.public.facts(registration)
        if found is None:  # a past day, or a certificate the projector has not reached yet
            cert = self.certificate_as_of(registration, day)
            found = None if cert is None else facts(cert)
        return found

    def directory(
        self,
        *,
        q: str = "",
        status: str = "",
        uscc: str = "",
        level: int | None = None,
        region: str = "",
        page: int = 1,
        page_size: int = PAGE_SIZE,
    ) -> DirectoryPage:
        """The public directory of every status (§5.4, §6.3.3), as answered today."""
        today = self.today()
        found = self.public.directory(
            today,
            q=q,
            status=status,
            uscc=uscc,
            level=level,
            region=region,
            page=page,
            page_size=page_size,
        )
        return {
            "items": [answer(f, today) for f in found.items],
            "page": found.page,
            "page_size": found.page_size,
            "total": found.total,
        }

    def notices(
        self,
        *,
        statuses: tuple[str, ...] = NOTICE_STATUSES,
        since_from: date | None = None,
        since_to: date | None = None,
        page: int = 1,
        page_size: int = PAGE_SIZE,
    ) -> NoticePage:
        """§6.3.3 公示: suspensions, revocations and cancellations in effect today whose
        date falls in [since_from, since_to], newest first."""
        today = self.today()
        found = [notice(answer(f, today)) for f in self.public.not_in_force(today, statuses)]
        chosen = [
            n
            for n in found
            if (since_from is None or n["since"] >= since_from.isoformat())
            and (since_to is None or n["since"] <= since_to.isoformat())
        ]
        chosen.sort(key=lambda n: n["registration_no"])
        chosen.sort(key=lambda n: n["since"], reverse=True)
        start = (page - 1) * page_size
        return {
            "items": chosen[start : start + page_size],
            "page": page,
            "page_size": page_size,
            "total": len(chosen),
        }

    def queue(self, name: str, within_days: int) -> list[Answer]:
        """A registrar's work queue: surveillance, suspensions or recertification."""
        today = self.today()
        if name == "surveillance":
            found = self.certificates.surveillance_due(today, within_days=within_days)
        elif name == "suspensions":
            found = self.certificates.suspension_deadlines(today, within_days=within_days)
        elif name == "recertification":
            found = self.certificates.recertification_window(today)
        else:
            raise NotFound(f"no work queue {name!r}")
        return [answer(f, today) for f in found]

    def status_counts(self) -> dict[str, int]:
        """Certificates by their status today, every status named."""
        return self.certificates.status_counts(self.today())

    def nonconformity_queue(self) -> list[NonconformityItem]:
        """Open nonconformities of certificates in force, by deadline, overdue marked."""
        today = self.today()
        items = [
            item
            for found in self.certificates.open_nonconformities()
            for item in nonconformity_items(found, today)
        ]
        return sorted(items, key=lambda i: (i["deadline"], i["registration_no"], i["id"]))

    def late_notification_queue(self) -> list[LateNotificationItem]:
        """Notifications told late (§5.5.5) of certificates in force, most recent first."""
        return [
            item
            for found in self.certificates.late_notifications()
            for item in reversed(late_notification_items(found))
        ]

    def case_queue(self) -> list[OpenCaseItem]:
        """Open complaints, appeals and misuse warnings (§7–§9), oldest first."""
        items = [item for found in self.certificates.open_cases() for item in case_items(found)]
        return sorted(items, key=lambda i: (i["opened_on"], i["registration_no"], i["id"]))

    def late_step_queue(self) -> list[LateStepItem]:
        """Issues and recertifications that took longer than §5.2, §5.7 allow."""
        return [item for found in self.certificates.late_steps() for item in late_step_items(found)]

    def catch_up_projections(self) -> None:
        """Before an oversight read: include what other processes stored (inline projection)."""
        if self.inline_projection:
            self.projector.catch_up()

    def history(self, number: str) -> list[AuditEvent]:
        """Every event of one certificate, in order, as the audit index holds them."""
        registration = parse_number(number).registration_no
        self.catch_up_projections()
        events = self.audit_index.events(
            originator_id=str(Certificate.create_id(registration)), limit=10_000
        )
        if not events:
            raise NotFound(f"no certificate {number}")
        return events

    def milestones(self, registration: str) -> list[Milestone]:
        """The public status history of a registration (§6.3.3), oldest first."""
        return milestones(
            [(e["type"], e["effective_date"] or "", e["data"]) for e in self.history(registration)]
        )

    def audit_events(
        self,
        *,
        actor: str | None,
        type: str | None,
        recorded_from: date | None,
        recorded_to: date | None,
        after: int,
        limit: int,
    ) -> list[AuditEvent]:
        self.catch_up_projections()
        return self.audit_index.events(
            actor=actor,
            type=type,
            recorded_from=_utc_bound(recorded_from),
            recorded_to=_utc_bound(recorded_to),
            after=after,
            limit=limit,
        )

    def regulator_feed(self, *, after: int, limit: int) -> FeedPage:
        self.catch_up_projections()
        items, cursor = self.feed.page(after, limit)
        return {"items": items, "next": cursor}

    def certificate_as_of(self, registration: str, day: date) -> Certificate | None:
        """The certificate folded from the events effective on or before `day`."""
        cert: Certificate | None = None
        for event in self.events.get(Certificate.create_id(registration)):
            certificate_event = cast(Certificate.Event, event)
            if certificate_event.effective_date > day:
                break
            cert = certificate_event.mutate(cert)
        return cert

    # Internals ------------------------------------------------------------------------

    def _execute(
        self,
        command: str,
        target: str | None,
        arguments: dict[str, Any],
        actor: str,
        key: str | None,
        run: Callable[[Stamp], Certificate],
        *,
        attempts: int = 1,
    ) -> Answer:
        """Run, save and answer one command; `attempts` > 1 retries a save that lost a race
        (an issue whose number a concurrent issuer took: `run` allocates the next)."""
        if key is not None and (not key or len(key) > MAX_KEY_LENGTH):
            raise InvalidInput(
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters", field="Idempotency-Key"
            )
        fingerprint = request_fingerprint(command, target, jsonable(arguments))
        if key is not None and (first := self._replay(actor, key, fingerprint)) is not None:
            return first
        for attempt in range(1, attempts + 1):
            stamp = Stamp(actor, self.clock())
            today = local_date(stamp.at)
            cert = run(stamp)
            pending: list[Certificate | CommandRecord] = [cert]
            if key is not None:
                pending.append(
                    CommandRecord.accept(
                        key=key,
                        fingerprint=fingerprint,
                        registration_no=cert.registration_no,
                        version=cert.version,
                        answered_on=today,
                        stamp=stamp,
                    )
                )
            try:
                recordings = self.save(*pending)
            except IntegrityError:
                if key is not None and (first := self._replay(actor, key, fingerprint)) is not None:
                    return first
                if attempt < attempts:
                    time.sleep(random.uniform(0, 0.005 * attempt))  # let the racers spread out
                    continue
                raise ConcurrencyConflict(
                    f"{target or 'the registry'} was changed by another request; "
                    "reload it and decide again"
                ) from None
            self.project(recordings, cert)
            return answer(facts(cert), today)
        raise AssertionError("unreachable")

    def project(self, recordings: Sequence[Recording[UUID]], cert: Certificate) -> None:
        """Read-your-writes: return once the read models include what a command has just
        saved (bounded); inline, the projector takes the events and the certificate as built."""
        position = recordings[-1].notification.id
        if self.inline_projection:
            self.projector.project_saved(recordings, [cert])
        elif not self.projector.wait(position):  # the answer stands; reads may lag behind it
            log.warning(
                "the read models have not reached position %d: is `registry project` running?",
                position,
            )

    def _replay(self, actor: str, key: str, fingerprint: str) -> Answer | None:
        """The first answer to a request retried with the same Idempotency-Key."""
        try:
            record = cast(CommandRecord, self.repository.get(CommandRecord.create_id(actor, key)))
        except AggregateNotFoundError:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different request", field="Idempotency-Key"
            )
        cert = cast(
            Certificate,
            self.repository.get(
                Certificate.create_id(record.registration_no), version=record.version
            ),
        )
        return answer(facts(cert), record.answered_on)

    def _ref(self, number: str) -> CertificateRef:
        ref = parse_number(number)
        if ref.revision is not None:
            cert = self._get(Certificate.create_id(ref.registration_no))
            if not knows(facts(cert), ref.revision, ref.sub):
                raise NotFound(f"no certificate {number}")
        return ref

    def _get(self, certificate_id: UUID) -> Certificate:
        try:
            return cast(Certificate, self.repository.get(certificate_id))
        except AggregateNotFoundError:
            raise NotFound("no such certificate") from None

    def stored(self, aggregate_id: UUID) -> bool:
        """Whether the aggregate has an event in the store: one indexed row read, nothing
        decoded or folded (`id in repository` loads the whole aggregate)."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def _taken(self, year: int, sequence: int) -> bool:
        return self.stored(Certificate.create_id(registration_no(year, sequence)))

    def next_registration_no(self, year: int) -> str:
        """The lowest free number of the year; numbers are gapless, so the one after the last.

        The search starts above the highest number this process has seen taken (a number,
        once taken, stays so): one probe when no other issuer came between, else it gallops
        and bisects. It only proposes: the store's uniqueness of the aggregate id decides,
        and an issue that loses the number to a concurrent issuer asks again."""
        low = self._taken_up_to.get(year, 0)  # taken (or 0)
        high, step = low + 1, 1  # high: the first probe
        while high <= MAX_SEQUENCE and self._taken(year, high):
            low, step = high, step * 2
            high = min(low + step, MAX_SEQUENCE + 1)
        while high - low > 1:  # low is taken (or 0), high is free (or past the last)
            middle = (low + high) // 2
            if self._taken(year, middle):
                low = middle
            else:
                high = middle
        self._saw_taken(year, low)
        return registration_no(year, low + 1)

    def _saw_taken(self, year: int, sequence: int) -> None:
        if sequence > self._taken_up_to.get(year, 0):  # a racing thread may lower it: harmless
            self._taken_up_to[year] = sequence


def _utc_bound(moment: date | None) -> str | None:
    """A day (from its start in Beijing) or an aware time, as the audit index's UTC text."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        return day_start_utc(moment)
    if moment.tzinfo is None:
        raise InvalidInput("a time needs its offset, e.g. 2026-11-25T10:00:00+08:00", field="from")
    return moment.astimezone(UTC).isoformat()


# The library tries a failing call 10 times, each waiting up to its pool's timeout for a
# connection (POSTGRES_CONNECT_TIMEOUT, whole seconds): at 10 s, a write during an outage took
# 101 s to get its 503. At 0.3 s a wait, a request gives up within 5 s.
POOL_WAIT = 0.3


def _fail_fast(recorder: object) -> None:
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    if pool is not None and hasattr(pool, "timeout"):
        pool.timeout = POOL_WAIT


def open_registry(settings: Settings | None = None, *, clock: Clock = utc_now) -> Registry:
    settings = settings or Settings()
    env = storage_env(settings.database_url)
    read_env = None if settings.read_database_url is None else replica_env(settings, env)
    with storage_setup(env):
        return Registry(env, clock=clock, projector=settings.projector, read_env=read_env)


def replica_env(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """The store of REGISTRY_READ_DATABASE_URL: a PostgreSQL replica of the primary, read in
    the primary's schema unless its URL names one."""
    read_env = storage_env(settings.read_database_url or "")
    if not env["PERSISTENCE_MODULE"] == read_env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        raise InvalidInput(
            "REGISTRY_READ_DATABASE_URL is a postgresql://… URL of a streaming replica of "
            "the PostgreSQL that REGISTRY_DATABASE_URL names"
        )
    if "POSTGRES_SCHEMA" in env:
        read_env.setdefault("POSTGRES_SCHEMA", env["POSTGRES_SCHEMA"])
    return read_env
