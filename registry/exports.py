"""Open data: every certificate's public facts and status as JSON Lines or CSV, streamed page
by page, and a signed manifest (count, sha256, the checkpoint the export reflects)."""

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import orjson

from registry import canonical
from registry.answers import Answer, answer
from registry.application import Registry
from registry.rules.dates import day_start_utc
from registry.signing import EXPORT_TYP, Keys
from registry.transparency import AuditLog, Checkpoint

PAGE = 500  # rows read a query: memory stays flat whatever the register's size
CSV_COLUMNS = (
    "registration_no",
    "certificate_no",
    "oid",
    "status",
    "status_since",
    "holder_name",
    "holder_name_en",
    "uscc",
    "address",
    "level",
    "issue_date",
    "valid_until",
    "last_surveillance_date",
    "next_surveillance_due",
    "suspension_reason",
    "restore_deadline",
    "revocation_reason",
    "revocation_date",
    "sites",
    "as_of",
)


@dataclass(frozen=True)
class Snapshot:
    """What an export reflects: the log's first `size` events, read on `today`."""

    size: int
    today: date
    last_modified: datetime
    checkpoint: Checkpoint

    @property
    def etag(self) -> str:
        return f'"{self.size}-{self.today.isoformat()}"'


class Exports:
    def __init__(self, registry: Registry, keys: Keys, audit: AuditLog):
        self.registry = registry
        self.keys = keys
        self.audit = audit
        self._manifests: dict[str, tuple[bytes, str]] = {}  # etag -> (body, signature)

    def snapshot(self) -> Snapshot:
        """The current state's tag: statuses change with the events and with the day."""
        checkpoint = self.audit.issue()  # catches up; signs anew only if the log grew
        size = int(checkpoint.get("size", 0))
        today = self.registry.today()
        row = self.registry.views.query_one(
            "SELECT recorded_at FROM audit_events WHERE leaf_index = %s", (size - 1,)
        )
        day_start = datetime.fromisoformat(day_start_utc(today))
        recorded = datetime.fromisoformat(row[0]) if row else day_start
        return Snapshot(size, today, max(recorded, day_start), checkpoint)

    def answers(self, today: date) -> Iterator[Answer]:
        """Every registration's answer on `today`, by registration number, a page at a time."""
        last = ""
        while rows := self.registry.public_views.query(
            "SELECT registration_no, facts FROM certificates WHERE registration_no > %s "
            "ORDER BY registration_no LIMIT %s",
            (last, PAGE),
        ):
            for _, facts in rows:
                yield answer(json.loads(facts), today)
            last = rows[-1][0]

    def jsonl(self, today: date) -> Iterator[bytes]:
        """The JSON Lines file, a page of rows a chunk (a server hands each chunk over
        separately: per row, a million rows would cost a million hand-overs)."""
        return _pages(self._jsonl_lines(today))

    def csv(self, today: date) -> Iterator[bytes]:
        """The CSV file, UTF-8 with a BOM so that Excel reads the Chinese right."""
        return _pages(self._csv_lines(today))

    def _jsonl_lines(self, today: date) -> Iterator[bytes]:
        for item in self.answers(today):
            yield orjson.dumps(item) + b"\n"

    def _csv_lines(self, today: date) -> Iterator[bytes]:
        yield _csv_line(CSV_COLUMNS).encode("utf-8-sig")
        for item in self.answers(today):
            yield _csv_line(_flat(item)).encode()

    def manifest(self, snapshot: Snapshot) -> tuple[bytes, str]:
        """(body, detached JWS): each file's count, size and SHA-256, and the checkpoint the
        export reflects; made once per state (a full pass over the register)."""
        made = self._manifests.get(snapshot.etag)
        if made is None:
            files = {
                "certificates.jsonl": _digest(self._jsonl_lines(snapshot.today), headers=0),
                "certificates.csv": _digest(self._csv_lines(snapshot.today), headers=1),
            }
            document = {
                "as_of": snapshot.today.isoformat(),
                "etag": snapshot.etag,
                "last_modified": snapshot.last_modified.isoformat(),
                "checkpoint": snapshot.checkpoint,  # signed: {size, root, timestamp, kid, …}
                "files": files,
            }
            body = canonical.dumps(document)
            made = body, self.keys.sign_detached(body, EXPORT_TYP)[1]
            self._manifests = {snapshot.etag: made}  # only the latest state is kept
        return made


def _pages(lines: Iterator[bytes]) -> Iterator[bytes]:
    page: list[bytes] = []
    for line in lines:
        page.append(line)
        if len(page) == PAGE:
            yield b"".join(page)
            page = []
    if page:
        yield b"".join(page)


def _digest(chunks: Iterator[bytes], headers: int) -> dict[str, Any]:
    """A file's SHA-256, bytes and rows (each chunk is one line)."""
    digest, size, lines = hashlib.sha256(), 0, -headers
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        lines += 1
    return {"sha256": digest.hexdigest(), "bytes": size, "count": lines}


def _csv_line(values: Any) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


FLAT: dict[str, Callable[[dict[str, Any]], Any]] = {
    "holder_name": lambda a: a["holder"]["name"],
    "holder_name_en": lambda a: a["holder"].get("name_en") or "",
    "uscc": lambda a: a["holder"]["uscc"],
    "address": lambda a: a["holder"]["address"],
    "suspension_reason": lambda a: (a["suspension"] or {}).get("reason", ""),
    "restore_deadline": lambda a: (a["suspension"] or {}).get("restore_deadline", ""),
    "revocation_reason": lambda a: (a["revocation"] or {}).get("reason", ""),
    "revocation_date": lambda a: (a["revocation"] or {}).get("date", ""),
    "sites": lambda a: json.dumps(a["scope"]["sites"], ensure_ascii=False),
}


def _flat(answer: Answer) -> list[Any]:
    item = cast(dict[str, Any], answer)  # read as the JSON it is served as
    values = [FLAT[c](item) if c in FLAT else item[c] for c in CSV_COLUMNS]
    return ["" if v is None else v for v in values]
