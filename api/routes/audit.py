"""The tamper-evident log: signed checkpoints and RFC 9162 proofs, for anyone to check."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from api.problems import PROBLEM_RESPONSES
from registry.audit import AuditLog
from registry.errors import InvalidInput

router = APIRouter(prefix="/api/v1/audit", tags=["public"], responses=PROBLEM_RESPONSES)


async def get_audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


AuditDep = Annotated[AuditLog, Depends(get_audit)]
MAX_SIZE = 2**62  # beyond any log, within the 64-bit integers SQLite and PostgreSQL hold
Size = Annotated[int | None, Query(ge=1, le=MAX_SIZE)]


@router.get("/checkpoint")
def checkpoint(audit: AuditDep) -> dict[str, Any]:
    """The latest signed checkpoint `{size, root, timestamp, signature, kid}`: `signature` is a
    detached JWS over the RFC 8785 JSON of `{size, root, timestamp}`. Never a write: the
    server stores and refreshes checkpoints on its own."""
    return audit.current()


@router.get("/proof")
def proof(
    audit: AuditDep,
    position: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None,
    size: Size = None,
    from_size: Size = None,
    to_size: Size = None,
) -> dict[str, Any]:
    """`?position=N[&size=M]`: the inclusion proof of the event at position N in the tree of
    M leaves (RFC 9162 §2.1.3); `?from_size=&to_size=`: the consistency proof (§2.1.4)."""
    if position is not None:
        return audit.inclusion(position, size)
    if from_size is not None and to_size is not None:
        return audit.consistency(from_size, to_size)
    raise InvalidInput("ask ?position=N[&size=M] or ?from_size=&to_size=", field="position")
