"""The verification answer: what the registry says of a certificate on a given day.

A certificate's facts (`facts`) are what the read model stores; the answer (`answer`)
applies a day to them, so expiry and automatic revocation show before any sweep records them.
"""

from datetime import date
from typing import Any

from registry.aggregates.certificate import Certificate, lapse_on
from registry.rules.levels import LEVEL_NAMES
from registry.rules.lifecycle import IN_FORCE, Status
from registry.rules.numbers import certificate_no, oid
from registry.rules.reasons import LAPSED_SUSPENSION, REVOCATION_REASONS, SUSPENSION_REASONS

STANDARD = "GB/T 42202-2022 《智能制造 大规模个性化定制 通用要求》"
RULE = "CESI-SC-OD13 《大规模个性化定制服务认证规则》"
CERTIFICATION_MODE = "服务特性测评+服务管理审核+获证后监督"
SUPERSEDED = "superseded"

Facts = dict[str, Any]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def facts(cert: Certificate) -> Facts:
    """The certificate's recorded state as JSON: everything an answer needs."""
    suspension = cert.suspension
    revocation = cert.revocation
    return {
        "registration_no": cert.registration_no,
        "holder": cert.holder.to_dict(),
        "level": cert.level,
        "sites": [site.to_dict() for site in cert.sites],
        "issue_date": _iso(cert.issue_date),
        "valid_until": _iso(cert.valid_until),
        "revisions": [[r.number, _iso(r.since)] for r in cert.revisions],
        "status": cert.status.value,
        "status_since": _iso(cert.status_since),
        "suspension": None
        if suspension is None
        else {
            "reason": suspension.reason,
            "since": _iso(suspension.since),
            "restore_deadline": _iso(suspension.restore_deadline),
        },
        "revocation": None
        if revocation is None
        else {
            "reason": revocation.reason,
            "date": _iso(revocation.date),
            "automatic": revocation.automatic,
        },
        "last_surveillance_date": _iso(cert.last_surveillance_date),
        "next_surveillance_due": _iso(cert.next_surveillance_due()),
    }


def answer(facts: Facts, as_of: date, revision: int | None = None) -> dict[str, Any]:
    """The answer on `as_of` for the printed `revision` asked about (the current if None)."""
    suspension = facts["suspension"]
    deadline = _day(suspension["restore_deadline"]) if suspension else None
    valid_until = date.fromisoformat(facts["valid_until"])
    lapse = lapse_on(as_of, Status(facts["status"]), valid_until, deadline)
    status, since = (
        (lapse.status.value, _iso(lapse.since))
        if lapse
        else (facts["status"], facts["status_since"])
    )
    registration = facts["registration_no"]
    current = len(facts["revisions"]) - 1
    current_no = certificate_no(registration, current)
    asked_no = current_no
    if revision is not None and revision < current:
        asked_no = certificate_no(registration, revision)
        status, since = SUPERSEDED, facts["revisions"][revision + 1][1]
    revocation = None
    if status == Status.REVOKED:
        revocation = dict(
            facts["revocation"] or {"reason": LAPSED_SUSPENSION, "date": since, "automatic": True}
        )
        revocation["reason_text"] = REVOCATION_REASONS[revocation["reason"]]
    return {
        "registration_no": registration,
        "certificate_no": asked_no,
        "oid": oid(asked_no),
        "status": status,
        "status_since": since,
        "holder": facts["holder"],
        "level": facts["level"],
        "level_name": LEVEL_NAMES[facts["level"]],
        "scope": {"sites": facts["sites"]},
        "standard": STANDARD,
        "rule": RULE,
        "certification_mode": CERTIFICATION_MODE,
        "issue_date": facts["issue_date"],
        "valid_until": facts["valid_until"],
        "last_surveillance_date": facts["last_surveillance_date"],
        "next_surveillance_due": facts["next_surveillance_due"] if status in IN_FORCE else None,
        "suspension": {**suspension, "reason_text": SUSPENSION_REASONS[suspension["reason"]]}
        if status == Status.SUSPENDED and suspension
        else None,
        "revocation": revocation,
        "current_certificate_no": current_no,
        "as_of": as_of.isoformat(),
    }
