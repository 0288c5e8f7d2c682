"""Not in force, not printed: the document and QR images only for a certificate in force."""

import pytest

from tests.api.conftest import SUSPENSION, Api

REVOCATION = {"reason": "b", "details": "监督发现严重不符合", "effective_date": "2026-07-01"}
CANCELLATION = {"effective_date": "2026-08-01", "request_ref": "REQ-1"}
HOLDER_CHANGE = {"address": "广东省深圳市福田区 9 号", "effective_date": "2026-08-01"}
PRINTED = ("document", "qr.png", "qr.svg")


def ended(api: Api, how: str) -> str:
    """A certificate revoked, cancelled or expired (decided 2023-11-20: ended 2026-11-20)."""
    if how == "expired":
        return api.issue(decision_date="2023-11-20")
    no = api.issue()
    if how == "revoked":
        api.command(no, "revocations", REVOCATION)
    else:
        api.command(no, "cancellations", CANCELLATION)
    return no


@pytest.mark.parametrize("printed", PRINTED)
@pytest.mark.parametrize("how", ["revoked", "cancelled", "expired"])
def test_an_ended_certificate_is_not_printed_410_naming_its_status(
    api: Api, how: str, printed: str
) -> None:
    no = ended(api, how)

    response = api.client.get(f"/api/v1/certificates/{no}/{printed}")

    assert response.status_code == 410
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/not-in-force")
    assert problem["certificate_status"] == how
    assert problem["current_certificate_no"] == f"{no}R00"
    assert how in problem["detail"]


@pytest.mark.parametrize("printed", PRINTED)
def test_a_superseded_revision_is_not_printed_410_naming_the_current_number(
    api: Api, printed: str
) -> None:
    no = api.issue()
    api.command(no, "holder-changes", HOLDER_CHANGE)

    old = api.client.get(f"/api/v1/certificates/{no}R00/{printed}")
    current = api.client.get(f"/api/v1/certificates/{no}R01/{printed}")

    assert old.status_code == 410
    assert (old.json()["certificate_status"], old.json()["current_certificate_no"]) == (
        "superseded",
        f"{no}R01",
    )
    assert current.status_code == 200


def test_a_browser_asking_for_a_revoked_document_gets_a_page_in_its_language(api: Api) -> None:
    no = ended(api, "revoked")
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    zh = api.client.get(f"/api/v1/certificates/{no}/document", headers=browser)
    en = api.client.get(f"/api/v1/certificates/{no}/document?lang=en", headers=browser)

    assert zh.status_code == en.status_code == 410
    assert zh.headers["content-type"].startswith("text/html")
    assert 'data-status="revoked"' in zh.text
    assert "该证书不再提供打印件和二维码" in zh.text
    assert f"{no}R00" in zh.text
    assert "The certificate is Revoked" in en.text


def test_a_suspended_certificate_is_printed_marked_suspended(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    document = api.client.get(f"/api/v1/certificates/{no}/document")
    image = api.client.get(f"/api/v1/certificates/{no}/qr.png")

    assert document.status_code == 200
    assert 'class="suspended-mark"' in document.text
    assert "暂停期间不得使用认证证书和认证标志" in document.text
    assert "2026 年 11 月 30 日" in document.text  # the restore deadline
    assert image.status_code == 200


def test_a_valid_certificate_is_printed_unmarked_for_any_screen(api: Api) -> None:
    no = api.issue()

    document = api.client.get(f"/api/v1/certificates/{no}/document").text

    assert "suspended-mark" not in document
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in document
