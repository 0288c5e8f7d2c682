"""Open data: the whole register as JSON Lines or CSV, its signed manifest, and the log's
entries in public form (enough to recompute a signed checkpoint's root). No token."""

from collections.abc import Callable, Iterator
from datetime import date
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.deps import AuditDep
from api.problems import PROBLEM_RESPONSES
from registry.errors import InvalidInput
from registry.exports import Exports, Snapshot

router = APIRouter(prefix="/api/v1", tags=["public"], responses=PROBLEM_RESPONSES)
MAX_ENTRIES = 1000  # a page of log entries; a client asks again from where it ended


async def get_exports(request: Request) -> Exports:
    exports: Exports = request.app.state.exports
    return exports


ExportsDep = Annotated[Exports, Depends(get_exports)]


def _headers(snapshot: Snapshot) -> dict[str, str]:
    return {
        "ETag": snapshot.etag,
        "Last-Modified": format_datetime(snapshot.last_modified, usegmt=True),
        "Cache-Control": "public, max-age=60",
        "X-Registry-Checkpoint-Size": str(snapshot.size),
    }


def _export(
    request: Request, exports: Exports, media_type: str, make: Callable[[date], Iterator[bytes]]
) -> Response:
    snapshot = exports.snapshot()
    headers = _headers(snapshot)
    if snapshot.etag in request.headers.get("if-none-match", "").replace(" ", "").split(","):
        return Response(status_code=304, headers=headers)
    return StreamingResponse(make(snapshot.today), media_type=media_type, headers=headers)


@router.get(
    "/exports/certificates.jsonl",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/jsonl": {}}}},
)
def certificates_jsonl(request: Request, exports: ExportsDep) -> Response:
    """Every certificate's verification answer today, one JSON document a line, streamed.
    `ETag` changes with the log and the day; `If-None-Match` answers 304."""
    return _export(request, exports, "application/jsonl", exports.jsonl)


@router.get(
    "/exports/certificates.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def certificates_csv(request: Request, exports: ExportsDep) -> Response:
    """The same as CSV (UTF-8 with a BOM, for Excel); `sites` as JSON."""
    return _export(request, exports, "text/csv; charset=utf-8", exports.csv)


@router.get("/exports/manifest.json", response_class=Response)
def manifest(exports: ExportsDep) -> Response:
    """Each file's row count, bytes and SHA-256, the `etag` it was made for, and the signed
    checkpoint the export reflects. `X-Registry-Signature`: a detached JWS over the body."""
    snapshot = exports.snapshot()
    body, signature = exports.manifest(snapshot)
    headers = _headers(snapshot) | {"X-Registry-Signature": signature}
    return Response(body, media_type="application/json", headers=headers)


@router.get("/log/entries")
def log_entries(
    audit: AuditDep,
    start: Annotated[int, Query(ge=0, le=2**62, description="first leaf index, from 0")],
    end: Annotated[int, Query(ge=0, le=2**62, description="last leaf index, inclusive")],
) -> dict[str, Any]:
    """The log's leaves `start`..`end` in order (as RFC 6962 get-entries; a page holds at
    most 1000): each event without its actor, its `data` unless private (tokens, idempotency
    records), and the `hash` that is its leaf. RFC 9162 §2.1.1 over the hashes of the first
    `size` entries gives the root of the checkpoint of that size."""
    if end < start:
        raise InvalidInput("end is before start", field="end")
    size = audit.sync()
    last = min(end, start + MAX_ENTRIES - 1, size - 1)
    entries = audit.registry.audit_index.public_entries(start, last) if start <= last else []
    return {"entries": entries}
