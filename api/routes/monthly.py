"""The monthly reports made (§6.3.3): the list, and each report's files, for the regulator."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response

from api.deps import RegistryDep, Regulator, ReportsDir
from api.problems import PROBLEM_RESPONSES
from registry.errors import InvalidInput, NotFound
from registry.regulator_reports import FORMATS, monthly_reports, report_file

router = APIRouter(prefix="/api/v1/regulator", tags=["regulator"], responses=PROBLEM_RESPONSES)
PREFIX = "/api/v1/regulator/reports/monthly/"


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
    detached JWS in `X-Registry-Signature`; any of them with `.jws` added: that signature
    as a file of its own."""
    return made_file(folder, name)


def made_file(folder: Path, name: str) -> Response:
    """A monthly report's file as made, or (NAME.jws) its detached signature."""
    unsigned = name.removesuffix(".jws")
    month, dot, fmt = unsigned.partition(".")
    if not dot:
        raise InvalidInput("name is MONTH.FORMAT, e.g. 2026-11.csv", field="name")
    path = report_file(folder, month, fmt)
    signature = None if path is None else path.with_name(path.name + ".jws")
    signed = signature.read_text().strip() if signature and signature.exists() else ""
    if path is None or signature is None or (unsigned != name and not signed):
        raise NotFound(f"no {name} of {month}'s report in this server's reports folder")
    if unsigned != name:
        return Response(
            signed + "\n",
            media_type="application/jose",
            headers={"Content-Disposition": f'attachment; filename="{signature.name}"'},
        )
    return Response(
        path.read_bytes(),
        media_type=FORMATS.get(fmt, "application/json"),
        headers={
            "X-Registry-Signature": signed,
            "Content-Disposition": f'attachment; filename="{path.name}"',
        },
    )
