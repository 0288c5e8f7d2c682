"""Electronic certificates: the signed PDF of a certificate in force, on SQLite and PostgreSQL."""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from registry.application import Registry, open_registry
from registry.at_rest import open_key
from registry.errors import NotInForce
from registry.pdfcert import PdfCertificates, verify_pdf
from registry.qrcodes import printed_claims
from registry.rules.lifecycle import CommandName
from registry.settings import Settings
from registry.signing import Keys
from registry.x509chain import load_certificate, root_certificate
from tests.conftest import Clock
from tests.examples import NOW, issue_request
from tests.scanning import qr_texts

ACTOR = "registrar-alice"
PASSPHRASE = b"correct horse battery staple"


@dataclass
class Setup:
    registry: Registry
    keys: Keys
    pdfs: PdfCertificates
    registration_no: str

    def pdf(self, number: str | None = None) -> bytes:
        return self.pdfs.pdf(self.registry.verify(number=number or self.registration_no))


@pytest.fixture
def setup(durable_database_url: str, clock: Clock, tmp_path: Path) -> Iterator[Setup]:
    with open_registry(Settings(database_url=durable_database_url), clock=clock) as registry:
        keys = Keys(registry, tmp_path / "keys", PASSPHRASE.decode())
        keys.generate()
        number = registry.issue(actor=ACTOR, **issue_request())["registration_no"]
        pdfs = PdfCertificates(keys, public_base_url="https://registry.example", clock=clock)
        yield Setup(registry, keys, pdfs, number)


def validate(pdf: bytes, root_folder: Path) -> Any:
    """pyHanko's own validator, trusting the registry's root only."""
    root = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    context = ValidationContext(trust_roots=[_asn1(root_folder)], allow_fetching=False)
    return validate_pdf_signature(root, context)


def _asn1(folder: Path) -> Any:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    der = root_certificate(folder).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def test_a_sub_certificates_pdf_prints_its_number_and_the_masters(setup: Setup) -> None:
    dongguan = issue_request()["scope"]["sites"][1]["address"]
    setup.registry.command(
        "issue_sub_certificate",
        setup.registration_no,
        {"sites": [dongguan], "effective_date": NOW.date()},
        actor=ACTOR,
    )

    pdf = setup.pdf(f"{setup.registration_no}R00-S01")

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"{setup.registration_no}R00-S01" in text
    assert f"总证书号：{setup.registration_no}R00" in text
    assert f"Master certificate No.: {setup.registration_no}R00" in text


def test_the_english_page_of_the_pdf_prints_the_english_scope(setup: Setup) -> None:
    sites = issue_request()["scope"]["sites"]
    english = sites[1] | {"address_en": "No. 8 Songshan Lake", "activities_en": ["A", "B"]}
    scope = {"sites": [sites[0], english]}
    number = setup.registry.issue(actor=ACTOR, **issue_request(scope=scope))["registration_no"]

    pdf = setup.pdf(number)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Address: No. 8 Songshan Lake" in text
    assert "Activities: A; B" in text


def test_the_pdf_of_a_valid_certificate_validates_intact_trusted_and_unmodified(
    setup: Setup,
) -> None:
    status = validate(setup.pdf(), setup.keys.folder)

    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE
    assert status.pkcs7_signature_mechanism == "ed25519"


def test_the_pdf_text_holds_holder_number_oid_level_and_dates(setup: Setup) -> None:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(setup.pdf())).pages)

    number = f"{setup.registration_no}R00"
    for expected in (
        "深圳市定制家居科技有限公司",
        "Shenzhen Custom Home Technology Co., Ltd.",  # §6 g: the English certificate
        number,
        f"1.2.156.1.2. {number}",
        "3 级",
        "2026 年 05 月 11 日",
        "2029 年 05 月 10 日",
        "www.cc.cesi.cn",
        "010-64102688",  # Appendix D
    ):
        assert expected in text, expected


def test_every_certificate_page_carries_the_signed_qr_code(setup: Setup) -> None:
    document = pypdfium2.PdfDocument(setup.pdf())
    scanned = [qr_texts(page.render(scale=3).to_pil()) for page in document]

    token = setup.keys.sign(printed_claims(setup.registry.verify(number=setup.registration_no)))
    url = f"https://registry.example/v/{token}"
    assert scanned == [[url], [url], []]  # Chinese, English, Appendix D


def test_the_signature_names_the_number_and_is_dated_at_rendering(setup: Setup) -> None:
    verdict = verify_pdf(setup.pdf(), root_certificate(setup.keys.folder))

    assert verdict.signed, verdict.reason
    assert verdict.certificate_no == f"{setup.registration_no}R00"
    assert verdict.kid == setup.keys.active_kid
    assert verdict.signed_at == NOW


def test_a_pdf_checked_against_another_root_is_not_trusted(setup: Setup, tmp_path: Path) -> None:
    other = Keys(setup.registry, tmp_path / "other", PASSPHRASE.decode())
    other.generate()

    verdict = verify_pdf(setup.pdf(), load_certificate(other.folder / "root-ca.crt"))

    assert not verdict.signed
    assert verdict.reason == "the signing certificate does not chain to the root"


def test_a_pdf_with_one_byte_changed_is_not_signed(setup: Setup) -> None:
    pdf = bytearray(setup.pdf())
    at = pdf.index(b"/Type /Page")  # inside the signed range
    pdf[at + 1] ^= 0x01

    verdict = verify_pdf(bytes(pdf), root_certificate(setup.keys.folder))

    assert not verdict.signed


def test_a_pdf_with_an_update_appended_after_signing_is_not_signed(setup: Setup) -> None:
    update = IncrementalPdfFileWriter(io.BytesIO(setup.pdf()))
    update.root["/Lang"] = generic.TextStringObject("en")  # any change, signed or not
    update.update_root()  # type: ignore[no-untyped-call]
    changed = io.BytesIO()
    update.write(changed)  # type: ignore[no-untyped-call]

    verdict = verify_pdf(changed.getvalue(), root_certificate(setup.keys.folder))

    assert (verdict.signed, verdict.reason) == (False, "modified after it was signed")


def test_a_suspended_certificate_prints_marked_as_suspended(setup: Setup) -> None:
    setup.registry.command(
        "suspend",
        setup.registration_no,
        {"reason": "b", "details": "服务持续不满足要求", "effective_date": NOW.date()},
        actor=ACTOR,
    )

    text = PdfReader(io.BytesIO(setup.pdf())).pages[0].extract_text()

    assert text.startswith("暂停")  # the marking heads the certificate
    assert "本证书自 2026 年 11 月 25 日起暂停，恢复期限 2027 年 05 月 24 日" in text


@pytest.mark.parametrize(
    ("command", "arguments", "status"),
    [
        ("revoke", {"reason": "a", "details": "严重违规"}, "revoked"),
        ("cancel", {"request_ref": "REQ-1"}, "cancelled"),
    ],
)
def test_a_certificate_not_in_force_has_no_pdf(
    setup: Setup, command: CommandName, arguments: dict[str, str], status: str
) -> None:
    setup.registry.command(
        command, setup.registration_no, {**arguments, "effective_date": NOW.date()}, actor=ACTOR
    )

    with pytest.raises(NotInForce) as refused:
        setup.pdf()

    assert status in refused.value.detail
    assert f"the current certificate is {setup.registration_no}R00" in refused.value.detail


def test_an_old_revision_has_no_pdf_and_names_the_current_one(setup: Setup) -> None:
    setup.registry.command(
        "change_holder",
        setup.registration_no,
        {"address": "广东省深圳市福田区 2 号", "effective_date": NOW.date()},
        actor=ACTOR,
    )

    with pytest.raises(NotInForce) as refused:
        setup.pdf(f"{setup.registration_no}R00")

    assert "superseded" in refused.value.detail
    assert f"{setup.registration_no}R01" in refused.value.detail


def test_the_pdf_is_cached_until_the_signing_key_rotates(setup: Setup) -> None:
    first = setup.pdf()

    again = setup.pdf()
    setup.keys.generate(rotate=True)
    rotated = setup.pdf()

    assert again is first
    assert verify_pdf(rotated, root_certificate(setup.keys.folder)).kid == setup.keys.active_kid
    assert rotated != first


def test_the_signing_certificate_is_issued_with_the_key_and_the_root_is_encrypted(
    setup: Setup,
) -> None:
    folder = setup.keys.folder

    assert (folder / f"{setup.keys.active_kid}.crt").exists()
    sealed = folder / "root-ca.p12"
    with pytest.raises((ValueError, TypeError)):
        open_key(sealed, None)  # sealed with the passphrase, like the signing keys
    assert not (folder / "root-ca.pem").exists()
