"""The monthly reports made (§6.3.3): the list, and each report's files, for the regulator."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from api.deps import RegistryDep, Regulator
from api.problems import PROBLEM_RESPONSES
from registry.errors import InvalidInput, NotFound
from registry.regulator_reports import FORMATS, monthly_reports, report_file

router = APIRouter(prefix="/api/v1/regulator", tags=["regulator"], responses=PROBLEM_RESPONSES)
PREFIX = "/api/v1/regulator/reports/monthly/"


async def get_reports_dir(request: Request) -> Path:
    folder: Path = request.app.state.reports_dir
    return folder


ReportsDir = Annotated[Path, Depends(get_reports_dir)]


@router.get("/reports/monthly")
def monthly(registry: RegistryDep, folder: ReportsDir, _: Regulator) -> list[dict[str, Any]]:
    """Every monthly report made: period, when, how many changes, the log position it was
    bounded by, its manifest's SHA-256 and signature (a detached JWS over the manifest),
    and a link to each of its files."""
    listed = monthly_reports(registry, folder)
    for report in listed:
        report["files"] = {f: f"{PREFIX}{report['month']}.{f}" for f in report["formats"]}
    return listed


@router.get(
    "/reports/monthly/{name}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in FORMATS.values()}}},
)
def monthly_file(name: str, folder: ReportsDir, _: Regulator) -> Response:
    """`2026-11.csv`, `.json`, `.xlsx` or `.manifest.json`: the file as made, with its
    detached JWS in `X-Registry-Signature`."""
    month, dot, fmt = name.partition(".")
    if not dot:
        raise InvalidInput("name is MONTH.FORMAT, e.g. 2026-11.csv", field="name")
    path = report_file(folder, month, fmt)
    if path is None:
        raise NotFound(f"no {fmt} report of {month} in this server's reports folder")
    signature = path.with_name(path.name + ".jws")
    return Response(
        path.read_bytes(),
        media_type=FORMATS.get(fmt, "application/json"),
        headers={
            "X-Registry-Signature": signature.read_text().strip() if signature.exists() else "",
            "Content-Disposition": f'attachment; filename="{path.name}"',
        },
    )
