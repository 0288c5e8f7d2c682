"""A batch of stored events as the projections receive it, in position order."""

from dataclasses import dataclass, field
from datetime import UTC
from functools import cached_property

import orjson

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Chained, event_data
from registry.aggregates.user import REDACTED, SECRET_FIELDS


@dataclass(frozen=True)
class Subject:
    """The certificate an event concerns, as it stood right after the event."""

    registration_no: str | None
    certificate_no: str | None = None
    holder_name: str | None = None
    uscc: str | None = None


@dataclass(frozen=True)
class Item:
    position: int
    event: Chained.Event
    subject: Subject

    @property
    def type(self) -> str:
        return type(self.event).__name__

    @cached_property
    def data_json(self) -> str:
        """The event's own fields as JSON (what the audit trail shows as `data`)."""
        data = event_data(self.event)
        for name in SECRET_FIELDS.intersection(data):  # a password hash never leaves the store
            data[name] = REDACTED
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()

    @cached_property
    def recorded_at(self) -> str:
        """When it was recorded, in UTC: ISO strings in one offset sort as times."""
        return self.event.timestamp.astimezone(UTC).isoformat()


@dataclass
class Batch:
    items: list[Item] = field(default_factory=list)
    certificates: dict[str, Certificate] = field(default_factory=dict)  # last state in the batch

    @property
    def last_position(self) -> int:
        return self.items[-1].position

    def after(self, position: int) -> "Batch":
        """The part of the batch a projection at `position` has not seen yet."""
        if not self.items or position < self.items[0].position:
            return self
        items = [item for item in self.items if item.position > position]
        touched = {item.subject.registration_no for item in items}
        kept = {k: v for k, v in self.certificates.items() if k in touched}
        return Batch(items, kept)
