"""RFC 9457 problem responses: one table from errors to HTTP statuses, no stack traces."""

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import Send

from api.deps import Forbidden, TooManyFailures, Unauthorized
from registry.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    InvalidInput,
    LifecycleConflict,
    NotFound,
    NotInForce,
    RegistryError,
    RuleViolation,
)
from registry.pdfcert import PdfUnavailable
from registry.readmodels import ReadModelMismatch
from registry.settings import STORAGE_ERRORS
from registry.signing import KeyringError
from registry.x509chain import ChainError

PROBLEM_BASE = "https://certregistry.example/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("api")

STATUS: dict[type[RegistryError], int] = {
    InvalidInput: 422,
    RuleViolation: 422,
    IdempotencyKeyReused: 422,
    LifecycleConflict: 409,
    ConcurrencyConflict: 409,
    NotFound: 404,
    KeyringError: 503,
    NotInForce: 410,
    ChainError: 503,
    PdfUnavailable: 503,
    ReadModelMismatch: 503,
}


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    section: str | None = None
    errors: list[dict[str, str]] | None = None  # 422: every invalid field, `field` the first


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": description}
    for status, description in (
        (400, "A body that cannot be read (not JSON, not UTF-8)"),
        (401, "No or bad bearer token"),
        (403, "The token's role may not do this"),
        (404, "No such certificate"),
        (409, "Lifecycle or concurrency conflict: nothing was recorded"),
        (413, "Request body too large"),
        (429, "Too many public requests, or failed authentications, from this address"),
        (422, "Invalid input, or the rule does not allow it: nothing was recorded"),
    )
}


GONE_RESPONSE: dict[int | str, dict[str, Any]] = {
    410: {
        "model": Problem,
        "content": {MEDIA_TYPE: {}},
        "description": "Revoked, cancelled, expired or superseded: nothing is printed "
        "(the problem names `certificate_status` and `current_certificate_no`)",
    }
}


def problem_body(
    status: int, slug: str, title: str, detail: str, **extra: object
) -> dict[str, object]:
    """The one builder of every RFC 9457 body: routes, handlers and the ASGI guards."""
    body: dict[str, object] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem(status: int, slug: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = problem_body(status, slug, title, detail, **extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def send_problem(
    send: Send,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """Answer a problem from ASGI middleware, before any app or router has run."""
    payload = json.dumps(problem_body(status, slug, title, detail)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def storage_unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("storage unavailable on %s %s: %s", request.method, request.url.path, error)
    reason = (
        str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
    )
    response = problem(
        503,
        "storage-unavailable",
        "The registry's store is unavailable",
        f"nothing was recorded; retry shortly ({reason})",
    )
    response.headers["Retry-After"] = "1"
    return response


def field_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """`body.holder.uscc` → `holder.uscc`: where in the request the value was."""
    parts = [str(part) for part in location]
    return ".".join(parts[1:]) or parts[0]


def install(app: FastAPI) -> None:
    @app.exception_handler(RegistryError)
    async def registry_error(_: Request, error: RegistryError) -> JSONResponse:
        status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
        return problem(
            status, error.slug, error.title, error.detail, section=error.section, field=error.field
        )

    @app.exception_handler(NotInForce)
    async def not_in_force(request: Request, error: NotInForce) -> Response:
        if "text/html" in request.headers.get("accept", ""):  # a person's browser
            from api.pages import gone_page  # the pages import this module's neighbours

            return gone_page(request, error)
        return problem(
            410,
            error.slug,
            error.title,
            error.detail,
            section=error.section,
            certificate_status=error.status,
            current_certificate_no=error.current_certificate_no,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": field_path(item["loc"]), "detail": str(item["msg"])}
            for item in error.errors()
        ]
        return problem(
            422,
            "invalid-input",
            "Invalid input",
            "; ".join(f"{e['field']}: {e['detail']}" for e in errors),
            field=errors[0]["field"],  # the first, as before; `errors` names every one
            errors=errors,
        )

    @app.exception_handler(Unauthorized)
    async def unauthorized(_: Request, error: Unauthorized) -> JSONResponse:
        return problem(401, "unauthorized", "Authentication required", error.detail)

    @app.exception_handler(TooManyFailures)
    async def too_many_failures(_: Request, error: TooManyFailures) -> JSONResponse:
        response = problem(429, "too-many-requests", "Too many requests", error.detail)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return problem(403, "forbidden", "Not allowed for this role", error.detail)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        detail = str(error.detail)
        return problem(error.status_code, f"http-{error.status_code}", detail, detail)

    for storage_error in STORAGE_ERRORS:
        app.add_exception_handler(storage_error, storage_unavailable)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal-error", "Internal error", "the registry failed; see its log")
