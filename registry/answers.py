"""The verification answer: what the registry says of a certificate on a given day."""

from datetime import date
from typing import Any

from registry.aggregates.certificate import IN_FORCE, REVOKED, SUSPENDED, Certificate
from registry.levels import LEVEL_NAMES
from registry.numbers import certificate_no, oid
from registry.reasons import LAPSED_SUSPENSION, REVOCATION_REASONS, SUSPENSION_REASONS

STANDARD = "GB/T 42202-2022 《智能制造 大规模个性化定制 通用要求》"
RULE = "CESI-SC-OD13 《大规模个性化定制服务认证规则》"
CERTIFICATION_MODE = "服务特性测评+服务管理审核+获证后监督"
SUPERSEDED = "superseded"


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def answer(cert: Certificate, as_of: date, revision: int | None = None) -> dict[str, Any]:
    """The answer for `cert` as it stood on `as_of`, for the printed `revision` asked about.

    `cert` holds the events effective up to `as_of`; lapses not yet recorded (expiry,
    automatic revocation, §6.3.1.5) are derived here, so the answer never waits for a sweep.
    """
    status, since = cert.status_on(as_of)
    current_no = cert.certificate_no
    asked_no = current_no
    if revision is not None and revision < cert.revision:
        asked_no = certificate_no(cert.registration_no, revision)
        status, since = SUPERSEDED, cert.revisions[revision + 1].since
    suspension = cert.suspension if status == SUSPENDED else None
    revocation: dict[str, Any] | None = None
    if status == REVOKED:
        if cert.revocation is not None:
            r = cert.revocation
            revocation = {"reason": r.reason, "date": _iso(r.date), "automatic": r.automatic}
        else:  # due by the calendar, not yet recorded by the sweeper
            revocation = {"reason": LAPSED_SUSPENSION, "date": _iso(since), "automatic": True}
        revocation["reason_text"] = REVOCATION_REASONS[revocation["reason"]]
    return {
        "registration_no": cert.registration_no,
        "certificate_no": asked_no,
        "oid": oid(asked_no),
        "status": status,
        "status_since": _iso(since),
        "holder": cert.holder.to_dict(),
        "level": cert.level,
        "level_name": LEVEL_NAMES[cert.level],
        "scope": {"sites": [site.to_dict() for site in cert.sites]},
        "standard": STANDARD,
        "rule": RULE,
        "certification_mode": CERTIFICATION_MODE,
        "issue_date": _iso(cert.issue_date),
        "valid_until": _iso(cert.valid_until),
        "last_surveillance_date": _iso(cert.last_surveillance_date),
        "next_surveillance_due": _iso(cert.next_surveillance_due() if status in IN_FORCE else None),
        "suspension": None
        if suspension is None
        else {
            "reason": suspension.reason,
            "reason_text": SUSPENSION_REASONS[suspension.reason],
            "since": _iso(suspension.since),
            "restore_deadline": _iso(suspension.restore_deadline),
        },
        "revocation": revocation,
        "current_certificate_no": current_no,
        "as_of": as_of.isoformat(),
    }
