"""The API's one seam: every dependency alias a route may ask for (the registry, the keys,
the tamper-evident log, the roles) lives here, and routers import them from here only.
Roles: 401 without a live token, 403 with the wrong role."""

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from registry.application import Registry
from registry.signing import Keys
from registry.tokens import Principal, authenticate
from registry.transparency import AuditLog

if TYPE_CHECKING:
    from api.ratelimit import AuthFailures

log = logging.getLogger("registry.auth")


class Unauthorized(Exception):
    def __init__(self, detail: str):
        self.detail = detail


class Forbidden(Exception):
    def __init__(self, detail: str):
        self.detail = detail


class TooManyFailures(Exception):
    """Raised before a credential is looked at: 429 with Retry-After."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        self.detail = f"too many failed authentications from this address; retry in {retry_after} s"


async def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


# Dependencies that read app.state are async: a plain def would hop to the threadpool.
async def get_keys(request: Request) -> Keys:
    keys: Keys = request.app.state.keys
    return keys


async def get_audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


async def get_reports_dir(request: Request) -> Path:
    folder: Path = request.app.state.reports_dir
    return folder


RegistryDep = Annotated[Registry, Depends(get_registry)]
ReportsDir = Annotated[Path, Depends(get_reports_dir)]
KeysDep = Annotated[Keys, Depends(get_keys)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]


# Declared as an HTTP bearer scheme so that /docs offers "Authorize"; refusals stay ours.
BEARER = HTTPBearer(
    auto_error=False, description="a token printed by `registry token create --role …`"
)


def require(*roles: str) -> Callable[..., Principal]:
    def principal(
        request: Request,
        registry: RegistryDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    ) -> Principal:
        failures: AuthFailures = request.app.state.auth_failures
        if (wait := failures.retry_after(client_address(request))) is not None:
            raise TooManyFailures(wait)  # before any token is looked at: no guessing
        token = credentials.credentials.strip() if credentials else ""
        if not token:
            raise Unauthorized("send Authorization: Bearer TOKEN (see `registry token create`)")
        who = authenticate(registry, token)
        if who is None:
            _failed(request, registry, "unknown or revoked token")
            failures.failed(client_address(request))
            raise Unauthorized("the bearer token is unknown or revoked")
        if who.role not in roles:
            _failed(request, registry, f"{who.name} ({who.role}) lacks the {'/'.join(roles)} role")
            raise Forbidden(f"this needs the {' or '.join(roles)} role; {who.name} is {who.role}")
        return who

    return principal


def client_address(request: Request) -> str:
    """The peer, or the address a trusted proxy (REGISTRY_TRUSTED_PROXIES) names."""
    return request.client.host if request.client else "unknown"


def _failed(request: Request, registry: Registry, why: str) -> None:
    """A refused credential, with where and when it came from (never the token itself)."""
    log.warning(
        "authentication failed from %s at %s on %s %s: %s",
        client_address(request),
        registry.clock().isoformat(),
        request.method,
        request.url.path,
        why,
    )


Registrar = Annotated[Principal, Depends(require("registrar"))]
Auditor = Annotated[Principal, Depends(require("auditor"))]
# A registrar needs a certificate's history: a cycle's second surveillance covers what the
# first did not (§5.5.3).
HistoryReader = Annotated[Principal, Depends(require("auditor", "registrar"))]
Regulator = Annotated[Principal, Depends(require("regulator"))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying with the same key returns the first answer and appends nothing.",
    ),
]
