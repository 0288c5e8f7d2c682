"""The console's templates and its one way to render a page."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from registry.sessions import Session

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def page(
    request: Request,
    template: str,
    session: Session | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, {"session": session, **context}, status_code=status
    )
