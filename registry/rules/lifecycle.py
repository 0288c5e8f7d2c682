"""The lifecycle of a certificate as one table: its statuses, the commands on an issued
certificate, the statuses each command is allowed from, and the windows the rule opens.

A new command is a row of `LIFECYCLE` (and its aggregate method, event and request model);
a new status is a member of `Status` with the section of the rule that defines it.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal, get_args

from registry.rules.dates import first_day_of_period_ending

# The day CESI-SC-OD13 first took effect (its first edition, 2023-02-07; edition v1.2 took
# effect 2026-05-11). Earlier decisions come only from a legacy import (`--legacy`).
RULE_EFFECTIVE = date(2023, 2, 7)
# The editions of the rule and the day each took effect (the rule's own front matter); a
# decision is made under the edition in force on its day, recorded with the event.
RULE_EDITIONS = (
    (date(2023, 2, 7), "v1.0"),
    (date(2025, 8, 31), "v1.1"),
    (date(2026, 5, 11), "v1.2"),
)
STANDARD = "GB/T 42202-2022"
VALIDITY_MONTHS = 36  # §6.1
RECERTIFICATION_WINDOW_MONTHS = 6  # §6.1
FIRST_SURVEILLANCE_MONTHS = 12  # §5.5.2


class Status(StrEnum):
    """A certificate's status; the value is what answers and read models store."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def section(self) -> str:
        """The section a command refused because of this status cites."""
        return _SECTIONS[self]


_SECTIONS = {
    Status.VALID: "§6.3.1.4",
    Status.SUSPENDED: "§6.3.1",
    Status.REVOKED: "§6.3.2",
    Status.CANCELLED: "§6.3",
    Status.EXPIRED: "§6.1",
}
TERMINAL = frozenset({Status.REVOKED, Status.CANCELLED, Status.EXPIRED})
IN_FORCE = frozenset({Status.VALID, Status.SUSPENDED})

# The commands on an issued certificate, by the name of their aggregate method.
CommandName = Literal[
    "surveil",
    "narrow_scope",
    "extend_scope",
    "change_holder",
    "change_level",
    "suspend",
    "restore",
    "revoke",
    "cancel",
    "recertify",
    "verify_corrective_action",
    "record_notification",
    "record_case",
    "acknowledge_case",
    "close_case",
    "issue_sub_certificate",
    "withdraw_sub_certificate",
]
COMMAND_NAMES: tuple[CommandName, ...] = get_args(CommandName)


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[Status]
    action: str  # completes "cannot …" in a refusal


VALID_ONLY = frozenset({Status.VALID})
LIFECYCLE: dict[CommandName, Transition] = {
    "surveil": Transition(IN_FORCE, "record a surveillance"),
    "narrow_scope": Transition(IN_FORCE, "narrow the scope"),
    "extend_scope": Transition(VALID_ONLY, "extend the scope"),
    "change_holder": Transition(IN_FORCE, "change the holder's details"),
    "change_level": Transition(VALID_ONLY, "change the level"),
    "suspend": Transition(VALID_ONLY, "suspend"),
    "restore": Transition(frozenset({Status.SUSPENDED}), "restore"),
    "revoke": Transition(IN_FORCE, "revoke"),
    "cancel": Transition(IN_FORCE, "cancel"),
    "recertify": Transition(VALID_ONLY, "recertify"),
    "verify_corrective_action": Transition(IN_FORCE, "verify a corrective action"),
    "record_notification": Transition(IN_FORCE, "record a notification"),
    # §9: complaints and appeals may concern a certificate whatever its status.
    "record_case": Transition(frozenset(Status), "record a case"),
    "acknowledge_case": Transition(frozenset(Status), "acknowledge a case"),
    "close_case": Transition(frozenset(Status), "close a case"),
    # §6.3.1.2: no certificate is handed out for a suspended certification.
    "issue_sub_certificate": Transition(VALID_ONLY, "issue a sub-certificate"),
    "withdraw_sub_certificate": Transition(IN_FORCE, "withdraw a sub-certificate"),
}


def rule_edition_on(day: date) -> str | None:
    """The edition of CESI-SC-OD13 in force on `day`; None before the rule (legacy)."""
    editions = [edition for since, edition in RULE_EDITIONS if since <= day]
    return editions[-1] if editions else None


def recertification_opens(valid_until: date) -> date:
    """§6.1: recertification is decided within the 6 months before expiry, from this day."""
    return first_day_of_period_ending(valid_until, months=RECERTIFICATION_WINDOW_MONTHS)
