"""The administrator's pages: people (create, roles, disable, reset a password), API tokens
(create, shown once; revoke) and signing keys (rotate, retire, mark compromised), each
irreversible change confirmed first."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.auth import PATH, Admin, SessionsDep, check_csrf
from api.console.render import page
from api.deps import KeysDep, RegistryDep
from registry.aggregates.api_token import ROLES as TOKEN_ROLES
from registry.aggregates.user import ROLES
from registry.errors import RegistryError
from registry.tokens import create_token, list_tokens, revoke_tokens

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


@router.post("/users/{name}/roles", response_class=HTMLResponse)
def change_roles(
    request: Request,
    name: str,
    sessions: SessionsDep,
    session: Admin,
    roles: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006 (FastAPI copies it)
    csrf: Csrf = "",
) -> Response:
    check_csrf(session, csrf)
    try:
        sessions.accounts.change_roles(name, roles, actor=session.name)
    except RegistryError as error:
        return _users_page(request, sessions, session, 422, error=f"{name}: {error.detail}")
    return RedirectResponse(f"{PATH}/admin/users", status_code=303)


@router.get("/tokens", response_class=HTMLResponse)
def tokens(
    request: Request, registry: RegistryDep, sessions: SessionsDep, session: Admin
) -> Response:
    return _tokens_page(request, registry, sessions, session)


def _tokens_page(
    request: Request,
    registry: RegistryDep,
    sessions: SessionsDep,
    session: Admin,
    status: int = 200,
    **context: object,
) -> Response:
    people = [u for u in sessions.accounts.listing() if not u.disabled]
    return page(
        request,
        "tokens.html",
        session,
        status,
        tokens=list_tokens(registry),
        roles=TOKEN_ROLES,
        people=[u for u in people if set(u.roles) & set(TOKEN_ROLES)],
        **context,
    )


@router.post("/tokens", response_class=HTMLResponse)
def create(
    request: Request,
    registry: RegistryDep,
    sessions: SessionsDep,
    session: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    user: Annotated[str, Form(max_length=200)] = "",
    csrf: Csrf = "",
) -> Response:
    check_csrf(session, csrf)
    try:
        token = create_token(registry, name=name, role=role, actor=session.name, user=user or None)
    except RegistryError as error:
        return _tokens_page(
            request,
            registry,
            sessions,
            session,
            422,
            error=error.detail,
            field=error.field,
            name=name,
            chosen_role=role,
            chosen_user=user,
        )
    return _tokens_page(request, registry, sessions, session, 201, created=name, token=token)


@router.post("/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    token_id: str,
    registry: RegistryDep,
    session: Admin,
    confirmed: Annotated[str, Form(max_length=3)] = "",
    csrf: Csrf = "",
) -> Response:
    check_csrf(session, csrf)
    if confirmed != "yes":
        return _confirm(
            request,
            session,
            f"撤销令牌 Revoke token {token_id}",
            "使用该令牌的程序将立即失去访问权限 · Programs using it lose access at once",
        )
    revoke_tokens(registry, token_id, actor=session.name)
    return RedirectResponse(f"{PATH}/admin/tokens", status_code=303)


TOKEN_REVOKED = "使用该令牌的程序将立即失去访问权限 · Programs using it lose access at once"


def _confirm(
    request: Request, session: Admin, title: str, consequence: str, kid: str = ""
) -> Response:
    return page(
        request,
        "admin_confirm.html",
        session,
        title=title,
        consequence=consequence,
        action=request.url.path,
        kid=kid,
    )


@router.get("/keys", response_class=HTMLResponse)
def keys_page(request: Request, keys: KeysDep, session: Admin) -> Response:
    return page(request, "keys.html", session, keys=keys.listing())


KEY_ACTIONS = {
    "rotate": "新密钥开始签名，旧密钥退役（仍可验证） · A new key signs; the old one retires "
    "and still verifies",
    "retire": "该密钥停止签名，仍可验证旧二维码 · The key stops signing; its codes still verify",
    "compromised": "该密钥签发的所有二维码立即验证失败 · Every code the key signed fails at once",
}


@router.post("/keys/{action}", response_class=HTMLResponse)
def key_action(
    request: Request,
    action: str,
    keys: KeysDep,
    session: Admin,
    kid: Annotated[str, Form(max_length=100)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
    csrf: Csrf = "",
) -> Response:
    check_csrf(session, csrf)
    if action not in KEY_ACTIONS:
        return page(request, "error.html", session, 404, detail=f"no key action {action!r}")
    if confirmed != "yes":
        return _confirm(request, session, f"{action} {kid}".strip(), KEY_ACTIONS[action], kid)
    if action == "rotate":
        keys.generate(rotate=True)
    elif action == "retire":
        keys.retire(kid)
    else:
        keys.compromise(kid)
    return RedirectResponse(f"{PATH}/admin/keys", status_code=303)
