"""Master and sub-certificates (总证书号/子证书号, §6 a) over HTTP: issued, verified by number
and OID, sharing the registration's status, printed, scanned and in the history."""

from urllib.parse import quote

from tests.api.conftest import SUSPENSION, Api
from tests.api.test_qr import check, scanned_token
from tests.examples import SITES

DONGGUAN = SITES[1]["address"]
SUB = {"sites": [DONGGUAN], "effective_date": "2026-06-01"}


def with_sub(api: Api) -> str:
    no = api.issue()
    response = api.command(no, "sub-certificates", SUB)
    assert response.status_code == 201, response.text
    return no


def verify(api: Api, number: str) -> dict[str, object]:
    response = api.client.get(f"/api/v1/verify?number={quote(number)}")
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def test_issuing_a_sub_certificate_answers_the_master_listing_it(api: Api) -> None:
    no = api.issue()

    response = api.command(no, "sub-certificates", SUB)

    assert response.status_code == 201
    assert response.json()["master_certificate_no"] is None
    assert response.json()["sub_certificates"] == [
        {
            "certificate_no": f"{no}R00-S01",
            "sites": [DONGGUAN],
            "since": "2026-06-01",
            "withdrawn_on": None,
        }
    ]


def test_a_sub_certificate_number_verifies_with_its_own_sites_and_the_master(api: Api) -> None:
    no = with_sub(api)

    answer = verify(api, f"{no}R00-S01")

    assert answer["certificate_no"] == answer["current_certificate_no"] == f"{no}R00-S01"
    assert answer["master_certificate_no"] == f"{no}R00"
    assert answer["oid"] == f"1.2.156.1.2.{no}R00-S01"
    assert answer["scope"] == {"sites": [SITES[1]]}
    assert answer["status"] == "valid"


def test_a_sub_certificate_oid_verifies(api: Api) -> None:
    no = with_sub(api)

    response = api.client.get(f"/api/v1/verify?oid={quote(f'1.2.156.1.2. {no}R00-S01')}")

    assert response.json()["certificate_no"] == f"{no}R00-S01"


def test_a_sub_certificate_never_issued_is_404(api: Api) -> None:
    no = with_sub(api)

    response = api.client.get(f"/api/v1/verify?number={quote(f'{no}R00-S02')}")

    assert response.status_code == 404


def test_a_sub_certificate_is_suspended_with_its_master(api: Api) -> None:
    no = with_sub(api)
    api.command(no, "suspensions", SUSPENSION | {"effective_date": "2026-07-01"})

    answer = verify(api, f"{no}R00-S01")

    assert answer["status"] == "suspended"
    assert answer["suspension"]["reason"] == "b"  # type: ignore[index]


def test_a_sub_certificate_is_revoked_with_its_master(api: Api) -> None:
    no = with_sub(api)
    api.command(no, "revocations", {"reason": "k", "details": "x", "effective_date": "2026-07-01"})

    assert verify(api, f"{no}R00-S01")["status"] == "revoked"
    assert api.client.get(f"/api/v1/certificates/{no}R00-S01/document").status_code == 410


def test_a_re_issue_supersedes_the_sub_certificates_number_too(api: Api) -> None:
    no = with_sub(api)
    moved = {"address": "深圳市南山区新址 2 号", "effective_date": "2026-07-01"}
    api.command(no, "holder-changes", moved)

    old = verify(api, f"{no}R00-S01")

    assert (old["status"], old["current_certificate_no"]) == ("superseded", f"{no}R01-S01")
    assert verify(api, f"{no}R01-S01")["master_certificate_no"] == f"{no}R01"


def test_a_sub_certificate_over_the_whole_scope_is_422_citing_the_rule(api: Api) -> None:
    no = api.issue()

    response = api.command(no, "sub-certificates", SUB | {"sites": [s["address"] for s in SITES]})

    assert response.status_code == 422
    assert response.json()["section"] == "§6 a"
    assert verify(api, no)["sub_certificates"] == []


def test_the_sub_certificates_document_prints_the_master_number_and_its_sites_only(
    api: Api,
) -> None:
    no = with_sub(api)

    page = api.client.get(f"/api/v1/certificates/{no}R00-S01/document").text
    master = api.client.get(f"/api/v1/certificates/{no}/document").text

    assert f"总证书号：{no}R00" in page
    assert DONGGUAN in page
    assert SITES[0]["address"] not in page.split("涉及的场所")[1]
    assert f"子证书号：{no}R00-S01" in master


def test_a_sub_certificates_qr_code_is_authentic_and_matches_its_current_facts(
    api: Api,
) -> None:
    no = with_sub(api)

    result = check(api, scanned_token(api, f"{no}R00-S01"))

    assert result["authentic"] is True
    assert result["claims"]["certificate_no"] == f"{no}R00-S01"
    assert result["differences"] == []


def test_the_public_page_of_a_sub_certificate_links_its_master(api: Api) -> None:
    no = with_sub(api)

    page = api.client.get(f"/verify?number={quote(f'{no}R00-S01')}&lang=en").text

    assert "Master certificate number" in page
    assert f"{no}R00</a>" in page


def test_the_directory_finds_a_registration_by_its_sub_certificate_number(api: Api) -> None:
    no = with_sub(api)

    found = api.client.get(f"/api/v1/directory?q={quote(f'{no}R00-S01')}").json()

    assert [item["registration_no"] for item in found["items"]] == [no]


def test_the_history_records_the_sub_certificate(api: Api) -> None:
    no = with_sub(api)

    history = api.client.get(
        f"/api/v1/certificates/{no}/history", headers=api.auth("auditor")
    ).json()

    assert history[-1]["type"] == "SubCertificateIssued"
    assert history[-1]["data"]["certificate_no"] == f"{no}R00-S01"


def test_the_masters_public_history_shows_the_sub_certificate_issued(api: Api) -> None:
    no = with_sub(api)

    page = api.client.get(f"/verify?number={no}").text

    assert f"<strong>颁发子证书</strong> {no}R00-S01" in page


def test_the_scanned_page_of_a_sub_certificate_shows_its_suspension(api: Api) -> None:
    no = with_sub(api)
    token = scanned_token(api, f"{no}R00-S01")
    api.command(no, "suspensions", SUSPENSION | {"effective_date": "2026-07-01"})

    page = api.client.get(f"/v/{token}")

    assert page.status_code == 200
    assert 'data-authentic="true"' in page.text
    assert 'data-status="suspended"' in page.text
    assert "data-differs" not in page.text


def test_a_withdrawn_sub_certificate_answers_cancelled_and_is_not_printed(api: Api) -> None:
    no = with_sub(api)

    response = api.command(
        no,
        "sub-certificate-withdrawals",
        {"certificate_no": f"{no}R00-S01", "request_ref": "R-1", "effective_date": "2026-07-01"},
    )

    assert response.status_code == 201
    assert response.json()["sub_certificates"][0]["withdrawn_on"] == "2026-07-01"
    answer = verify(api, f"{no}R00-S01")
    assert (answer["status"], answer["status_since"]) == ("cancelled", "2026-07-01")
    assert verify(api, no)["status"] == "valid"
    assert api.client.get(f"/api/v1/certificates/{no}R00-S01/document").status_code == 410
