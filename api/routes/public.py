"""Public reads: verification, the §5.4 directory and the clause catalogue. No token."""

from datetime import date
from typing import Annotated, Any, cast

import orjson
from fastapi import APIRouter, Query, Request, Response

from api.blocking import read
from api.deps import RegistryDep
from api.hot import hot_get
from api.models import (
    CertificateOut,
    ClauseOut,
    Day,
    DirectoryOut,
    DirectoryStatus,
    NoticesOut,
    NoticeStatus,
    ReceiptOut,
    iso_day,
)
from api.problems import PROBLEM_RESPONSES
from registry.answers import NOTICE_STATUSES
from registry.application import DirectoryPage, NoticePage
from registry.errors import InvalidInput
from registry.rules.clauses import catalogue

router = APIRouter(prefix="/api/v1", tags=["public"])


# The hottest route (api/hot.py): the query is read by hand and the answer serialised once.
VERIFY_PARAMETERS = [
    {
        "name": "number",
        "in": "query",
        "schema": {"type": "string", "maxLength": 80},
        "description": "registration or printed certificate number",
    },
    {
        "name": "oid",
        "in": "query",
        "schema": {"type": "string", "maxLength": 100},
        "description": "1.2.156.1.2.CESI…R00, with or without the blank",
    },
    {
        "name": "as_of",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "answer as on this day (YYYY-MM-DD)",
    },
    {
        "name": "receipt",
        "in": "query",
        "schema": {"type": "boolean", "default": False},
        "description": "wrap the answer in a signed receipt",
    },
]
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@hot_get(
    router,
    "/verify",
    response_model=None,
    responses={200: {"model": CertificateOut | ReceiptOut}, **PROBLEM_RESPONSES},
    openapi_extra={"parameters": VERIFY_PARAMETERS},
)
async def verify(request: Request) -> Response:
    """What the registry says of a certificate today, or on `as_of`. With `receipt=1`: the
    answer, the checkpoint it was read at and the inclusion proof of the certificate's latest
    event, signed together (a detached JWS over their RFC 8785 JSON)."""
    query = request.query_params
    number, oid = _text(query, "number", 80), _text(query, "oid", 100)
    as_of = None
    if "as_of" in query:
        try:
            as_of = cast(date, iso_day(query["as_of"]))
        except ValueError as error:
            raise InvalidInput(f"as_of: {error}", field="as_of") from None
    receipt = query.get("receipt", "").lower()
    if receipt not in TRUE + FALSE:
        raise InvalidInput("receipt is true or false", field="receipt")
    state = request.app.state
    answer = await read(
        state.registry,
        state.registry.verify,
        number=number,
        oid=oid,
        as_of=as_of,
        from_events=receipt in TRUE,  # a signed answer comes from the events themselves
    )
    body = state.audit.receipt(answer) if receipt in TRUE else answer
    return Response(orjson.dumps(body), media_type="application/json")


def _text(query: Any, name: str, limit: int) -> str | None:
    value: str | None = query.get(name)
    if value is not None and len(value) > limit:
        raise InvalidInput(f"{name} is longer than {limit} characters", field=name)
    return value


@router.get("/directory", response_model=DirectoryOut, responses=PROBLEM_RESPONSES)
def directory(
    registry: RegistryDep,
    q: Annotated[
        str,
        Query(
            max_length=100,
            description="a registration or printed number, an OID, a USCC or part of the "
            "holder's name (NFKC: full-width input is read as typed on a half-width keyboard)",
        ),
    ] = "",
    status: Annotated[
        DirectoryStatus | None, Query(description="the status today; in_force: valid or suspended")
    ] = None,
    uscc: Annotated[str, Query(max_length=18)] = "",
    level: Annotated[int | None, Query(ge=1, le=5)] = None,
    region: Annotated[str, Query(max_length=100, description="part of a site address")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DirectoryPage:
    """Certificates of every status (§5.4 合格组织名录, §6.3.3), each with its status today,
    in registration order, paged with the total count."""
    return registry.directory(
        q=q,
        status=status or "",
        uscc=uscc,
        level=level,
        region=region,
        page=page,
        page_size=page_size,
    )


@router.get("/notices", response_model=NoticesOut, responses=PROBLEM_RESPONSES)
def notices(
    registry: RegistryDep,
    status: Annotated[NoticeStatus | None, Query(description="one kind of notice only")] = None,
    from_: Annotated[Day | None, Query(alias="from", description="first day (since)")] = None,
    to: Annotated[Day | None, Query(description="last day (since)")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> NoticePage:
    """The §6.3.3 public notice list: certificates suspended, revoked or cancelled today,
    with the date, the reason's text and the restore deadline; newest first."""
    return registry.notices(
        statuses=(status,) if status else NOTICE_STATUSES,
        since_from=from_,
        since_to=to,
        page=page,
        page_size=page_size,
    )


@router.get("/clauses", response_model=list[ClauseOut])
def clauses() -> list[dict[str, str]]:
    """The clause catalogue of Appendices A and B, with stable ids to sample from."""
    return [vars(clause) for clause in catalogue()]
