"""The auditor's pages (events with a CSV export, integrity) and the regulator's (the feed
as a table, overdue months, the month's signed report)."""

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.auth import PATH, check_csrf, staff
from api.console.pages import last_month
from api.console.render import page
from api.deps import AuditDep, KeysDep, RegistryDep, ReportsDir
from api.routes.monthly import made_file
from registry.errors import InvalidInput
from registry.projections.audit import AuditEvent
from registry.regulator_reports import (
    month_bounds,
    monthly_reports,
    overdue,
    render,
    status_changes,
)
from registry.sessions import Session
from registry.transparency import verify_store

router = APIRouter(prefix=PATH, include_in_schema=False)
Auditor = Annotated[Session, Depends(staff("auditor"))]
Regulator = Annotated[Session, Depends(staff("regulator"))]
Text = Annotated[str, Query(max_length=64)]
COLUMNS = (
    "position",
    "registration_no",
    "type",
    "version",
    "recorded_at",
    "effective_date",
    "actor",
    "hash",
    "prev_hash",
)


def _events(
    registry: RegistryDep, actor: str, type: str, from_: date | None, to: date | None, after: int
) -> list[AuditEvent]:
    return registry.audit_events(
        actor=actor or None,
        type=type or None,
        recorded_from=from_,
        recorded_to=to,
        after=after,
        limit=500,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    registry: RegistryDep,
    session: Auditor,
    actor: Text = "",
    type: Text = "",
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    events = _events(registry, actor, type, from_, to, after)
    query = request.url.query
    return page(
        request,
        "audit.html",
        session,
        events=events,
        actor=actor,
        type=type,
        from_=from_.isoformat() if from_ else "",
        to=to.isoformat() if to else "",
        query=query,
    )


@router.get("/audit.csv")
def audit_csv(
    registry: RegistryDep,
    session: Auditor,
    actor: Text = "",
    type: Text = "",
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    after = 0
    while events := _events(registry, actor, type, from_, to, after):
        for event in events:
            writer.writerow([event[c] for c in COLUMNS])  # type: ignore[literal-required]
        after = events[-1]["position"]
    return Response(
        ("\ufeff" + out.getvalue()).encode(),  # a BOM: Excel reads it as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-events.csv"'},
    )


@router.get("/integrity", response_class=HTMLResponse)
def integrity(request: Request, audit: AuditDep, session: Auditor) -> Response:
    last: dict[str, Any] | None = getattr(request.app.state, "console_last_verify", None)
    return page(request, "integrity.html", session, checkpoint=audit.latest(), last=last)


@router.post("/integrity")
def run_verify(
    request: Request,
    registry: RegistryDep,
    keys: KeysDep,
    session: Auditor,
    csrf: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    check_csrf(session, csrf)
    report = verify_store(registry, keys, max_age=request.app.state.checkpoint_interval)
    request.app.state.console_last_verify = {
        "at": registry.clock().isoformat(timespec="seconds"),
        "by": session.name,
        "intact": report.intact,
        "events": report.events,
        "checkpoints": report.checkpoints,
        "findings": [str(f) for f in report.findings[:20]],
    }
    return RedirectResponse(f"{PATH}/integrity", status_code=303)


@router.get("/regulator", response_class=HTMLResponse)
def regulator_page(
    request: Request,
    registry: RegistryDep,
    audit: AuditDep,
    folder: ReportsDir,
    session: Regulator,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")] = "",
) -> Response:
    feed = registry.regulator_feed(after=after, limit=100)
    audit.with_checkpoints(feed["items"])
    return page(
        request,
        "regulator.html",
        session,
        feed=feed,
        late=overdue(registry),
        month=month or last_month(registry.today()),
        made=monthly_reports(registry, folder),
    )


@router.get("/regulator/reports/{name}")
def made_report_file(name: str, folder: ReportsDir, session: Regulator) -> Response:
    """A monthly report's file as it was made and sent (`2026-11.csv`, `…manifest.json`), or
    with `.jws` its detached signature: what `registry report verify` checks."""
    return made_file(folder, name)


@router.get("/regulator/report")
def regulator_report(
    request: Request,
    registry: RegistryDep,
    keys: KeysDep,
    session: Regulator,
    month: Annotated[str, Query(max_length=7)],
    format: Annotated[Literal["csv", "json", "xlsx"], Query()] = "csv",
    signature: bool = False,
) -> Response:
    """The month's report as a file, or (signature=true) its detached JWS as a file of its
    own: a browser does not show headers. CSV and JSON are the same bytes each time."""
    try:
        start, end = month_bounds(month)
    except InvalidInput as error:
        return page(request, "error.html", session, 422, detail=error.detail)
    items = status_changes(registry, start, end)
    report = render(items, format, start, end, keys, generated_at=registry.clock())
    if signature:
        return Response(
            report.signature,
            media_type="application/jose",
            headers={"Content-Disposition": f'attachment; filename="{report.filename}.jws"'},
        )
    return Response(
        report.body,
        media_type=report.media_type,
        headers={
            "X-Registry-Signature": report.signature,
            "Content-Disposition": f'attachment; filename="{report.filename}"',
        },
    )
