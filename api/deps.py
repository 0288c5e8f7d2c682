"""The API's one seam: every dependency alias a route may ask for (the registry, the keys,
the tamper-evident log, the roles) lives here, and routers import them from here only.
Roles: 401 without a live token, 403 with the wrong role."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from registry.application import Registry
from registry.signing import Keys
from registry.tokens import Principal, authenticate
from registry.transparency import AuditLog


class Unauthorized(Exception):
    def __init__(self, detail: str):
        self.detail = detail


class Forbidden(Exception):
    def __init__(self, detail: str):
        self.detail = detail


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


RegistryDep = Annotated[Registry, Depends(get_registry)]
KeysDep = Annotated[Keys, Depends(get_keys)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]


def require(*roles: str) -> Callable[..., Principal]:
    def principal(
        registry: RegistryDep,
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send Authorization: Bearer TOKEN (see `registry token create`)")
        who = authenticate(registry, token.strip())
        if who is None:
            raise Unauthorized("the bearer token is unknown or revoked")
        if who.role not in roles:
            raise Forbidden(f"this needs the {' or '.join(roles)} role; {who.name} is {who.role}")
        return who

    return principal


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
