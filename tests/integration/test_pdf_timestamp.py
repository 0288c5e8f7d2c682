"""PAdES B-T: with REGISTRY_TSA_URL set, each PDF signature carries an RFC 3161 timestamp.

The timestamp authority is a real HTTP server on loopback (RFC 3161 over HTTP), answering
with pyHanko's own test TSA and a certificate of its own made here.
"""

import io
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from registry.application import open_registry
from registry.pdfcert import PdfCertificates, PdfUnavailable
from registry.settings import Settings
from registry.signing import Keys
from registry.x509chain import root_certificate
from tests.conftest import Clock
from tests.examples import NOW, issue_request


def _asn1(certificate: x509.Certificate) -> Any:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@pytest.fixture
def tsa() -> Iterator[tuple[str, x509.Certificate]]:
    """(URL, self-signed certificate) of a timestamp authority on loopback."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test TSA")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    stamper = DummyTimeStamper(_asn1(certificate), asn1_keys.PrivateKeyInfo.load(der))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", certificate
    server.shutdown()
    server.server_close()


def test_with_a_timestamp_server_every_pdf_carries_a_trusted_timestamp(
    durable_database_url: str,
    clock: Clock,
    tmp_path: Path,
    tsa: tuple[str, x509.Certificate],
) -> None:
    url, tsa_certificate = tsa
    with open_registry(Settings(database_url=durable_database_url), clock=clock) as registry:
        keys = Keys(registry, tmp_path / "keys", "correct horse battery staple")
        keys.generate()
        pdfs = PdfCertificates(keys, public_base_url="https://r.example", clock=clock, tsa_url=url)
        numbers = [registry.issue(actor="a", **issue_request())["registration_no"] for _ in "ab"]

        signed = [pdfs.pdf(registry.verify(number=n)) for n in numbers]  # two, two event loops

    for pdf in signed:
        embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
        status = validate_pdf_signature(
            embedded,
            ValidationContext(trust_roots=[_asn1(root_certificate(keys.folder))]),
            ts_validation_context=ValidationContext(trust_roots=[_asn1(tsa_certificate)]),
        )
        assert (status.intact, status.valid, status.trusted) == (True, True, True)
        assert status.timestamp_validity is not None
        assert (status.timestamp_validity.intact, status.timestamp_validity.trusted) == (
            True,
            True,
        )


def test_a_timestamp_server_that_does_not_answer_is_a_clear_refusal(
    clock: Clock, tmp_path: Path
) -> None:
    with (
        socket.socket() as bound,
        open_registry(Settings(database_url="memory:"), clock=clock) as registry,
    ):
        bound.bind(("127.0.0.1", 0))  # held, never listening: every connection is refused
        closed = f"http://127.0.0.1:{bound.getsockname()[1]}/"
        keys = Keys(registry, tmp_path / "keys", "correct horse battery staple")
        keys.generate()
        pdfs = PdfCertificates(
            keys, public_base_url="https://r.example", clock=clock, tsa_url=closed
        )
        issued = registry.issue(actor="a", **issue_request())

        with pytest.raises(PdfUnavailable) as refused:
            pdfs.pdf(registry.verify(number=issued["registration_no"]))

    assert refused.value.detail.startswith(f"the timestamp server {closed} failed")
