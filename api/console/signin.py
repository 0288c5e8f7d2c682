"""Signing in (password, and the second factor when the user has one), out, and TOTP set-up."""

import logging
import re
from typing import Annotated

import pyotp
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.auth import (
    COOKIE,
    LOGIN_CSRF,
    PATH,
    ConsoleForbidden,
    SessionsDep,
    Signed,
    check_csrf,
    login_csrf,
    set_cookie,
)
from api.console.render import page
from api.deps import client_address
from api.ratelimit import AuthFailures
from registry.users import Locked

router = APIRouter(prefix=PATH, include_in_schema=False)
log = logging.getLogger("registry.console")

Field = Annotated[str, Form(max_length=256)]
NAME_FIELD = Annotated[str, Form(max_length=64)]


def _safe_next(target: str) -> str:
    """Only back into the console: never an open redirect."""
    return target if target.startswith(f"{PATH}/") and not target.startswith("//") else f"{PATH}/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str, Query(max_length=500)] = "") -> Response:
    csrf = login_csrf(request)
    response = page(request, "login.html", csrf=csrf, next=_safe_next(next), name="")
    set_cookie(request, response, LOGIN_CSRF, csrf)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    sessions: SessionsDep,
    name: NAME_FIELD = "",
    password: Field = "",
    code: Annotated[str, Form(max_length=10)] = "",
    csrf: Field = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not csrf or not expected or csrf != expected:
        raise ConsoleForbidden(
            "表单缺少有效的 CSRF 令牌 · The form's CSRF token is missing or wrong"
        )
    accounts = sessions.accounts
    failures: AuthFailures = request.app.state.auth_failures
    address = client_address(request)

    def refused(error: str, status: int) -> Response:
        return page(
            request,
            "login.html",
            status=status,
            csrf=expected,
            next=_safe_next(next),
            name=name,
            error=error,
        )

    if (wait := failures.retry_after(address)) is not None:  # before any password is checked
        response = refused(
            f"尝试过多，请 {wait} 秒后再试 · Too many failed sign-ins: retry in {wait} s", 429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        user = accounts.sign_in(name, password)
    except Locked as locked:
        return refused(f"账户已暂时锁定 · {locked.detail}", 429)
    if user is not None and user.totp_secret is not None:
        at = accounts.registry.clock()
        if not pyotp.TOTP(user.totp_secret).verify(code.strip(), for_time=at, valid_window=1):
            accounts.failed(name)
            user = None
    if user is None:
        failures.failed(address)
        log.warning(
            "console sign-in failed from %s at %s for %r",
            address,
            accounts.registry.clock().isoformat(),
            name,
        )
        return refused("用户名、密码或验证码错误 · Wrong user name, password or code", 401)
    log.info("console sign-in by %s", user.name)
    target = f"{PATH}/totp" if "admin" in user.roles and user.totp_secret is None else next
    response = RedirectResponse(_safe_next(target), status_code=303)
    set_cookie(request, response, COOKIE, sessions.start(user))
    response.delete_cookie(LOGIN_CSRF, path=PATH)
    return response


@router.post("/logout")
def logout(request: Request, sessions: SessionsDep, session: Signed, csrf: Field = "") -> Response:
    check_csrf(session, csrf)
    sessions.end(request.cookies.get(COOKIE, ""))
    response = RedirectResponse(f"{PATH}/login", status_code=303)
    response.delete_cookie(COOKIE, path=PATH)
    return response


@router.get("/totp", response_class=HTMLResponse)
def totp_form(request: Request, session: Signed) -> Response:
    secret = pyotp.random_base32()
    return page(request, "totp.html", session, secret=secret, uri=_uri(session.name, secret))


@router.post("/totp", response_class=HTMLResponse)
def totp_enrol(
    request: Request,
    sessions: SessionsDep,
    session: Signed,
    secret: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=10)] = "",
    password: Field = "",
    csrf: Field = "",
) -> Response:
    """Setting (or replacing) the second factor asks for the password: a session alone,
    borrowed or stolen, cannot change how its owner signs in."""
    check_csrf(session, csrf)
    at = sessions.accounts.registry.clock()
    valid = re.fullmatch("[A-Z2-7]{32}", secret) is not None and pyotp.TOTP(secret).verify(
        code.strip(), for_time=at
    )
    if valid and sessions.accounts.sign_in(session.name, password) is None:
        valid = False
    if not valid:
        return page(
            request,
            "totp.html",
            session,
            422,
            secret=secret,
            uri=_uri(session.name, secret),
            error="密码或验证码不正确 · The password or the code does not match",
        )
    sessions.accounts.enrol_totp(session.name, secret)
    return RedirectResponse(f"{PATH}/", status_code=303)


def _uri(name: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="certregistry")
