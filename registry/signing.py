"""Signing keys and signed tokens: Ed25519 keys in REGISTRY_KEYS_DIR, their history as events.

A token is a compact JWS (RFC 7515) with `alg` EdDSA (RFC 8037) whose `kid` is the key's
RFC 7638 thumbprint, and whose `typ` names its one purpose (QR token, checkpoint, receipt,
report): a verifier refuses a signature made for another purpose. The active key signs;
retired keys still verify; a key marked compromised fails every token it signed, however
valid the signature.
"""

import base64
import binascii
import getpass
import json
import mmap
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import AggregateNotFoundError
from jwcrypto import jwk, jws
from jwcrypto.common import JWException, base64url_decode, base64url_encode

from registry.aggregates.chain import Stamp
from registry.aggregates.keyring import (
    ACTIVE,
    COMPROMISED,
    KEYRING_ID,
    RETIRED,
    Keyring,
)
from registry.application import Registry
from registry.at_rest import PLAIN, key_path, open_key, write_key
from registry.errors import InvalidInput, RegistryError
from registry.rules.numbers import parse_number
from registry.settings import Settings
from registry.x509chain import signing_certificate

ALGORITHM = "EdDSA"
MAX_TOKEN = 4096
# At rest: PKCS#12 with PBKDF2-HMAC-SHA256 at OWASP's 600,000 rounds and AES-256. The PKCS#8
# PEM that cryptography writes uses 2,048, which a short passphrase does not survive.
MIN_PASSPHRASE = 12
ISSUER = "CESI"
# One `typ` per purpose (CONTRACT.md, signature purposes), so that no signature can be
# re-attached as another kind.
QR_TYP = "cesi-qr+jwt"
CHECKPOINT_TYP = "checkpoint+jws"
RECEIPT_TYP = "receipt+jws"
REPORT_TYP = "report+jws"
EXPORT_TYP = "export+jws"
STATUSLIST_TYP = "statuslist+jwt"  # draft-ietf-oauth-status-list's own media type
PROBE_TYP = "probe+jws"  # never published: /readyz proves the active key can sign
PURPOSES = {
    QR_TYP: "the QR token printed on a certificate (/v/{token})",
    CHECKPOINT_TYP: "a signed checkpoint of the Merkle log (detached)",
    RECEIPT_TYP: "a signed verification receipt (detached)",
    REPORT_TYP: "a regulator report's exact bytes (detached)",
    EXPORT_TYP: "the manifest of the open-data exports (detached)",
    STATUSLIST_TYP: "the status list of every certificate (/api/v1/status-list)",
}


class KeyringError(RegistryError):
    """The keyring cannot be used as configured (missing, unencrypted, wrong passphrase)."""

    slug = "keyring"
    title = "Signing keys unavailable"


@dataclass(frozen=True)
class Verdict:
    authentic: bool
    kid: str | None
    claims: dict[str, Any] | None
    reason: str  # why not authentic; "ok" when it is


def sorted_json(claims: Mapping[str, Any]) -> bytes:
    """Compact JSON with sorted keys (not RFC 8785: the claims are text and small integers,
    and tokens already printed must verify, so the bytes stay as they are)."""
    return json.dumps(claims, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(claims: Mapping[str, Any], key: jwk.JWK) -> str:
    """A QR token of the printed facts."""
    return sign_bytes(sorted_json(claims), key, QR_TYP)


def verify_signature(token: str, key: jwk.JWK) -> bytes | None:
    """The payload if `token` is a compact EdDSA JWS signed by `key`, else None."""
    if not all(_canonical_base64url(part) for part in token.split(".")):
        return None
    parsed = jws.JWS()
    parsed.allowed_algs = [ALGORITHM]  # never let the token choose another algorithm
    try:
        parsed.deserialize(token)
        parsed.verify(key)
    except (JWException, ValueError, TypeError):
        return None
    return bytes(parsed.payload)


BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def _canonical_base64url(part: str) -> bool:
    """Unpadded base64url with zero trailing bits (RFC 7515 §2): one text per byte string,
    so no two tokens carry the same signature."""
    if not BASE64URL.fullmatch(part):
        return False
    try:
        return bool(base64url_encode(base64url_decode(part)) == part)
    except (ValueError, binascii.Error):
        return False


def verify_with_jwks(token: str, jwks: dict[str, Any]) -> Verdict:
    """Check a QR token against a published key set, as anyone can, offline."""
    # no typ: printed before `typ` existed; then its claims alone must say QR
    verdict = verify_compact(token, jwks, (QR_TYP, None))
    if verdict.authentic and not _is_printed_certificate(verdict.claims):
        return Verdict(
            False, verdict.kid, None, "the signed claims are not a printed certificate's"
        )
    return verdict


def verify_compact(token: str, jwks: dict[str, Any], typs: tuple[str | None, ...]) -> Verdict:
    """Check a compact JWS of JSON claims against a published key set: EdDSA, one of the
    purposes `typs`, a published key, a matching signature."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN or token.count(".") != 2:
        return Verdict(False, None, None, "not a compact JWS")
    try:
        header = jws.JWS()
        header.deserialize(token)
        kid = header.jose_header.get("kid")
        alg = header.jose_header.get("alg")
        typ = header.jose_header.get("typ")
    except (JWException, ValueError, TypeError):
        return Verdict(False, None, None, "not a compact JWS")
    if alg != ALGORITHM:
        return Verdict(False, kid, None, f"algorithm {alg!r} is not EdDSA")
    if typ not in typs:
        return Verdict(False, kid, None, f"a {typ!r} signature is not a {typs[0]}")
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if key is None:
        return Verdict(False, kid, None, "signed by a key this registry does not publish")
    payload = verify_signature(token, jwk.JWK(**key))
    if payload is None:
        return Verdict(False, kid, None, "the signature does not match")
    try:
        claims = json.loads(payload)
    except ValueError:
        return Verdict(False, kid, None, "the payload is not JSON")
    return Verdict(True, kid, claims, "ok")


def _is_printed_certificate(claims: Any) -> bool:
    """A QR token's claims: the registry as issuer and a certificate number that parses."""
    if not isinstance(claims, dict) or claims.get("iss") != ISSUER:
        return False
    number = claims.get("certificate_no")
    try:
        return isinstance(number, str) and parse_number(number).revision is not None
    except InvalidInput:
        return False


def sign_detached_with(payload: bytes, key: jwk.JWK, typ: str) -> str:
    """A detached compact JWS (RFC 7515 Appendix F): `header..signature`."""
    header, _, signature = sign_bytes(payload, key, typ).split(".")
    return f"{header}..{signature}"


def sign_bytes(payload: bytes, key: jwk.JWK, typ: str) -> str:
    token = jws.JWS(payload)
    token.add_signature(key, None, _protected(key, typ))
    return str(token.serialize(compact=True))


def _protected(key: jwk.JWK, typ: str) -> str:
    """The protected header of every JWS the registry makes."""
    return json.dumps(
        {"alg": ALGORITHM, "kid": key.thumbprint(), "typ": typ}, separators=(",", ":")
    )


def sign_detached_file(path: Path, key: jwk.JWK, typ: str, *, chunk: int = 3 << 20) -> str:
    """The detached JWS of a file's bytes, the same as `sign_detached_with` on them, however
    large the file: the signing input (RFC 7515 §5.1, the header and the payload in
    base64url) is written to a temporary file beside it, a `chunk` at a time (a multiple of
    3: only the last piece is padded), and signed through a memory map. Ed25519 needs the
    whole message at once; this way it is the page cache's, not the process's memory."""
    if chunk % 3:
        raise ValueError("the chunk must be a multiple of 3 bytes")
    header = base64url_encode(_protected(key, typ))
    with tempfile.TemporaryFile(dir=path.parent) as signing_input, path.open("rb") as payload:
        signing_input.write(f"{header}.".encode())
        while piece := payload.read(chunk):
            signing_input.write(base64.urlsafe_b64encode(piece).rstrip(b"="))
        signing_input.flush()
        with (
            mmap.mmap(signing_input.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
            memoryview(mapped) as message,
        ):
            signature = cast(Ed25519PrivateKey, key.get_op_key("sign")).sign(message)
    return f"{header}..{base64url_encode(signature)}"


def detached_header(signature: str) -> dict[str, Any] | None:
    """The protected header of a detached compact JWS (`header..signature`), or None."""
    if not isinstance(signature, str) or signature.count(".") != 2:
        return None
    header, empty, _ = signature.split(".")
    if empty:
        return None
    try:
        fields = json.loads(base64url_decode(header))
    except (ValueError, TypeError):
        return None
    return fields if isinstance(fields, dict) else None


def verify_detached(signature: str, payload: bytes, jwks: dict[str, Any], typ: str) -> bool:
    """Whether a detached JWS for purpose `typ` signs exactly `payload` with a key of `jwks`.
    A signature without `typ` (made before it was added) still counts: the caller rebuilt
    `payload` for this purpose, so a signature of another purpose cannot match it."""
    fields = detached_header(signature)
    if fields is None or fields.get("alg") != ALGORITHM:
        return False
    header, _, sig = signature.split(".")
    if fields.get("typ", typ) != typ:
        return False
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == fields.get("kid")), None)
    attached = f"{header}.{base64url_encode(payload)}.{sig}"
    return key is not None and verify_signature(attached, jwk.JWK(**key)) is not None


class Keys:
    """The keyring as one process sees it: the state from the events, the active private key
    from its file."""

    def __init__(
        self, registry: Registry, folder: Path, passphrase: str | None, *, dev_mode: bool = False
    ):
        self.registry = registry
        self.folder = folder
        self.passphrase = passphrase.encode() if passphrase else None
        self.dev_mode = dev_mode
        self._state: dict[str, dict[str, Any]] = {}
        self._signing: jwk.JWK | None = None
        # Ed25519 is deterministic: the same facts give the same token, and a token's verdict
        # holds until the keyring changes (both caches are emptied then).
        self._tokens: dict[bytes, str] = {}
        self._verdicts: dict[str, Verdict] = {}
        self.refresh()

    # State ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reread the keyring's history, so a key retired or compromised elsewhere counts."""
        keyring = self._keyring()
        state = {} if keyring is None else {k: dict(v) for k, v in keyring.keys.items()}
        if state != self._state:
            self._state = state
            self._signing = None
            self._tokens, self._verdicts = {}, {}

    def check(self) -> None:
        """Refuse to serve with a key at rest unencrypted (outside development mode), with a
        short passphrase, or with one the passphrase does not open."""
        self._check_passphrase()
        for path in sorted(self.folder.glob("*.pem")):
            data = path.read_bytes()
            if b"ENCRYPTED" not in data and not self.dev_mode:
                raise KeyringError(
                    f"{path} is not encrypted: set REGISTRY_KEY_PASSPHRASE and rotate, "
                    "or set REGISTRY_DEV_MODE=1 for a development keyring"
                )
        if self.active_kid is not None:
            self._signing_key()

    @property
    def active_kid(self) -> str | None:
        return next((k for k, v in self._state.items() if v["status"] == ACTIVE), None)

    def listing(self) -> list[tuple[str, str]]:
        return [(kid, str(key["status"])) for kid, key in self._state.items()]

    def status(self, kid: str | None) -> str | None:
        key = self._state.get(kid or "")
        return None if key is None else str(key["status"])

    def jwks(self) -> dict[str, Any]:
        """Active and retired public keys; compromised keys are withheld. The `typ` of each
        signature purpose is listed beside them (RFC 7517 §5 lets a set carry more members)."""
        return {
            "keys": [
                {**key["jwk"], "kid": kid, "alg": ALGORITHM, "use": "sig"}
                for kid, key in self._state.items()
                if key["status"] in (ACTIVE, RETIRED)
            ],
            "typ": PURPOSES,
        }

    # Signing and verifying ---------------------------------------------------------------

    def sign(self, claims: Mapping[str, Any]) -> str:
        payload = sorted_json(claims)
        token = self._tokens.get(payload)
        if token is None:
            token = sign_bytes(payload, self._signing_key(), QR_TYP)
            _remember(self._tokens, payload, token)
        return token

    def sign_typed(self, payload: bytes, typ: str) -> str:
        """A compact JWS of `payload` by the active key, its purpose named in `typ`."""
        return sign_bytes(payload, self._signing_key(), typ)

    def sign_detached(self, payload: bytes, typ: str) -> tuple[str, str]:
        """(kid, detached JWS) of `payload` by the active key: reports, checkpoints, receipts."""
        key = self._signing_key()
        return key.thumbprint(), sign_detached_with(payload, key, typ)

    def sign_detached_file(self, path: Path, typ: str) -> tuple[str, str]:
        """(kid, detached JWS) of a file's bytes by the active key, the file never read into
        memory whole: a monthly report can be gigabytes."""
        key = self._signing_key()
        return key.thumbprint(), sign_detached_file(path, key, typ)

    def private_key(self) -> tuple[str, Ed25519PrivateKey]:
        """(kid, private key) of the active key, for signatures outside JOSE (PAdES)."""
        key = self._signing_key()
        return key.thumbprint(), cast(Ed25519PrivateKey, key.get_op_key("sign"))

    def all_public_keys(self) -> dict[str, Any]:
        """Every key ever in the keyring, compromised ones too: for auditing old signatures."""
        return {
            "keys": [
                {**key["jwk"], "kid": kid, "alg": ALGORITHM} for kid, key in self._state.items()
            ]
        }

    def public_keys_at(self, moment: str) -> dict[str, Any]:
        """The keys that could sign at `moment` (ISO time): every key ever in the keyring,
        but a compromised one only before it was marked so (checkpoints, receipts)."""
        at = datetime.fromisoformat(moment)
        return {
            "keys": [
                {**key["jwk"], "kid": kid, "alg": ALGORITHM}
                for kid, key in self._state.items()
                if "compromised_at" not in key or at < datetime.fromisoformat(key["compromised_at"])
            ]
        }

    @property
    def verdicts_cached(self) -> int:
        return len(self._verdicts)

    def verify(self, token: str) -> Verdict:
        verdict = self._verdicts.get(token)
        if verdict is None:
            verdict = verify_with_jwks(token, self.jwks())
            if not verdict.authentic and self.status(verdict.kid) == COMPROMISED:
                verdict = Verdict(False, verdict.kid, None, "the signing key was compromised")
            # Only what we signed is remembered: anyone can send endless malformed or forged
            # tokens, and each would push a printed code's verdict out of the cache.
            if verdict.authentic:
                _remember(self._verdicts, token, verdict)
        return verdict

    # Changes (the CLI) -------------------------------------------------------------------

    def generate(self, *, rotate: bool = False) -> str:
        """A new key; it becomes active if none is, or if rotating (the old one retires)."""
        if self.passphrase is None and not self.dev_mode:
            raise KeyringError("REGISTRY_KEY_PASSPHRASE is needed to encrypt the new key at rest")
        self._check_passphrase()
        private = jwk.JWK.generate(kty="OKP", crv="Ed25519")
        kid: str = private.thumbprint()
        self._write(kid, private.get_op_key("sign"))
        # The key's document-signing certificate, issued now by the offline root (PDFs).
        signing_certificate(
            self.folder, self.passphrase, private.get_op_key("sign"), self.registry.clock()
        )
        public = json.loads(private.export_public())
        keyring = self._keyring() or Keyring.start(stamp=self._stamp())
        keyring.add(
            kid=kid,
            public_jwk={k: public[k] for k in ("kty", "crv", "x")},
            activate=rotate or keyring.active_kid is None,
            stamp=self._stamp(),
        )
        self.registry.save(keyring)
        self.refresh()
        return kid

    def rewrap(self) -> list[str]:
        """Seal every private key still in a .pem (plain, or PBKDF2 at 2,048 rounds); their kids."""
        if self.passphrase is None:
            raise KeyringError("REGISTRY_KEY_PASSPHRASE is needed to encrypt the keys at rest")
        self._check_passphrase()
        done = []
        for path in sorted(self.folder.glob(f"*{PLAIN}")):
            private = self._open(path)
            self._write(path.stem, private, replace=True)
            path.unlink()
            done.append(path.stem)
        return done

    def has_signing_key(self) -> bool:
        kid = self.active_kid
        return kid is not None and self._key_path(kid).exists()

    def retire(self, kid: str) -> None:
        self._change(kid, "retire")

    def compromise(self, kid: str) -> None:
        self._change(kid, "compromise")

    def _change(self, kid: str, action: str) -> None:
        keyring = self._keyring()
        if keyring is None:
            raise InvalidInput("the keyring is empty: run `registry keys generate`", field="kid")
        getattr(keyring, action)(kid, stamp=self._stamp())
        self.registry.save(keyring)
        self.refresh()

    def _keyring(self) -> Keyring | None:
        try:
            return cast(Keyring, self.registry.repository.get(KEYRING_ID))
        except AggregateNotFoundError:
            return None

    def _stamp(self) -> Stamp:
        return Stamp(f"cli:{getpass.getuser()}", self.registry.clock())

    def _signing_key(self) -> jwk.JWK:
        kid = self.active_kid
        if kid is None:
            raise KeyringError("no active signing key: run `registry keys generate` or `rotate`")
        if self._signing is None or self._signing.thumbprint() != kid:
            path = self._key_path(kid)
            if not path.exists():
                raise KeyringError(f"the active key {kid} has no private key file in {self.folder}")
            self._signing = cast(jwk.JWK, jwk.JWK.from_pyca(self._open(path)))
        return self._signing

    def _check_passphrase(self) -> None:
        short = self.passphrase is not None and len(self.passphrase.decode()) < MIN_PASSPHRASE
        if short and not self.dev_mode:
            raise KeyringError(
                f"REGISTRY_KEY_PASSPHRASE is shorter than {MIN_PASSPHRASE} characters"
            )

    def _key_path(self, kid: str) -> Path:
        return key_path(self.folder, kid)

    def _open(self, path: Path) -> Ed25519PrivateKey:
        try:
            private = open_key(path, self.passphrase)
        except (ValueError, TypeError):
            raise KeyringError(
                f"cannot open {path}: wrong or missing REGISTRY_KEY_PASSPHRASE"
            ) from None
        if private is None:
            raise KeyringError(f"{path} is not an Ed25519 key")
        return private

    def _write(self, kid: str, private: Ed25519PrivateKey, *, replace: bool = False) -> None:
        write_key(self.folder, kid, private, self.passphrase, replace=replace)


CACHE_SIZE = 50_000


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()  # crude, but bounded; a scan of one certificate repeats its token anyway
    cache[key] = value


def open_keys(registry: Registry, settings: Settings) -> Keys:
    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    return Keys(registry, settings.keys_dir, passphrase, dev_mode=settings.dev_mode)
