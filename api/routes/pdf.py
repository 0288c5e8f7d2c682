"""The electronic certificate (a signed PDF), the root that verifies it, the document's style."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from api.blocking import read
from api.hot import CACHE, NO, hot_get
from api.problems import MEDIA_TYPE, PROBLEM_RESPONSES, Problem
from registry.pdfcert import TEMPLATES, PdfCertificates
from registry.x509chain import ROOT_CERTIFICATE, root_certificate

GONE: dict[int | str, dict[str, Any]] = {
    410: {
        "model": Problem,
        "content": {MEDIA_TYPE: {}},
        "description": "Not in force (revoked, cancelled, expired) or a superseded revision: "
        "not printed; the problem names the status and the current number",
    }
}
ROOT_PATH = "/.well-known/pdf-signing-root.pem"
router = APIRouter(tags=["public"], responses=PROBLEM_RESPONSES | GONE)


@hot_get(
    router,
    "/api/v1/certificates/{no:path}/certificate.pdf",
    rank=1,  # after verify and the QR images, asked far more often
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    openapi_extra={"parameters": [NO]},
)
async def certificate_pdf(request: Request) -> Response:
    """The electronic certificate: Appendix C as a PDF signed with PAdES (Ed25519), which any
    PDF reader checks against the root at /.well-known/pdf-signing-root.pem."""
    state = request.app.state
    answer = await read(state.registry, state.registry.verify, number=request.path_params["no"])
    pdfs: PdfCertificates = state.pdfs
    pdf = pdfs.cached(answer)
    if pdf is None:  # rendering and signing take tens of milliseconds: off the event loop
        pdf = await run_in_threadpool(pdfs.pdf, answer)
    name = answer["current_certificate_no"].replace("/", "-")
    headers = {**CACHE, "Content-Disposition": f'inline; filename="{name}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get(ROOT_PATH, response_class=Response)
def pdf_signing_root(request: Request) -> Response:
    """The root certificate of the registry's document-signing chain (PEM): trust it in a PDF
    reader, or pass it to `registry verify-pdf --trust`."""
    folder = request.app.state.keys.folder
    root_certificate(folder)  # a clear 503 when the keyring has no root yet
    return FileResponse(folder / ROOT_CERTIFICATE, media_type="application/x-pem-file")


@router.get("/static/document.css", include_in_schema=False)
def document_css() -> FileResponse:
    """The certificate's style lives beside its template, shared by the HTML and the PDF."""
    return FileResponse(TEMPLATES / "document.css", media_type="text/css")
