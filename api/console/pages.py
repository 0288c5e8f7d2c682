"""The console's reading pages: the dashboard of work queues, search, a certificate's page,
and the language switch."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.auth import PATH, AnyStaff, set_cookie
from api.console.forms import FORMS, ISSUE, Words
from api.console.render import LANG_COOKIE, page
from api.deps import RegistryDep
from registry.answers import Answer
from registry.application import Registry
from registry.errors import InvalidInput, NotFound
from registry.projections.audit import AuditEvent
from registry.regulator_reports import month_report, overdue
from registry.rules.lifecycle import LIFECYCLE, Status
from registry.rules.numbers import certificate_no
from registry.rules.reasons import NARROWING_REASONS, REVOCATION_REASONS, SUSPENSION_REASONS

router = APIRouter(prefix=PATH, include_in_schema=False)


@dataclass(frozen=True)
class Row:
    registration_no: str
    certificate_no: str
    holder: str
    cells: tuple[str, ...]
    late: bool


@dataclass(frozen=True)
class Queue:
    name: str
    title: Words
    columns: tuple[Words, ...]
    rows: list[Row]
    late_label: Words  # what the marked rows are: overdue, unacknowledged…
    date_label: Words
    date: str | None

    @property
    def late(self) -> int:
        return sum(row.late for row in self.rows)


NEXT_DUE: Words = ("最近到期", "next due")
OVERDUE: Words = ("逾期", "overdue")


def _due_queue(
    name: str, title: Words, due: Callable[[Answer], str], found: list[Answer], today: str
) -> Queue:
    """A queue of certificates each with a due date: overdue once it has passed."""
    rows = [
        Row(
            a["registration_no"],
            a["certificate_no"],
            a["holder"]["name"],
            (due(a),),
            due(a) < today,
        )
        for a in found
    ]
    coming = min((r.cells[0] for r in rows if not r.late), default=None)
    return Queue(name, title, (("到期", "Due"),), rows, OVERDUE, NEXT_DUE, coming)


def _restore_deadline(answer: Answer) -> str:
    suspension = answer["suspension"]
    return "" if suspension is None else str(suspension["restore_deadline"] or "")


def queues(registry: Registry) -> list[Queue]:
    """Every registrar's work queue, those of the rule-depth records included."""
    today = registry.today().isoformat()
    found: list[Queue] = [
        _due_queue(
            "surveillance",
            ("监督到期（60 天内）或逾期", "Surveillance due (60 days) or overdue"),
            lambda a: str(a["next_surveillance_due"] or ""),
            registry.queue("surveillance", 60),
            today,
        ),
        _due_queue(
            "suspensions",
            ("暂停期限（30 天内）或已过", "Suspension deadlines (30 days) or past"),
            _restore_deadline,
            registry.queue("suspensions", 30),
            today,
        ),
        _due_queue(
            "recertification",
            ("再认证窗口已开", "Recertification windows open"),
            lambda a: a["valid_until"],
            registry.queue("recertification", 0),
            today,
        ),
    ]
    nonconformities = [
        Row(
            n["registration_no"],
            n["certificate_no"],
            n["holder_name"],
            (n["clause"], n["description"], n["deadline"]),
            n["overdue"],
        )
        for n in registry.nonconformity_queue()
    ]
    found.append(
        Queue(
            "nonconformities",
            ("未关闭的不符合项（按纠正期限）", "Open nonconformities, by corrective deadline"),
            (("条款", "Clause"), ("不符合项", "Nonconformity"), ("纠正期限", "Deadline")),
            nonconformities,
            OVERDUE,
            NEXT_DUE,
            min((r.cells[2] for r in nonconformities if not r.late), default=None),
        )
    )
    notifications = [
        Row(
            n["registration_no"],
            n["certificate_no"],
            n["holder_name"],
            (n["kind"], n["what"], n["occurred_on"], n["told_by"], n["told_on"]),
            True,
        )
        for n in registry.late_notification_queue()
    ]
    found.append(
        Queue(
            "late-notifications",
            ("获证组织逾期通报（§5.5.5）", "Holder notifications told late (§5.5.5)"),
            (
                ("类别", "Kind"),
                ("事项", "What"),
                ("发生", "Occurred"),
                ("应通报", "Due by"),
                ("通报", "Told"),
            ),
            notifications,
            ("逾期", "late"),
            ("最近通报", "latest told"),
            max((r.cells[4] for r in notifications), default=None),
        )
    )
    cases = [
        Row(
            c["registration_no"],
            c["certificate_no"],
            c["holder_name"],
            (c["kind"], c["summary"], c["opened_on"], c["acknowledged_on"] or "—"),
            c["acknowledged_on"] is None,
        )
        for c in registry.case_queue()
    ]
    found.append(
        Queue(
            "cases",
            (
                "未结的投诉、申诉和误用案件（§7–§9）",
                "Open complaints, appeals and misuse cases (§7–§9)",
            ),
            (("类别", "Kind"), ("摘要", "Summary"), ("受理", "Opened"), ("确认", "Acknowledged")),
            cases,
            ("未确认", "unacknowledged"),
            ("最早受理", "oldest opened"),
            min((r.cells[2] for r in cases), default=None),
        )
    )
    steps = [
        Row(
            s["registration_no"],
            s["certificate_no"],
            s["holder_name"],
            (
                f"{s['step']} ({s['section']})",
                f"{s['working_days']} / {s['limit']}",
                s["decision_date"],
            ),
            True,
        )
        for s in registry.late_step_queue()
    ]
    found.append(
        Queue(
            "late-steps",
            ("超时的认证步骤（§5.2、§5.7）", "Certification steps that took too long (§5.2, §5.7)"),
            (("步骤", "Step"), ("工作日 / 限期", "Working days / limit"), ("决定", "Decision")),
            steps,
            ("超时", "late"),
            ("最近决定", "latest decision"),
            max((r.cells[2] for r in steps), default=None),
        )
    )
    return found


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, registry: RegistryDep, session: AnyStaff) -> Response:
    late_reports = overdue(registry)
    return page(
        request,
        "dashboard.html",
        session,
        queues=queues(registry),
        today=registry.today().isoformat(),
        counts=registry.status_counts(),
        report=month_report(registry, last_month(registry.today()), late_reports),
        late_reports=late_reports,
    )


def last_month(today: date) -> str:
    """The month whose report is due by the 10th of this one (§6.3.3)."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


STATUS_FILTERS = tuple(s.value for s in Status)


@router.get("/certificates", response_class=HTMLResponse)
def search(
    request: Request,
    registry: RegistryDep,
    session: AnyStaff,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    """Search across every status by number, holder or USCC, or list one status."""
    found = None
    error = None
    chosen = status if status in STATUS_FILTERS else ""
    if q.strip() or chosen:
        try:
            found = registry.directory(
                q=q.strip(), status=chosen, level=None, page=page_no, page_size=50
            )
        except InvalidInput as refused:
            error = refused.detail
    return page(
        request,
        "certificates.html",
        session,
        q=q,
        chosen=chosen,
        statuses=STATUS_FILTERS,
        found=found,
        error=error,
    )


@router.get("/lang")
def switch_language(
    request: Request,
    to: Annotated[str, Query(max_length=5)] = "zh",
    next: Annotated[str, Query(max_length=2000)] = f"{PATH}/",
) -> Response:
    """Keep the console's language in a cookie and return to the page (never elsewhere)."""
    back = next if next.startswith(f"{PATH}/") and "\\" not in next else f"{PATH}/"
    response = RedirectResponse(back, status_code=303)
    set_cookie(request, response, LANG_COOKIE, "en" if to == "en" else "zh")
    return response


EVENT_TITLES: dict[str, Words] = {
    "Issued": ("颁发", "Issued"),
    "Surveilled": ("监督", "Surveillance"),
    "ScopeNarrowed": ("缩小认证范围（换发）", "Scope narrowed (reissued)"),
    "ScopeExtended": ("扩大认证范围（换发）", "Scope extended (reissued)"),
    "HolderDetailsChanged": ("获证组织信息变更（换发）", "Holder details changed (reissued)"),
    "LevelChanged": ("级别变更（换发）", "Level changed (reissued)"),
    "Recertified": ("再认证（换发）", "Recertified (reissued)"),
    "Suspended": ("暂停", "Suspended"),
    "Restored": ("恢复", "Restored"),
    "Revoked": ("撤销", "Revoked"),
    "Cancelled": ("注销", "Cancelled"),
    "Expired": ("过期", "Expired"),
    "HolderNotified": ("获证组织通报", "Holder notification"),
    "CaseOpened": ("投诉、申诉或误用立案", "Case opened"),
    "CaseAcknowledged": ("确认收到", "Case acknowledged"),
    "CaseClosed": ("结案", "Case closed"),
    "CorrectiveActionVerified": ("纠正措施验证", "Corrective action verified"),
}
REASON_TEXTS = {  # the rule's full text of a reason code, by the event that cites it
    "Suspended": SUSPENSION_REASONS,
    "Revoked": REVOCATION_REASONS,
    "ScopeNarrowed": NARROWING_REASONS,
}
STEP_FACTS = (  # what a timeline step shows of its event, when the event has it
    ("certificate_no", ("证书编号", "Certificate number")),
    ("restore_deadline", ("恢复期限", "Restore by")),
    ("outcome", ("结论", "Outcome")),
    ("corrective_deadline", ("纠正期限", "Corrective deadline")),
    ("level", ("级别", "Level")),
    ("valid_until", ("有效期至", "Valid until")),
    ("remove_sites", ("删除的场所", "Sites removed")),
    ("add_sites", ("增加的场所", "Sites added")),
    ("summary", ("摘要", "Summary")),
    ("decision", ("决定", "Decision")),
    ("what", ("事项", "What")),
    ("report_ref", ("报告编号", "Report")),
    ("verification_ref", ("验证记录", "Verification")),
    ("approval_ref", ("批准编号", "Approval")),
    ("evaluation_ref", ("评价编号", "Evaluation")),
    ("request_ref", ("申请编号", "Request")),
    ("evidence_ref", ("证据", "Evidence")),
)


@dataclass(frozen=True)
class Step:
    """One event of a certificate's timeline, for staff: what, when, who and why."""

    type: str
    title: Words
    effective_date: str
    recorded_at: str
    actor: str
    reason: str | None  # the code…
    reason_text: str | None  # …and the rule's text of it
    details: str
    facts: list[tuple[Words, str]]


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "；".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("address", "")) or ", ".join(map(str, value.values()))
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def timeline(events: list[AuditEvent]) -> list[Step]:
    steps = []
    for event in events:
        data = event["data"]
        reason = data.get("reason")
        texts = REASON_TEXTS.get(event["type"], {})
        facts = [(label, _shown(data[key])) for key, label in STEP_FACTS if data.get(key)]
        steps.append(
            Step(
                event["type"],
                EVENT_TITLES.get(event["type"], (event["type"], event["type"])),
                event["effective_date"] or "—",
                event["recorded_at"],
                event["actor"],
                reason if isinstance(reason, str) else None,
                texts.get(reason) if isinstance(reason, str) else None,
                str(data.get("details") or ""),
                facts,
            )
        )
    return steps


@dataclass(frozen=True)
class Revision:
    """One printed revision R{RR}: its number, since when, the facts printed on it."""

    certificate_no: str
    since: str
    printed: dict[str, Any]
    current: bool


def revisions(answer: Answer, facts: Sequence[Any]) -> list[Revision]:
    registration = answer["registration_no"]
    last = len(facts) - 1
    return [
        Revision(certificate_no(registration, rr), str(since), printed, rr == last)
        for rr, since, printed in facts
    ]


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
        events = registry.history(no)
        printed = registry.revisions(no, as_of=as_of)
    except (NotFound, InvalidInput) as error:
        return page(request, "error.html", session, 404, detail=error.detail)
    day = (as_of or registry.today()).isoformat()
    shown = [e for e in events if (e["effective_date"] or "") <= day]
    return page(
        request,
        "certificate.html",
        session,
        c=answer,
        history=timeline(shown),
        later=len(events) - len(shown),
        revisions=revisions(answer, printed),
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
