"""The hash chain: every stored event carries its own hash and its predecessor's.

An event's hash is SHA-256 over the RFC 8785 canonical JSON of
`{id, type, version, recorded_at, effective_date, actor, data, prev_hash}`, where `data`
holds the event's own fields with dates as ISO strings. This encoding is forever: an
auditor recomputes it from the stored event alone (`recompute_hash`).
"""

import hashlib
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

import orjson
from eventsourcing.domain import Aggregate

from registry import canonical

ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor",
        "effective_date",
        "prev_hash",
        "hash",
    }
)


@dataclass(frozen=True)
class Stamp:
    """Who records an event and when: the authenticated actor and the clock's reading."""

    actor: str
    at: datetime


def jsonable(value: Any) -> Any:
    """Plain JSON values: dates become ISO strings, tuples lists (orjson writes dates as
    `date.isoformat()` does; a round trip through it is the fast way to say so)."""
    return orjson.loads(orjson.dumps(value))


def event_hash(
    *,
    originator_id: UUID,
    type_name: str,
    version: int,
    recorded_at: datetime,
    effective_date: date | None,
    actor: str,
    data: dict[str, Any],
    prev_hash: str | None,
) -> str:
    document = {
        "id": str(originator_id),
        "type": type_name,
        "version": version,
        "recorded_at": recorded_at.isoformat(),
        "effective_date": None if effective_date is None else effective_date.isoformat(),
        "actor": actor,
        "data": jsonable(data),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical.dumps(document)).hexdigest()


_DATA_FIELDS: dict[type, tuple[str, ...]] = {}


def _data_fields(event_class: type) -> tuple[str, ...]:
    names = _DATA_FIELDS.get(event_class)
    if names is None:
        names = tuple(f.name for f in fields(event_class) if f.name not in ENVELOPE)
        _DATA_FIELDS[event_class] = names
    return names


def event_data(event: Any) -> dict[str, Any]:
    """The event's own fields: everything but the envelope."""
    return hashed_data(
        type(event), {name: getattr(event, name) for name in _data_fields(type(event))}
    )


def hashed_data(event_class: type, data: dict[str, Any]) -> dict[str, Any]:
    """The data an event's hash covers: a field added to an event class after events of it
    were stored (`added_fields`) counts only when it holds a value, so that the hashes of
    the events stored before it was added stay what they were."""
    added: frozenset[str] = getattr(event_class, "added_fields", frozenset())
    return {k: v for k, v in data.items() if not (k in added and v is None)}


def recompute_hash(event: "Chained.Event") -> str:
    return event_hash(
        originator_id=event.originator_id,
        type_name=type(event).__name__,
        version=event.originator_version,
        recorded_at=event.timestamp,
        effective_date=event.effective_date,
        actor=event.actor,
        data=event_data(event),
        prev_hash=event.prev_hash,
    )


TEvent = TypeVar("TEvent", bound="Chained.Event")


class Chained(Aggregate):
    """An aggregate whose events are chained by hash; records them through `_record`."""

    if TYPE_CHECKING:  # set by every event's mutate
        last_hash: str | None

    class Event(Aggregate.Event):
        actor: str
        effective_date: date | None
        prev_hash: str | None
        hash: str

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            aggregate.last_hash = self.hash
            return aggregate

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _begin(
        cls,
        event_class: type["Chained.Created"],
        *,
        id: UUID,
        stamp: Stamp,
        effective_date: date | None,
        **data: Any,
    ) -> Self:
        digest = event_hash(
            originator_id=id,
            type_name=event_class.__name__,
            version=1,
            recorded_at=stamp.at,
            effective_date=effective_date,
            actor=stamp.actor,
            data=hashed_data(event_class, data),
            prev_hash=None,
        )
        return cls._create(
            event_class,
            id=id,
            timestamp=stamp.at,
            actor=stamp.actor,
            effective_date=effective_date,
            prev_hash=None,
            hash=digest,
            **data,
        )

    def _record(
        self,
        event_class: type[TEvent],
        *,
        stamp: Stamp,
        effective_date: date | None,
        **data: Any,
    ) -> None:
        digest = event_hash(
            originator_id=self.id,
            type_name=event_class.__name__,
            version=self.version + 1,
            recorded_at=stamp.at,
            effective_date=effective_date,
            actor=stamp.actor,
            data=hashed_data(event_class, data),
            prev_hash=self.last_hash,
        )
        self.trigger_event(
            event_class,
            timestamp=stamp.at,
            actor=stamp.actor,
            effective_date=effective_date,
            prev_hash=self.last_hash,
            hash=digest,
            **data,
        )
