"""The console's part of the app: its routers, static files and error pages."""

import inspect
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.console import admin, commands, oversight, pages, signin, webhooks
from api.console.auth import PATH, ConsoleForbidden, SignInRequired, current
from api.console.render import page
from api.problems import STATUS, field_path
from registry.application import Registry
from registry.errors import RegistryError
from registry.sessions import Sessions
from registry.settings import Settings
from registry.users import Accounts


def open_sessions(registry: Registry, settings: Settings) -> Sessions:
    accounts = Accounts(registry)
    accounts.prepare_sign_in()  # a server's first sign-in costs what every other one does
    return Sessions(accounts, timedelta(minutes=settings.console_idle_minutes))


def install(app: FastAPI) -> None:
    app.include_router(signin.router)
    app.include_router(commands.router)  # before pages: /certificates/{no:path} is greedy
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(oversight.router)
    app.include_router(webhooks.router)
    app.mount(
        f"{PATH}/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console"
    )

    def api_or_page(exception: type[Exception], status: Callable[[Exception], int]) -> None:
        """A refusal on a console page is a page; elsewhere the API's problem JSON."""
        api_handler = app.exception_handlers[exception]

        async def handler(request: Request, error: Exception) -> Response:
            if not request.url.path.startswith(f"{PATH}/"):
                answer = api_handler(request, error)
                return await answer if inspect.isawaitable(answer) else answer
            return _refusal(request, status(error), _detail(error))

        app.add_exception_handler(exception, handler)

    api_or_page(
        RegistryError,
        lambda error: next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400),
    )
    api_or_page(RequestValidationError, lambda _: 422)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{PATH}/login?next={quote(target)}", status_code=303)

    @app.exception_handler(ConsoleForbidden)
    async def forbidden(request: Request, error: ConsoleForbidden) -> Response:
        return _refusal(request, 403, error.detail)


def _detail(error: Exception) -> str:
    if isinstance(error, RequestValidationError):  # a form's field over its limit, say
        return "; ".join(f"{field_path(e['loc'])}: {e['msg']}" for e in error.errors())
    return str(getattr(error, "detail", error))


def _refusal(request: Request, status: int, detail: str) -> Response:
    """The error page, with the header of whoever is signed in (if anyone)."""
    try:
        session = current(request, request.app.state.sessions)
    except SignInRequired:
        session = None
    return page(request, "error.html", session, status, detail=detail)
