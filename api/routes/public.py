"""Public reads: verification, the §5.4 directory and the clause catalogue. No token."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth import RegistryDep
from api.models import CertificateOut, ClauseOut, Day, DirectoryOut, ReceiptOut
from api.problems import PROBLEM_RESPONSES
from api.routes.audit import AuditDep
from registry.clauses import catalogue

router = APIRouter(prefix="/api/v1", tags=["public"])

Number = Annotated[str | None, Query(max_length=80, description="registration or printed number")]
Oid = Annotated[str | None, Query(max_length=100, description="1.2.156.1.2.CESI…R00")]


@router.get(
    "/verify",
    response_model=CertificateOut | ReceiptOut,
    responses=PROBLEM_RESPONSES,
)
async def verify(
    registry: RegistryDep,
    audit: AuditDep,
    number: Number = None,
    oid: Oid = None,
    as_of: Annotated[Day | None, Query(description="answer as on this day")] = None,
    receipt: Annotated[bool, Query(description="wrap the answer in a signed receipt")] = False,
) -> dict[str, Any]:
    """What the registry says of a certificate today, or on `as_of`. With `receipt=1`: the
    answer, the checkpoint it was read at and the inclusion proof of the certificate's latest
    event, signed together (a detached JWS over their RFC 8785 JSON)."""
    answer = registry.verify(number=number, oid=oid, as_of=as_of)
    return audit.receipt(answer) if receipt else answer


@router.get("/directory", response_model=DirectoryOut, responses=PROBLEM_RESPONSES)
def directory(
    registry: RegistryDep,
    q: Annotated[str, Query(max_length=100, description="part of the organisation's name")] = "",
    uscc: Annotated[str, Query(max_length=18)] = "",
    level: Annotated[int | None, Query(ge=1, le=5)] = None,
    region: Annotated[str, Query(max_length=100, description="part of a site address")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Certificates valid today (§5.4 合格组织名录), newest registration last."""
    return registry.directory(
        q=q, uscc=uscc, level=level, region=region, page=page, page_size=page_size
    )


@router.get("/clauses", response_model=list[ClauseOut])
def clauses() -> list[dict[str, str]]:
    """The clause catalogue of Appendices A and B, with stable ids to sample from."""
    return [vars(clause) for clause in catalogue()]
