"""Who is signed in to the console: the session cookie, the CSRF check, the role guards."""

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Response

from registry.sessions import Session, Sessions

COOKIE = "registry_session"
LOGIN_CSRF = "registry_login_csrf"  # double-submit token of the sign-in form (no session yet)
PATH = "/console"


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page."""


class ConsoleForbidden(Exception):
    def __init__(self, detail: str):
        self.detail = detail


async def get_sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


SessionsDep = Annotated[Sessions, Depends(get_sessions)]


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """HttpOnly, SameSite=Strict, Secure when served over HTTPS, for the console only."""
    response.set_cookie(
        name,
        value,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def login_csrf(request: Request) -> str:
    return request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(32)


def current(request: Request, sessions: SessionsDep) -> Session:
    session = sessions.resume(request.cookies.get(COOKIE, ""))
    if session is None:
        raise SignInRequired
    return session


def staff(*roles: str) -> Callable[..., Session]:
    def guard(session: Annotated[Session, Depends(current)]) -> Session:
        if not session.holds(*roles):
            raise ConsoleForbidden(
                f"此页面需要 {' / '.join(roles)} 角色 · This page needs the "
                f"{' or '.join(roles)} role; {session.name} holds {', '.join(session.roles)}"
            )
        if "admin" in session.roles and not session.totp:
            raise ConsoleForbidden(
                "管理员须先设置两步验证 · An administrator sets up a second factor first: "
                "/console/totp"
            )
        return session

    return guard


def check_csrf(session: Session, token: str) -> None:
    if not token or not session.csrf_matches(token):
        raise ConsoleForbidden(
            "表单缺少有效的 CSRF 令牌 · The form's CSRF token is missing or wrong"
        )


AnyStaff = Annotated[Session, Depends(staff("registrar", "auditor", "regulator", "admin"))]
Admin = Annotated[Session, Depends(staff("admin"))]
Signed = Annotated[Session, Depends(current)]
