"""Certificates read model: verification, the §5.4 directory and the registrar's work queues.

One row per registration holds its facts (the JSON an answer is made from) beside the
columns searched on; one row per printed number (every revision) points to it.
Time is applied by the reader, from an `as_of`: no row says "valid now".
"""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from registry.answers import Facts, facts
from registry.projections.batch import Batch
from registry.projections.store import Cursor, Queries
from registry.rules.lifecycle import Status, recertification_opens
from registry.rules.numbers import certificate_no

PAGE_SIZE = 20
IN_FORCE_VALUES = (Status.VALID.value, Status.SUSPENDED.value)

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
        facts TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS certificates_uscc ON certificates (uscc)",
    "CREATE INDEX IF NOT EXISTS certificates_status ON certificates (status, valid_until)",
    """CREATE TABLE IF NOT EXISTS certificate_numbers (
        number TEXT PRIMARY KEY,
        registration_no TEXT NOT NULL,
        revision INTEGER NOT NULL)""",
)


class CertificatesProjection:
    name = "certificates"
    version = 5  # raise when the tables or what a row holds change: only this one is rebuilt
    tables: tuple[str, ...] = ("certificates", "certificate_numbers")
    create_statements: tuple[str, ...] = TABLES

    def process(self, cursor: Cursor, batch: Batch) -> None:
        numbers: list[tuple[str, str, int]] = []
        for cert in batch.certificates.values():
            document = facts(cert)
            suspension = document["suspension"]
            open_nc, late = document["open_nonconformities"], document["late_notifications"]
            cases, steps = document["open_cases"], document["late_steps"]
            cursor.execute(
                """INSERT INTO certificates
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
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
                    sites = excluded.sites, facts = excluded.facts""",
                (
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
                ),
            )
            numbers.extend(
                (certificate_no(cert.registration_no, r.number), cert.registration_no, r.number)
                for r in cert.revisions
            )
        if numbers:
            cursor.executemany(
                "INSERT INTO certificate_numbers VALUES (%s, %s, %s) "
                "ON CONFLICT (number) DO NOTHING",
                numbers,
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
        uscc: str = "",
        level: int | None = None,
        region: str = "",
        page: int = 1,
        page_size: int = PAGE_SIZE,
    ) -> Page:
        """Certificates valid on `today`, by organisation name, USCC, level and site region."""
        where = ["status = %s", "valid_until >= %s"]
        params: list[Any] = [Status.VALID.value, today.isoformat()]
        if q:
            where.append("holder_name LIKE %s ESCAPE '\\'")
            params.append(f"%{_escape_like(q)}%")
        if uscc:
            where.append("uscc = %s")
            params.append(uscc)
        if level is not None:
            where.append("level = %s")
            params.append(level)
        if region:
            where.append("sites LIKE %s ESCAPE '\\'")
            params.append(f"%{_escape_like(region)}%")
        condition = " AND ".join(where)
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
