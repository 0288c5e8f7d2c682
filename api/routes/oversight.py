"""Reads for the auditor, the regulator and the registrar's work queues."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import AuditDep, Auditor, HistoryReader, KeysDep, Registrar, RegistryDep, Regulator
from api.models import (
    CertificateOut,
    Day,
    EventOut,
    FeedOut,
    LateNotificationOut,
    LateStepOut,
    Moment,
    NonconformityOut,
    OpenCaseOut,
)
from api.problems import PROBLEM_RESPONSES
from registry.application import FeedPage
from registry.projections.audit import AuditEvent
from registry.regulator_reports import FORMATS, overdue, render, status_changes

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
MAX_CURSOR = 2**62


@router.get("/certificates/{no:path}/history", response_model=list[EventOut], tags=["auditor"])
def history(no: str, registry: RegistryDep, _: HistoryReader) -> list[AuditEvent]:
    """Every event of the certificate, in order, with its hash chain."""
    return registry.history(no)


@router.get("/audit/events", response_model=list[EventOut], tags=["auditor"])
def audit_events(
    registry: RegistryDep,
    _: Auditor,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    type: Annotated[str | None, Query(max_length=40, description="e.g. Suspended")] = None,
    from_: Annotated[Moment | None, Query(alias="from")] = None,
    to: Annotated[Moment | None, Query(description="exclusive")] = None,
    after: Annotated[int, Query(ge=0, le=MAX_CURSOR, description="position cursor")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[AuditEvent]:
    """Events of every certificate and actor, by actor, type and recorded time."""
    return registry.audit_events(
        actor=actor, type=type, recorded_from=from_, recorded_to=to, after=after, limit=limit
    )


@router.get("/regulator/feed", response_model=FeedOut, tags=["regulator"])
def regulator_feed(
    registry: RegistryDep,
    audit: AuditDep,
    _: Regulator,
    after: Annotated[
        int, Query(ge=0, le=MAX_CURSOR, description="the `next` of the previous page")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> FeedPage:
    """Every status-relevant event (§6.3.3) after the cursor, in order: poll with `next`.
    Each item carries the first signed checkpoint whose Merkle tree includes it."""
    page = registry.regulator_feed(after=after, limit=limit)
    audit.with_checkpoints(page["items"])
    return page


Within = Annotated[int, Query(ge=0, le=366, description="days ahead")]


@router.get("/queues/surveillance", response_model=list[CertificateOut], tags=["registrar"])
def surveillance_queue(registry: RegistryDep, _: Registrar, within_days: Within = 60) -> list[Any]:
    """Surveillance due within `within_days`, or overdue (§5.5.2)."""
    return registry.queue("surveillance", within_days)


@router.get("/queues/suspensions", response_model=list[CertificateOut], tags=["registrar"])
def suspension_queue(registry: RegistryDep, _: Registrar, within_days: Within = 30) -> list[Any]:
    """Suspensions whose restoration deadline is within `within_days`, or past (§6.3.1.3)."""
    return registry.queue("suspensions", within_days)


@router.get("/queues/recertification", response_model=list[CertificateOut], tags=["registrar"])
def recertification_queue(registry: RegistryDep, _: Registrar) -> list[Any]:
    """Certificates in the last 6 months of validity, when recertification is due (§6.1)."""
    return registry.queue("recertification", 0)


@router.get("/queues/nonconformities", response_model=list[NonconformityOut], tags=["registrar"])
def nonconformity_queue(registry: RegistryDep, _: Registrar) -> list[Any]:
    """Open nonconformities by deadline, overdue ones marked (§5.5.4, §6.3.1.1 h)."""
    return list(registry.nonconformity_queue())


@router.get(
    "/queues/late-notifications", response_model=list[LateNotificationOut], tags=["registrar"]
)
def late_notification_queue(registry: RegistryDep, _: Registrar) -> list[Any]:
    """Holders' notifications told later than §5.5.5 allows, most recent first."""
    return list(registry.late_notification_queue())


@router.get("/queues/cases", response_model=list[OpenCaseOut], tags=["registrar"])
def case_queue(registry: RegistryDep, _: Registrar) -> list[Any]:
    """Open complaints, appeals (§9) and misuse warnings (§7, §8), oldest first."""
    return list(registry.case_queue())


@router.get("/queues/late-steps", response_model=list[LateStepOut], tags=["registrar"])
def late_step_queue(registry: RegistryDep, _: Registrar) -> list[Any]:
    """Issues and recertifications whose acceptance (§5.2) or decision (§5.7) took longer
    than the working-day limits; reported, never refused."""
    return list(registry.late_step_queue())


@router.get(
    "/regulator/reports",
    tags=["regulator"],
    response_class=Response,
    responses={200: {"content": {t: {} for t in FORMATS.values()}}},
)
def regulator_report(
    registry: RegistryDep,
    keys: KeysDep,
    _: Regulator,
    from_: Annotated[Day, Query(alias="from", description="first day recorded (Beijing)")],
    to: Annotated[Day, Query(description="last day recorded, inclusive")],
    format: Annotated[Literal["csv", "json", "xlsx"], Query()] = "csv",
) -> Response:
    """Every status change recorded in the period, with the holder, USCC, reason code and
    Chinese text. `X-Registry-Signature` is a detached JWS over the exact body;
    `X-Registry-Manifest` the RFC 8785 JSON `{from, to, format, generated_at, sha256}` of the
    body, and `X-Registry-Manifest-Signature` a detached JWS over it: the period signed."""
    report = render(
        status_changes(registry, from_, to), format, from_, to, keys, generated_at=registry.clock()
    )
    return Response(
        report.body,
        media_type=report.media_type,
        headers={
            "X-Registry-Signature": report.signature,
            "X-Registry-Manifest": report.manifest.decode(),
            "X-Registry-Manifest-Signature": report.manifest_signature,
            "Content-Disposition": f'attachment; filename="{report.filename}"',
        },
    )


@router.get("/regulator/reports/overdue", tags=["regulator"])
def overdue_reports(registry: RegistryDep, _: Regulator) -> list[dict[str, Any]]:
    """Months whose status changes were not reported by the 10th of the following month."""
    return [vars(o) for o in overdue(registry)]
