"""The registrar's forms: one per command of the HTTP API, validated by the API's models and
the same registry call; an idempotency key in each form, post/redirect/get on success."""

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api.console.auth import PATH, check_csrf, staff
from api.console.forms import FORMS, ISSUE, CommandForm, locate, parse, resized
from api.console.render import page
from api.deps import RegistryDep
from registry.application import Registry
from registry.errors import InvalidInput, NotFound, RegistryError
from registry.rules.clauses import catalogue
from registry.rules.numbers import parse_number
from registry.sessions import Session

router = APIRouter(prefix=PATH, include_in_schema=False)
Registrar = Annotated[Session, Depends(staff("registrar"))]
HIDDEN = ("csrf", "key", "confirmed")
MAX_FIELDS = 500  # the clause picker alone sends about a hundred


def _render(
    request: Request,
    session: Session,
    spec: CommandForm,
    *,
    no: str | None,
    registry: Registry,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {}
    if no is not None:
        context["c"] = registry.verify(number=no)
    if spec.path == "surveillances" and no is not None:
        covered = _covered_this_cycle(registry, no)
        context["covered"] = covered
        context["clauses"] = catalogue()
        if "clauses" not in values:  # what the cycle's earlier surveillance left (§5.5.3)
            ids = {c.id for c in catalogue()}
            values = {**values, "clauses": sorted(ids - covered) if covered else []}
    action = f"{PATH}/issue" if no is None else f"{PATH}/commands/{spec.path}/{quote(no)}"
    return page(
        request,
        "command.html",
        session,
        status,
        spec=spec,
        action=action,
        values={"key": str(uuid.uuid4()), **values},
        errors=errors or {},
        **context,
    )


def _run(
    registry: Registry,
    spec: CommandForm,
    no: str | None,
    body: dict[str, Any],
    actor: str,
    key: str,
) -> str:
    if no is None:
        answer = registry.issue(actor=actor, idempotency_key=key, **body)
    else:
        assert spec.command != "issue"
        answer = registry.command(spec.command, no, body, actor=actor, idempotency_key=key)
    return str(answer["registration_no"])


def _covered_this_cycle(registry: Registry, no: str) -> set[str]:
    """The clauses the cycle's surveillances so far sampled, as the aggregate counts them."""
    cert = registry.certificate_as_of(parse_number(no).registration_no, registry.today())
    return set() if cert is None else {c for s in cert.cycle_surveillances for c in s.clauses}


def _submit(
    request: Request,
    registry: Registry,
    session: Session,
    spec: CommandForm,
    no: str | None,
    form: FormData,
) -> Response:
    check_csrf(session, str(form.get("csrf", "")))
    spec, values, rows_changed = resized(spec, form)
    args: dict[str, Any] = {"no": no, "registry": registry, "values": values}
    if rows_changed:  # "Add a site" or a row's "Remove": the same form again, nothing recorded
        return _render(request, session, spec, **args)
    key = str(form.get("key", ""))[:200] or str(uuid.uuid4())
    parsed = parse(spec, form)
    if parsed.body is None:
        return _render(request, session, spec, errors=parsed.errors, status=422, **args)
    if spec.confirm and form.get("confirmed") != "yes":
        return page(
            request,
            "confirm.html",
            session,
            spec=spec,
            form=form.multi_items(),
            hidden=HIDDEN,
            c=registry.verify(number=no) if no else None,
            action=request.url.path,
        )
    try:
        registration = _run(registry, spec, no, parsed.body, session.name, key)
    except RegistryError as error:
        where = f" (CESI-SC-OD13 {error.section})" if error.section else ""
        errors = {locate(spec, error.field): f"{error.detail}{where}"}
        return _render(request, session, spec, errors=errors, status=422, **args)
    return RedirectResponse(
        f"{PATH}/certificates/{quote(registration)}?done={spec.path}", status_code=303
    )


def _spec(path: str) -> CommandForm:
    spec = FORMS.get(path)
    if spec is None:
        raise NotFound(f"no command form {path!r}")
    return spec


def _missing(request: Request, session: Session, error: RegistryError) -> Response:
    return page(request, "error.html", session, 404, detail=error.detail)


@router.get("/issue", response_class=HTMLResponse)
def issue_form(request: Request, registry: RegistryDep, session: Registrar) -> Response:
    return _render(request, session, ISSUE, no=None, registry=registry, values={})


@router.post("/issue", response_class=HTMLResponse)
async def issue(request: Request, registry: RegistryDep, session: Registrar) -> Response:
    form = await request.form(max_fields=MAX_FIELDS)
    return await run_in_threadpool(_submit, request, registry, session, ISSUE, None, form)


@router.get("/commands/{path}/{no:path}", response_class=HTMLResponse)
def command_form(
    request: Request, path: str, no: str, registry: RegistryDep, session: Registrar
) -> Response:
    try:
        return _render(request, session, _spec(path), no=no, registry=registry, values={})
    except (NotFound, InvalidInput) as error:
        return _missing(request, session, error)


@router.post("/commands/{path}/{no:path}", response_class=HTMLResponse)
async def command(
    request: Request, path: str, no: str, registry: RegistryDep, session: Registrar
) -> Response:
    form = await request.form(max_fields=MAX_FIELDS)
    try:
        spec = _spec(path)
        return await run_in_threadpool(_submit, request, registry, session, spec, no, form)
    except (NotFound, InvalidInput) as error:
        return _missing(request, session, error)
