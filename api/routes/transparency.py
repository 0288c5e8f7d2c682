"""The tamper-evident log: signed checkpoints and RFC 9162 proofs, for anyone to check."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import AuditDep
from api.problems import PROBLEM_RESPONSES
from registry.errors import InvalidInput
from registry.transparency import Checkpoint, Consistency, Inclusion

router = APIRouter(prefix="/api/v1/audit", tags=["public"], responses=PROBLEM_RESPONSES)


MAX_SIZE = 2**62  # beyond any log, within the 64-bit integers SQLite and PostgreSQL hold
Size = Annotated[int | None, Query(ge=1, le=MAX_SIZE)]


# The document declares these as plain JSON objects, as it always has.
@router.get("/checkpoint", response_model=dict[str, Any])
def checkpoint(audit: AuditDep) -> Checkpoint:
    """The latest signed checkpoint `{size, root, timestamp, signature, kid}`: `signature` is a
    detached JWS over the RFC 8785 JSON of `{size, root, timestamp}`. Never a write: the
    server stores and refreshes checkpoints on its own."""
    return audit.current()


@router.get("/proof", response_model=dict[str, Any])
def proof(
    audit: AuditDep,
    position: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None,
    size: Size = None,
    from_size: Size = None,
    to_size: Size = None,
) -> Inclusion | Consistency:
    """`?position=N[&size=M]`: the inclusion proof of the event at position N in the tree of
    M leaves (RFC 9162 §2.1.3); `?from_size=&to_size=`: the consistency proof (§2.1.4)."""
    if position is not None:
        return audit.inclusion(position, size)
    if from_size is not None and to_size is not None:
        return audit.consistency(from_size, to_size)
    raise InvalidInput("ask ?position=N[&size=M] or ?from_size=&to_size=", field="position")
