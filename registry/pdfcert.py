"""Electronic certificates (电子证书): the printable certificate of Appendix C as a PDF,
signed with PAdES by the registry's Ed25519 key (ISO 32002), and their verification.

The PDF is made from the same template as the HTML document (WeasyPrint), with a CJK font
embedded as a subset and the signed QR code as vector graphics; pyHanko signs it (B-B, or
B-T with an RFC 3161 timestamp when REGISTRY_TSA_URL names a timestamp server) and
validates it.
"""

import base64
import io
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import urlopen

import jinja2
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from registry.answers import Answer, printable
from registry.errors import InvalidInput, RegistryError
from registry.qrcodes import VERIFY_PATH, png, printed_claims
from registry.signing import KeyringError, Keys
from registry.x509chain import kid_of, root_certificate, signing_certificate

TEMPLATES = Path(__file__).parent / "templates"
# Redistributable CJK fonts from Debian's packages (`make fonts`), in order of preference.
FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
NUMBER = re.compile(r"CESI\d{4}EV/IMG1\d{4}R\d{2}")
CACHE_SIZE = 1024
_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False
)


def document_html(answer: Answer, *, qr: str, css: str, electronic: bool) -> str:
    """The certificate of Appendix C (and, electronic, the English one and Appendix D)."""
    return _templates.get_template("document.html").render(
        c=answer, qr=qr, css=css, electronic=electronic
    )


class PdfUnavailable(RegistryError):
    """The machine lacks what renders a PDF (a CJK font, Pango)."""

    slug = "pdf-unavailable"
    title = "Electronic certificates unavailable"


def cjk_font() -> Path:
    found = next((path for path in FONTS if path.exists()), None)
    if found is None:
        raise PdfUnavailable(
            "no CJK font to embed in the PDF: install fonts-noto-cjk or fonts-wqy-zenhei "
            "(`make fonts` does, as root)"
        )
    return found


class PdfCertificates:
    """Signed PDFs, cached by (certificate number, status and since when, key id): a re-issue,
    a suspension or restoration, or a new signing key makes a new one."""

    def __init__(
        self,
        keys: Keys,
        *,
        public_base_url: str,
        clock: Callable[[], datetime],
        tsa_url: str | None = None,
    ):
        self.keys = keys
        self.public_base_url = public_base_url.rstrip("/")
        self.clock = clock
        self.tsa_url = tsa_url
        self._cache: dict[tuple[str, str, str, str], bytes] = {}
        self._signers: dict[str, Any] = {}
        self._fonts: Any = None
        self._making = threading.Lock()
        self._font: Any = None

    def cached(self, answer: Answer) -> bytes | None:
        printable(answer)
        return self._cache.get(self._key(answer))

    def pdf(self, answer: Answer) -> bytes:
        """The signed PDF of the certificate `answer` describes (NotInForce if not printed)."""
        printable(answer)
        key = self._key(answer)
        pdf = self._cache.get(key)
        if pdf is not None:
            return pdf
        # One PDF made at a time: the fonts and the signer are shared, and rendering holds
        # the GIL anyway; a request that waited finds the PDF another one made.
        with self._making:
            pdf = self._cache.get(key)
            if pdf is None:
                pdf = self._sign(self.render(answer), answer["current_certificate_no"])
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.clear()
                self._cache[key] = pdf
        return pdf

    def forget(self) -> None:
        """Empty the cache (the benchmark measures a miss)."""
        self._cache.clear()

    def render(self, answer: Answer) -> bytes:
        try:  # loads Pango: only where a PDF is made
            from weasyprint import CSS, HTML
            from weasyprint.text.fonts import FontConfiguration
        except OSError as error:
            raise PdfUnavailable(
                f"WeasyPrint cannot load Pango ({error}): install libpangoft2-1.0-0 "
                "(`make fonts` does, as root)"
            ) from None

        url = self.public_base_url + VERIFY_PATH + self.keys.sign(printed_claims(answer))
        qr = "data:image/png;base64," + base64.b64encode(png(url)).decode()
        css = (TEMPLATES / "document.css").as_uri()
        html = document_html(answer, qr=qr, css=css, electronic=True)
        if self._font is None:  # fonts are found and loaded once
            self._fonts = FontConfiguration()
            self._font = CSS(
                string=f'@font-face {{ font-family: "CertCJK"; src: url("{cjk_font().as_uri()}") }}'
                'body { font-family: "CertCJK"; }',
                font_config=self._fonts,
            )
        page = HTML(string=html, base_url=str(TEMPLATES))
        return bytes(page.write_pdf(stylesheets=[self._font], font_config=self._fonts))

    def _key(self, answer: Answer) -> tuple[str, str, str, str]:
        kid = self.keys.active_kid
        if kid is None:
            raise KeyringError("no active signing key: run `registry keys generate` or `rotate`")
        return answer["current_certificate_no"], answer["status"], answer["status_since"], kid

    def _sign(self, pdf: bytes, number: str) -> bytes:
        kid, private = self.keys.private_key()
        signer = self._signers.get(kid)
        if signer is None:
            now = self.clock()
            folder, passphrase = self.keys.folder, self.keys.passphrase
            certificate = signing_certificate(folder, passphrase, private, now)
            der = private.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            chain = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [_asn1(root_certificate(folder))]
            )
            signer = signers.SimpleSigner(
                signing_cert=_asn1(certificate),
                signing_key=asn1_keys.PrivateKeyInfo.load(der),
                cert_registry=chain,
            )
            self._signers = {kid: signer}
        meta = signers.PdfSignatureMetadata(
            field_name="CertificateSignature",
            reason=f"CESI-SC-OD13 certificate {number}",
            location=self.public_base_url,
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        # A client per signature: its HTTP session belongs to the event loop of this signing.
        stamper = None if self.tsa_url is None else timestamps.HTTPTimeStamper(self.tsa_url)
        pdf_signer = _TimedSigner(meta, signer, timestamper=stamper, at=self.clock())
        try:
            signed = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
        except timestamps.TimestampRequestError as error:
            raise PdfUnavailable(f"the timestamp server {self.tsa_url} failed: {error}") from None
        return bytes(signed.getvalue())


class _TimedSigner(signers.PdfSigner):
    """Signs at the registry's clock: `/M` and the signing time are the rendering time."""

    def __init__(self, *args: Any, at: datetime, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.at = at

    def init_signing_session(self, *args: Any, **kwargs: Any) -> Any:
        session = super().init_signing_session(*args, **kwargs)
        session.system_time = self.at
        return session


def _asn1(certificate: x509.Certificate) -> Any:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class PdfVerdict:
    """What the signature says: `signed` only when intact, trusted and unmodified."""

    signed: bool
    reason: str  # why not; "ok" when signed
    kid: str | None = None
    certificate_no: str | None = None
    signed_at: datetime | None = None


def verify_pdf(data: bytes, root: x509.Certificate) -> PdfVerdict:
    """Validate the PDF's PAdES signature against `root` with pyHanko's validator."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return PdfVerdict(False, f"{len(signatures)} signatures, not the registry's one")
        embedded = signatures[0]
        status = validate_pdf_signature(
            embedded, ValidationContext(trust_roots=[_asn1(root)], allow_fetching=False)
        )
        reason = str(embedded.sig_object.get("/Reason", ""))
    # A damaged file fails anywhere in the parser, with any of its exception types.
    except Exception as error:
        return PdfVerdict(False, f"not a signed PDF this tool can read ({error})")
    signer = x509.load_der_x509_certificate(status.signing_cert.dump())
    public = signer.public_key()
    kid = kid_of(public) if isinstance(public, Ed25519PublicKey) else None
    found = NUMBER.search(reason)
    number = found.group(0) if found else None
    checks = (
        (status.intact and status.valid, "the signature does not match the document"),
        (status.trusted, "the signing certificate does not chain to the root"),
        (status.coverage == SignatureCoverageLevel.ENTIRE_FILE, "modified after it was signed"),
        (number is not None, "the signature names no certificate number"),
    )
    failed = next((reason for ok, reason in checks if not ok), None)
    return PdfVerdict(failed is None, failed or "ok", kid, number, status.signer_reported_dt)


def ask_registry(base_url: str, number: str, kid: str | None) -> tuple[bool, Answer]:
    """(whether the registry publishes the signing key, its verification answer), from its
    public API, as anyone can ask: a compromised key is withheld from its key set."""
    base = base_url.rstrip("/")
    keys = _get_json(f"{base}/.well-known/jwks.json").get("keys", [])
    answer = _get_json(f"{base}/api/v1/verify?" + urlencode({"number": number}))
    return any(key.get("kid") == kid for key in keys), cast(Answer, answer)


def _get_json(url: str) -> dict[str, Any]:
    try:
        with urlopen(url, timeout=10) as response:
            found = json.loads(response.read())
    except HTTPError as error:
        raise RegistryError(f"{url} answered {error.code}: {_detail(error)}") from None
    except (OSError, ValueError) as error:
        raise RegistryError(f"{url} did not answer: {error}") from None
    if not isinstance(found, dict):
        raise RegistryError(f"{url} answered something that is not a JSON object")
    return found


def _detail(error: HTTPError) -> str:
    try:
        return str(json.loads(error.read()).get("detail", error.reason))
    except (OSError, ValueError, AttributeError):
        return str(error.reason)


def read_pdf(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read it ({error.strerror})") from None
