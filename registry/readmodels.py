"""The read models checked against the events they are made from: the audit's comparison of
every row, the maintenance loop's samples, and the receipt's check before it signs. A read
model is a cache of the log, never the truth."""

import json
from collections.abc import Iterator
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from registry.aggregates.certificate import Certificate
from registry.application import Registry
from registry.errors import RegistryError
from registry.projections.certificates import ROW, certificate_row
from registry.rules.numbers import certificate_no

COLUMNS = ROW.split(", ")
PAGE = 1000


class ReadModelMismatch(RegistryError):
    """A read model says what the events do not: it was altered or is corrupt."""

    slug = "read-model-mismatch"
    title = "The read models differ from the event log"


def difference(
    registration: str, stored: tuple[Any, ...] | None, expected: tuple[Any, ...] | None
) -> str | None:
    """What first differs between a stored `certificates` row and the one the events give."""
    where = f"certificates row {registration}"
    if expected is None:
        return None if stored is None else f"{where}: the events hold no such certificate"
    if stored is None:
        return f"{where}: missing, though the events hold it"
    for name, got, want in zip(COLUMNS, stored, expected, strict=True):
        if got != want:
            if name == "facts":
                name, got, want = _first_fact(got, want)
            return f"{where}: {name} is {_short(got)}, the events give {_short(want)}"
    return None


def check_certificates(registry: Registry, lasts: dict[UUID, int]) -> Iterator[str]:
    """Every `certificates` and `certificate_numbers` row against the certificates folded
    from the events, whose last events are at `lasts`; rows the projection has not reached
    yet are left alone."""
    tracked = registry.projector.positions().get("certificates", 0)
    seen: dict[str, int] = {}  # registration -> revisions, of the rows found right
    present: set[UUID] = set()
    after = ""
    while rows := registry.views.query(
        f"SELECT {ROW} FROM certificates WHERE registration_no > %s "
        "ORDER BY registration_no LIMIT %s",
        (after, PAGE),
    ):
        for row in rows:
            after = registration = str(row[0])
            present.add(Certificate.create_id(registration))
            last = lasts.get(Certificate.create_id(registration))
            if last is not None and last > tracked:
                continue  # not projected yet
            cert = _fold(registry, registration) if last is not None else None
            expected = None if cert is None or last is None else certificate_row(cert, last)
            problem = difference(registration, tuple(row), expected)
            if problem:
                yield problem
            elif cert is not None:
                seen[registration] = len(cert.revisions)
    for originator, last in lasts.items():
        if last <= tracked and originator not in present:
            cert = cast(Certificate, registry.repository.get(originator))
            yield f"certificates row {cert.registration_no}: missing, though the events hold it"
    yield from _check_numbers(registry, seen)


def _check_numbers(registry: Registry, revisions: dict[str, int]) -> Iterator[str]:
    after = ""
    while rows := registry.views.query(
        "SELECT number, registration_no, revision FROM certificate_numbers WHERE number > %s "
        "ORDER BY number LIMIT %s",
        (after, PAGE),
    ):
        for number, registration, revision in rows:
            after = number
            count = revisions.get(registration)
            if count is None:
                continue  # its certificate row is reported, or not projected yet
            if number != certificate_no(registration, int(revision)) or int(revision) >= count:
                yield f"certificate_numbers row {number}: the events never printed that number"


def sample(registry: Registry, after: str) -> tuple[str, str | None]:
    """Check the `certificates` row after `after` (the first one after the last); returns
    its registration number, to continue from, and what differs, if anything."""
    row = registry.views.query_one(
        f"SELECT {ROW} FROM certificates WHERE registration_no > %s "
        "ORDER BY registration_no LIMIT 1",
        (after,),
    )
    if row is None:
        return "", None
    registration = str(row[0])
    latest = registry.audit_index.latest_leaf(registration)
    last = None if latest is None else latest[0]
    if last is not None and last > registry.projector.positions().get("certificates", 0):
        return registration, None  # not projected yet
    cert = _fold(registry, registration)
    expected = None if cert is None or last is None else certificate_row(cert, last)
    return registration, difference(registration, tuple(row), expected)


def check_receipt(registry: Registry, registration: str, leaf_hash: str) -> None:
    """Refuse to sign a receipt whose proof is not of the certificate's last event."""
    cert = _fold(registry, registration)
    if cert is None or cert.last_hash != leaf_hash:
        raise ReadModelMismatch(
            f"the audit index's last event of {registration} is not the event log's: "
            "no receipt is signed until the read models are rebuilt"
        )


def _fold(registry: Registry, registration: str) -> Certificate | None:
    try:
        return cast(Certificate, registry.repository.get(Certificate.create_id(registration)))
    except AggregateNotFoundError:
        return None


def _first_fact(got: Any, want: Any) -> tuple[str, Any, Any]:
    try:
        stored, expected = json.loads(got), json.loads(want)
    except (TypeError, ValueError):
        return "facts", got, want
    if not isinstance(stored, dict):
        return "facts", got, want
    for key in sorted(set(stored) | set(expected)):
        if stored.get(key) != expected.get(key):
            return f"facts.{key}", stored.get(key), expected.get(key)
    return "facts", got, want


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
