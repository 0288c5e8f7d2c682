"""The console's part of the app: its routers, static files and error pages."""

import inspect
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.console import admin, commands, oversight, pages, signin, webhooks
from api.console.auth import PATH, ConsoleForbidden, SignInRequired, current
from api.console.render import page
from api.problems import STATUS
from registry.application import Registry
from registry.errors import RegistryError
from registry.sessions import Sessions
from registry.settings import Settings
from registry.users import Accounts


def open_sessions(registry: Registry, settings: Settings) -> Sessions:
    return Sessions(Accounts(registry), timedelta(minutes=settings.console_idle_minutes))


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

    api_error = app.exception_handlers[RegistryError]

    @app.exception_handler(RegistryError)
    async def registry_error(request: Request, error: RegistryError) -> Response:
        """A refusal on a console page is a page; elsewhere the API's problem JSON."""
        if not request.url.path.startswith(f"{PATH}/"):
            answer = api_error(request, error)
            return await answer if inspect.isawaitable(answer) else answer
        try:
            session = current(request, request.app.state.sessions)
        except SignInRequired:
            session = None
        status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
        return page(request, "error.html", session, status, detail=error.detail)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{PATH}/login?next={quote(target)}", status_code=303)

    @app.exception_handler(ConsoleForbidden)
    async def forbidden(request: Request, error: ConsoleForbidden) -> Response:
        try:
            session = current(request, request.app.state.sessions)
        except SignInRequired:
            session = None
        return page(request, "error.html", session, 403, detail=error.detail)
