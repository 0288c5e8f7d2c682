"""The durable record of a command sent with an Idempotency-Key, saved with its events."""

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from registry import canonical
from registry.aggregates.chain import Chained, Stamp


def request_fingerprint(command: str, target: str | None, arguments: dict[str, Any]) -> str:
    document = {"command": command, "target": target, "arguments": arguments}
    return hashlib.sha256(canonical.dumps(document)).hexdigest()


class CommandRecord(Chained):
    """One (actor, key) pair: which request it carried and which event it produced."""

    if TYPE_CHECKING:  # state set by the event
        fingerprint: str
        registration_no: str
        version: int
        answered_on: date

    @staticmethod
    def create_id(actor: str, key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/certregistry/idempotency/{actor}/{key}")

    @classmethod
    def accept(
        cls,
        *,
        key: str,
        fingerprint: str,
        registration_no: str,
        version: int,
        answered_on: date,
        stamp: Stamp,
    ) -> "CommandRecord":
        return cls._begin(
            cls.Accepted,
            id=cls.create_id(stamp.actor, key),
            stamp=stamp,
            effective_date=None,
            key_digest=hashlib.sha256(key.encode()).hexdigest(),
            fingerprint=fingerprint,
            registration_no=registration_no,
            version=version,
            answered_on=answered_on,
        )

    class Accepted(Chained.Created):
        key_digest: str
        fingerprint: str
        registration_no: str
        version: int
        answered_on: date

        def apply(self, record: "CommandRecord") -> None:
            record.fingerprint = self.fingerprint
            record.registration_no = self.registration_no
            record.version = self.version
            record.answered_on = self.answered_on
