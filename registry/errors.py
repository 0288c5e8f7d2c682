"""Domain errors: each names the rule it enforces and maps to one problem type."""

from typing import ClassVar


class RegistryError(Exception):
    """A command or query the registry refuses; nothing was appended."""

    slug: ClassVar[str] = "registry-error"
    title: ClassVar[str] = "Refused by the registry"

    def __init__(self, detail: str, *, section: str | None = None, field: str | None = None):
        self.detail = detail
        self.section = section
        self.field = field
        super().__init__(f"{detail} (CESI-SC-OD13 {section})" if section else detail)


class InvalidInput(RegistryError):
    """A value that can never be right, whatever the certificate's state."""

    slug = "invalid-input"
    title = "Invalid input"


class RuleViolation(RegistryError):
    """The command breaks a requirement of the rule (levels, person-days, sampling...)."""

    slug = "rule-violation"
    title = "The certification rule does not allow this"


class LifecycleConflict(RegistryError):
    """The command does not fit the certificate's current state or history."""

    slug = "lifecycle-conflict"
    title = "Not allowed in the certificate's current state"


class ConcurrencyConflict(RegistryError):
    """Another writer changed the certificate at the same time."""

    slug = "concurrency-conflict"
    title = "Changed concurrently; reload and retry"


class IdempotencyKeyReused(RegistryError):
    """The idempotency key was already used for a different request."""

    slug = "idempotency-key-reused"
    title = "Idempotency key already used for another request"


class NotFound(RegistryError):
    slug = "not-found"
    title = "No such certificate"


class NotInForce(RegistryError):
    """A printable certificate or QR code asked of a certificate that is no longer in force
    or of a superseded revision: nothing is printed that could be shown as valid."""

    slug = "not-in-force"
    title = "Not in force: no certificate or QR code is printed"

    def __init__(self, detail: str, *, status: str, current_certificate_no: str):
        super().__init__(detail, section="§6.3")
        self.status = status
        self.current_certificate_no = current_certificate_no
