"""Certificates read model: verification, the §5.4 directory and the registrar's work queues.

One row per registration holds its facts (the JSON an answer is made from) beside the
columns searched on; one row per printed number (every revision) points to it.
Time is applied by the reader, from an `as_of`: no row says "valid now".
"""

import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from registry.aggregates.certificate import Certificate
from registry.answers import Facts, facts
from registry.errors import InvalidInput
from registry.projections.batch import Batch
from registry.projections.store import Cursor, Queries
from registry.rules.lifecycle import Status, recertification_opens
from registry.rules.numbers import (
    OID_PREFIX,
    certificate_no,
    parse_number,
    parse_oid,
    sub_certificate_no,
)
from registry.rules.uscc import USCC_LENGTH

PAGE_SIZE = 20
IN_FORCE_VALUES = (Status.VALID.value, Status.SUSPENDED.value)
IN_FORCE_FILTER = "in_force"
# The status on a day (two `%s`: the day), as `answers.answer` reads it: a recorded status
# until the suspension deadline (§6.3.1.5) or the validity (§6.1) has passed.
STATUS_ON_DAY = """(CASE WHEN status NOT IN ('valid', 'suspended') THEN status
    WHEN status = 'suspended' AND restore_deadline < valid_until AND restore_deadline < %s
        THEN 'revoked'
    WHEN valid_until < %s THEN 'expired'
    ELSE status END)"""

TABLES = (
    """CREATE TABLE IF NOT EXISTS certificates (
        registration_no TEXT PRIMARY KEY,
        certificate_no TEXT NOT NULL,
        holder_name TEXT NOT NULL,
        uscc TEXT NOT NULL,
        level INTEGER NOT NULL,
        status TEXT NOT NULL,
        valid_until TEXT NOT NULL,
        restore_deadline TEXT,
        next_surveillance_due TEXT,
        recertification_opens TEXT NOT NULL,
        corrective_deadline TEXT,
        late_notified TEXT,
        open_case_since TEXT,
        late_step_decided TEXT,
        sites TEXT NOT NULL,
        facts TEXT NOT NULL,
        last_position BIGINT NOT NULL,
        last_hash TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS certificates_uscc ON certificates (uscc)",
    "CREATE INDEX IF NOT EXISTS certificates_status ON certificates (status, valid_until)",
    """CREATE TABLE IF NOT EXISTS certificate_numbers (
        number TEXT PRIMARY KEY,
        registration_no TEXT NOT NULL,
        revision INTEGER NOT NULL)""",
)


class CertificatesProjection:
    name = "certificates"
    version = 7  # raise when the tables or what a row holds change: only this one is rebuilt
    tables: tuple[str, ...] = ("certificates", "certificate_numbers")
    create_statements: tuple[str, ...] = TABLES

    def process(self, cursor: Cursor, batch: Batch) -> None:
        numbers: list[tuple[str, str, int]] = []
        last = {  # the certificate's own last event (a command record names it too)
            item.subject.registration_no: item.position
            for item in batch.items
            if isinstance(item.event, Certificate.Event)
        }
        for cert in batch.certificates.values():
            cursor.execute(
                """INSERT INTO certificates VALUES
                    (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (registration_no) DO UPDATE SET
                    certificate_no = excluded.certificate_no, holder_name = excluded.holder_name,
                    uscc = excluded.uscc, level = excluded.level, status = excluded.status,
                    valid_until = excluded.valid_until,
                    restore_deadline = excluded.restore_deadline,
                    next_surveillance_due = excluded.next_surveillance_due,
                    recertification_opens = excluded.recertification_opens,
                    corrective_deadline = excluded.corrective_deadline,
                    late_notified = excluded.late_notified,
                    open_case_since = excluded.open_case_since,
                    late_step_decided = excluded.late_step_decided,
                    sites = excluded.sites, facts = excluded.facts,
                    last_position = excluded.last_position, last_hash = excluded.last_hash""",
                certificate_row(cert, last[cert.registration_no]),
            )
            numbers.extend(
                (certificate_no(cert.registration_no, r.number), cert.registration_no, r.number)
                for r in cert.revisions
            )
            numbers.extend(  # §6 a: each sub-certificate, as printed with every revision since
                (sub_certificate_no(cert.registration_no, r, sub.number), cert.registration_no, r)
                for sub in cert.sub_certificates
                for r in range(sub.first_revision, cert.revision + 1)
            )
        if numbers:
            cursor.executemany(
                "INSERT INTO certificate_numbers VALUES (%s, %s, %s) "
                "ON CONFLICT (number) DO NOTHING",
                numbers,
            )


ROW = (
    "registration_no, certificate_no, holder_name, uscc, level, status, valid_until, "
    "restore_deadline, next_surveillance_due, recertification_opens, corrective_deadline, "
    "late_notified, open_case_since, late_step_decided, sites, facts, last_position, last_hash"
)


def certificate_row(cert: Certificate, position: int) -> tuple[Any, ...]:
    """The `certificates` row of a certificate whose last event is at `position` (its
    columns in the order of ROW): the projection writes it, the audit recomputes it."""
    document = facts(cert)
    suspension = document["suspension"]
    open_nc, late = document["open_nonconformities"], document["late_notifications"]
    cases, steps = document["open_cases"], document["late_steps"]
    return (
        cert.registration_no,
        cert.certificate_no,
        cert.holder.name,
        cert.holder.uscc,
        cert.level,
        cert.status.value,
        document["valid_until"],
        suspension["restore_deadline"] if suspension else None,
        document["next_surveillance_due"],
        recertification_opens(cert.valid_until).isoformat(),
        open_nc[0]["deadline"] if open_nc else None,
        late[-1]["told_on"] if late else None,
        cases[0]["opened_on"] if cases else None,
        steps[0]["decision_date"] if steps else None,
        "\n".join(site.address for site in cert.sites),
        orjson.dumps(document, option=orjson.OPT_SORT_KEYS).decode(),
        position,
        cert.last_hash,
    )


@dataclass(frozen=True)
class Page:
    items: list[Facts]
    page: int
    page_size: int
    total: int


class CertificateQueries(Queries):
    """What the public and the registrar ask of the certificates read model."""

    def facts(self, registration: str) -> Facts | None:
        row = self.store.query_one(
            "SELECT facts FROM certificates WHERE registration_no = %s", (registration,)
        )
        return None if row is None else json.loads(row[0])

    def directory(
        self,
        today: date,
        *,
        q: str = "",
        status: str = "",
        uscc: str = "",
        level: int | None = None,
        region: str = "",
        page: int = 1,
        page_size: int = PAGE_SIZE,
    ) -> Page:
        """Certificates of every status (or of `status` on `today`, `in_force` for valid or
        suspended) whose number, OID, USCC or holder name matches `q` (§5.4, §6.3.3); also by
        USCC, level and site region. Ordered by registration number."""
        where: list[str] = []
        params: list[Any] = []
        text = search_text(q)
        if text:
            condition, values = _matching(text)
            where.append(condition)
            params.extend(values)
        if status:
            statuses = IN_FORCE_VALUES if status == IN_FORCE_FILTER else (status,)
            marks = ", ".join(["%s"] * len(statuses))
            where.append(f"{STATUS_ON_DAY} IN ({marks})")
            params.extend([today.isoformat(), today.isoformat(), *statuses])
        if uscc:
            where.append("uscc = %s")
            params.append(search_text(uscc).upper())
        if level is not None:
            where.append("level = %s")
            params.append(level)
        if region:
            where.append("sites LIKE %s ESCAPE '\\'")
            params.append(f"%{_escape_like(search_text(region))}%")
        condition = " AND ".join(where) or "TRUE"
        total_row = self.store.query_one(
            f"SELECT COUNT(*) FROM certificates WHERE {condition}", params
        )
        rows = self.store.query(
            f"SELECT facts FROM certificates WHERE {condition} "
            "ORDER BY registration_no LIMIT %s OFFSET %s",
            [*params, page_size, (page - 1) * page_size],
        )
        return Page(
            [json.loads(row[0]) for row in rows],
            page,
            page_size,
            int(total_row[0]) if total_row else 0,
        )

    def not_in_force(self, today: date, statuses: tuple[str, ...]) -> list[Facts]:
        """§6.3.3: certificates whose status on `today` is one of `statuses` (suspended,
        revoked, cancelled), in registration order."""
        marks = ", ".join(["%s"] * len(statuses))
        return self._facts(
            f"{STATUS_ON_DAY} IN ({marks}) ORDER BY registration_no",
            (today.isoformat(), today.isoformat(), *statuses),
        )

    def statuses(self, today: date) -> dict[str, str]:
        """Every registration's status on `today` (the offline status list)."""
        rows = self.store.query(
            f"SELECT registration_no, {STATUS_ON_DAY} FROM certificates",
            (today.isoformat(), today.isoformat()),
        )
        return {str(registration): str(status) for registration, status in rows}

    def status_counts(self, today: date) -> dict[str, int]:
        """How many certificates hold each status on `today` (every status, zero included)."""
        rows = self.store.query(
            f"SELECT {STATUS_ON_DAY} AS on_day, COUNT(*) FROM certificates GROUP BY on_day",
            (today.isoformat(), today.isoformat()),
        )
        counted = {str(status): int(count) for status, count in rows}
        return {status.value: counted.get(status.value, 0) for status in Status}

    def surveillance_due(self, today: date, *, within_days: int = 60) -> list[Facts]:
        """§5.5.2: in force, with the next surveillance due by `today` + `within_days`
        (those already past it are overdue)."""
        horizon = date.fromordinal(today.toordinal() + within_days)
        return self._facts(
            "status IN (%s, %s) AND valid_until >= %s "
            "AND next_surveillance_due IS NOT NULL AND next_surveillance_due <= %s "
            "ORDER BY next_surveillance_due, registration_no",
            (*IN_FORCE_VALUES, today.isoformat(), horizon.isoformat()),
        )

    def suspension_deadlines(self, today: date, *, within_days: int = 30) -> list[Facts]:
        """§6.3.1.3: suspended, with the restoration deadline within `within_days` or past."""
        horizon = date.fromordinal(today.toordinal() + within_days)
        return self._facts(
            "status = %s AND restore_deadline IS NOT NULL AND restore_deadline <= %s "
            "ORDER BY restore_deadline, registration_no",
            (Status.SUSPENDED.value, horizon.isoformat()),
        )

    def recertification_window(self, today: date) -> list[Facts]:
        """§6.1: valid certificates whose recertification window (`recertification_opens`)
        has opened and whose validity has not ended."""
        return self._facts(
            "status = %s AND valid_until >= %s AND recertification_opens <= %s "
            "ORDER BY valid_until, registration_no",
            (Status.VALID.value, today.isoformat(), today.isoformat()),
        )

    def open_nonconformities(self) -> list[Facts]:
        """§5.5.4: in force, with a nonconformity whose corrective action is not yet
        verified, by the earliest deadline."""
        return self._facts(
            "status IN (%s, %s) AND corrective_deadline IS NOT NULL "
            "ORDER BY corrective_deadline, registration_no",
            IN_FORCE_VALUES,
        )

    def late_notifications(self) -> list[Facts]:
        """§5.5.5: in force, with a notification told later than the rule allows, the most
        recent first."""
        return self._facts(
            "status IN (%s, %s) AND late_notified IS NOT NULL "
            "ORDER BY late_notified DESC, registration_no",
            IN_FORCE_VALUES,
        )

    def open_cases(self) -> list[Facts]:
        """§7–§9: with a complaint, appeal or misuse warning not yet closed, oldest first,
        whatever the status."""
        return self._facts(
            "open_case_since IS NOT NULL ORDER BY open_case_since, registration_no", ()
        )

    def late_steps(self) -> list[Facts]:
        """§5.2, §5.7: in force, whose latest issue or recertification took longer than the
        working-day limits, the most recent decision first."""
        return self._facts(
            "status IN (%s, %s) AND late_step_decided IS NOT NULL "
            "ORDER BY late_step_decided DESC, registration_no",
            IN_FORCE_VALUES,
        )

    def lapsing(self, as_of: date) -> list[str]:
        """Registrations in force whose validity or suspension deadline ended before `as_of`."""
        rows = self.store.query(
            "SELECT registration_no FROM certificates WHERE status IN (%s, %s) "
            "AND (valid_until < %s OR restore_deadline < %s) ORDER BY registration_no",
            (*IN_FORCE_VALUES, as_of.isoformat(), as_of.isoformat()),
        )
        return [str(row[0]) for row in rows]

    def _facts(self, condition: str, params: tuple[Any, ...]) -> list[Facts]:
        rows = self.store.query(f"SELECT facts FROM certificates WHERE {condition}", params)
        return [json.loads(row[0]) for row in rows]


def search_text(text: str) -> str:
    """What was typed, as searched: NFKC (full-width `ＣＥＳＩ１`, `／` become ASCII), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def _matching(text: str) -> tuple[str, list[Any]]:
    """A number, an OID, a USCC or a part of the holder's name: whichever `text` is."""
    conditions = ["LOWER(holder_name) LIKE LOWER(%s) ESCAPE '\\'"]
    params: list[Any] = [f"%{_escape_like(text)}%"]
    compact = "".join(text.split()).upper()
    if len(compact) == USCC_LENGTH:
        conditions.append("uscc = %s")
        params.append(compact)
    try:
        ref = parse_oid(text) if compact.startswith(OID_PREFIX) else parse_number(text)
    except InvalidInput:
        ref = None
    if ref is not None and ref.revision is None:
        conditions.append("registration_no = %s")
        params.append(ref.registration_no)
    elif ref is not None and ref.revision is not None:
        conditions.append(
            "registration_no IN (SELECT registration_no FROM certificate_numbers WHERE number = %s)"
        )
        params.append(
            certificate_no(ref.registration_no, ref.revision)
            if ref.sub is None
            else sub_certificate_no(ref.registration_no, ref.revision, ref.sub)
        )
    return "(" + " OR ".join(conditions) + ")", params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
