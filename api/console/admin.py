"""The administrator's pages: people (create, disable, reset a password)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.console.auth import PATH, Admin, SessionsDep, check_csrf
from api.console.render import page
from registry.aggregates.user import ROLES
from registry.errors import RegistryError

router = APIRouter(prefix=f"{PATH}/admin", include_in_schema=False)

Csrf = Annotated[str, Form(max_length=256)]


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, sessions: SessionsDep, session: Admin) -> Response:
    return _users_page(request, sessions, session)


def _users_page(
    request: Request, sessions: SessionsDep, session: Admin, status: int = 200, **context: object
) -> Response:
    return page(
        request,
        "users.html",
        session,
        status,
        users=sessions.accounts.listing(),
        roles=ROLES,
        **context,
    )


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    sessions: SessionsDep,
    session: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    roles: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006 (FastAPI copies it)
    csrf: Csrf = "",
) -> Response:
    check_csrf(session, csrf)
    try:
        password = sessions.accounts.create(name, roles, actor=session.name)
    except RegistryError as error:
        return _users_page(
            request,
            sessions,
            session,
            422,
            error=error.detail,
            field=error.field,
            name=name,
            chosen=roles,
        )
    return _users_page(request, sessions, session, 201, created=name, password=password)


@router.post("/users/{name}/disable", response_class=HTMLResponse)
def disable_user(
    request: Request, name: str, sessions: SessionsDep, session: Admin, csrf: Csrf = ""
) -> Response:
    check_csrf(session, csrf)
    sessions.accounts.disable(name, actor=session.name)
    return _users_page(request, sessions, session, notice=f"{name}: 已停用 · disabled")


@router.post("/users/{name}/password", response_class=HTMLResponse)
def reset_password(
    request: Request, name: str, sessions: SessionsDep, session: Admin, csrf: Csrf = ""
) -> Response:
    check_csrf(session, csrf)
    password = sessions.accounts.set_password(name, actor=session.name)
    return _users_page(request, sessions, session, created=name, password=password)
