"""The console's reading pages: the dashboard of work queues, search, a certificate's page."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.console.auth import PATH, AnyStaff
from api.console.forms import FORMS, ISSUE
from api.console.render import page
from api.deps import RegistryDep
from registry.answers import Answer
from registry.errors import InvalidInput, NotFound
from registry.regulator_reports import deadline, overdue
from registry.rules.lifecycle import LIFECYCLE

router = APIRouter(prefix=PATH, include_in_schema=False)

QUEUES = (
    (
        "surveillance",
        60,
        "监督到期 · Surveillance due (60 days) or overdue",
        "next_surveillance_due",
    ),
    ("suspensions", 30, "暂停期限 · Suspension deadlines (30 days) or past", "restore_deadline"),
    ("recertification", 0, "再认证窗口已开 · Recertification windows open", "valid_until"),
)


@dataclass(frozen=True)
class Queue:
    name: str
    title: str
    certificates: list[Answer]
    overdue: int
    next_due: str | None
    due_field: str


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, registry: RegistryDep, session: AnyStaff) -> Response:
    today = registry.today().isoformat()
    queues = []
    for name, within, title, due_field in QUEUES:
        items = registry.queue(name, within)
        dues = [_due(item, due_field) for item in items]
        late = sum(1 for due in dues if due and due < today)
        next_due = min((d for d in dues if d), default=None)
        queues.append(Queue(name, title, items, late, next_due, due_field))
    month = last_month(registry.today())
    return page(
        request,
        "dashboard.html",
        session,
        queues=queues,
        today=today,
        report_month=month,
        report_due=deadline(month).isoformat(),
        late_reports=overdue(registry),
    )


def last_month(today: date) -> str:
    """The month whose report is due by the 10th of this one (§6.3.3)."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _due(item: Answer, field: str) -> str | None:
    if field == "restore_deadline":
        suspension = item["suspension"]
        return None if suspension is None else _text(suspension["restore_deadline"])
    return _text(item.get(field))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@router.get("/certificates", response_class=HTMLResponse)
def search(
    request: Request,
    registry: RegistryDep,
    session: AnyStaff,
    q: Annotated[str, Query(max_length=100)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    found = None
    error = None
    if q.strip():
        try:
            found = registry.directory(
                q=q.strip(), uscc="", level=None, region="", page=page_no, page_size=50
            )
        except InvalidInput as refused:
            error = refused.detail
    return page(request, "certificates.html", session, q=q, found=found, error=error)


@router.get("/certificates/{no:path}", response_class=HTMLResponse)
def certificate(
    request: Request,
    no: str,
    registry: RegistryDep,
    session: AnyStaff,
    as_of: Annotated[date | None, Query()] = None,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    try:
        answer = registry.verify(number=no, as_of=as_of)
        history = registry.history(no)
    except (NotFound, InvalidInput) as error:
        return page(request, "error.html", session, 404, detail=error.detail)
    return page(
        request,
        "certificate.html",
        session,
        c=answer,
        history=history,
        as_of=as_of.isoformat() if as_of else "",
        # only the commands the lifecycle allows from the status shown (§6.3 and the table)
        forms=[f for f in FORMS.values() if allowed(f.command, answer["status"])],
        done=FORMS[done].title if done in FORMS else ISSUE.title if done == "issue" else "",
    )


def allowed(command: str, status: str) -> bool:
    """Whether the lifecycle table allows `command` from `status` (never from an old
    revision's `superseded`)."""
    transition = LIFECYCLE.get(command)  # type: ignore[call-overload]
    return transition is not None and status in transition.allowed_from
