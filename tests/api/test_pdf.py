"""GET …/certificate.pdf: the electronic certificate, and the root that verifies it."""

from cryptography import x509

from registry.pdfcert import verify_pdf
from tests.api.conftest import Api

REVOCATION = {"reason": "a", "details": "严重违规", "effective_date": "2026-06-01"}
HOLDER_CHANGE = {"address": "广东省深圳市福田区 2 号", "effective_date": "2026-06-01"}


def test_the_pdf_is_served_as_a_signed_application_pdf(api: Api) -> None:
    no = api.issue()

    response = api.client.get(f"/api/v1/certificates/{no}/certificate.pdf")
    root = api.client.get("/.well-known/pdf-signing-root.pem")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'inline; filename="{no.replace("/", "-")}R00.pdf"'
    )
    verdict = verify_pdf(response.content, x509.load_pem_x509_certificate(root.content))
    assert (verdict.signed, verdict.certificate_no) == (True, f"{no}R00")


def test_the_signing_root_is_published_as_pem(api: Api) -> None:
    response = api.client.get("/.well-known/pdf-signing-root.pem")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-pem-file"
    assert response.content.startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_revoked_certificate_answers_410_naming_the_status_and_the_current_number(
    api: Api,
) -> None:
    no = api.issue()
    assert api.command(no, "revocations", REVOCATION).status_code == 201

    response = api.client.get(f"/api/v1/certificates/{no}/certificate.pdf")

    assert response.status_code == 410
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == (
        f"{no}R00 is revoked (撤销): nothing is printed for it; the current certificate is {no}R00"
    )


def test_a_superseded_revision_answers_410_naming_the_current_number(api: Api) -> None:
    no = api.issue()
    assert api.command(no, "holder-changes", HOLDER_CHANGE).status_code == 201

    response = api.client.get(f"/api/v1/certificates/{no}R00/certificate.pdf")

    assert response.status_code == 410
    assert response.json()["detail"] == (
        f"{no}R00 is superseded (已换发): nothing is printed for it; "
        f"the current certificate is {no}R01"
    )


def test_an_unknown_certificate_answers_404(api: Api) -> None:
    response = api.client.get("/api/v1/certificates/CESI2026EV%2FIMG19999/certificate.pdf")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_html_document_keeps_its_stylesheet(api: Api) -> None:
    response = api.client.get("/static/document.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
