"""RFC 9457 problem responses: one table from domain errors to HTTP statuses."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from registry.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    InvalidInput,
    LifecycleConflict,
    NotFound,
    RegistryError,
    RuleViolation,
)

PROBLEM_BASE = "https://certregistry.example/problems/"
MEDIA_TYPE = "application/problem+json"

STATUS: dict[type[RegistryError], int] = {
    InvalidInput: 422,
    RuleViolation: 422,
    IdempotencyKeyReused: 422,
    LifecycleConflict: 409,
    ConcurrencyConflict: 409,
    NotFound: 404,
}


def problem(status: int, slug: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    @app.exception_handler(RegistryError)
    async def registry_error(_: Request, error: RegistryError) -> JSONResponse:
        status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
        return problem(
            status, error.slug, error.title, error.detail, section=error.section, field=error.field
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"][1:]) or None
        return problem(422, "invalid-input", "Invalid input", str(first["msg"]), field=field)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        return problem(
            error.status_code, f"http-{error.status_code}", str(error.detail), str(error.detail)
        )
