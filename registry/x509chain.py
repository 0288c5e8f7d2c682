"""The registry's document-signing chain: an Ed25519 root kept in the keyring, and one
X.509 signing certificate per signing key, so that any PDF reader can check a signature.

The root's private key is `root-ca.p12` (sealed like the other keys: registry/at_rest.py),
its certificate `root-ca.crt` (published); a signing key KID gets `KID.crt`, issued by the root. A
certificate's state is its key's state in the keyring: rotated, retired and marked
compromised together with the JWS keys.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID
from jwcrypto import jwk

from registry.at_rest import key_path, open_key, write_key
from registry.errors import RegistryError

ROOT_KEY, ROOT_CERTIFICATE = "root-ca", "root-ca.crt"  # the key: root-ca.p12 (or .pem)
ROOT_YEARS, SIGNING_YEARS = 25, 10
ORGANISATION = "北京赛西认证有限责任公司"


class ChainError(RegistryError):
    slug = "keyring"
    title = "Signing keys unavailable"


def kid_of(public: Ed25519PublicKey) -> str:
    """The key's RFC 7638 thumbprint: the same `kid` as its JWS signatures."""
    return str(jwk.JWK.from_pyca(public).thumbprint())


def load_certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as error:
        raise ChainError(f"{path}: not a PEM X.509 certificate ({error})") from None


def root_certificate(folder: Path) -> x509.Certificate:
    path = folder / ROOT_CERTIFICATE
    if not path.exists():
        raise ChainError(f"no document-signing root in {folder}: run `registry keys generate`")
    return load_certificate(path)


def signing_certificate(
    folder: Path, passphrase: bytes | None, key: Ed25519PrivateKey, now: datetime
) -> x509.Certificate:
    """The certificate of signing key `key`, issued by the root when it has none yet (the
    root is made the first time)."""
    public = key.public_key()
    path = folder / f"{kid_of(public)}.crt"
    with _locked(folder):
        if path.exists():
            return load_certificate(path)
        root_key, root = _root(folder, passphrase, now)
        subject = _name(f"certregistry document signing {kid_of(public)[:12]}")
        certificate = (
            _builder(subject, root.subject, public, now, SIGNING_YEARS)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(signing=True), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
            .sign(root_key, None)
        )
        _write(path, certificate.public_bytes(serialization.Encoding.PEM), public=True)
    return certificate


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One process at a time makes the root or issues a certificate: several servers may
    sign their first PDF at once, and a root's key and certificate must be one pair."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".chain.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _root(
    folder: Path, passphrase: bytes | None, now: datetime
) -> tuple[Ed25519PrivateKey, x509.Certificate]:
    path, certificate_path = key_path(folder, ROOT_KEY), folder / ROOT_CERTIFICATE
    if path.exists():
        try:
            key = open_key(path, passphrase)
        except (ValueError, TypeError):
            raise ChainError(
                f"cannot open {path}: wrong or missing REGISTRY_KEY_PASSPHRASE"
            ) from None
        if key is None:
            raise ChainError(f"{path} is not an Ed25519 key")
        return key, load_certificate(certificate_path)
    key = Ed25519PrivateKey.generate()
    subject = _name("certregistry document signing root")
    root = (
        _builder(subject, subject, key.public_key(), now, ROOT_YEARS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signing=False), critical=True)
        .sign(key, None)
    )
    write_key(folder, ROOT_KEY, key, passphrase)
    _write(certificate_path, root.public_bytes(serialization.Encoding.PEM), public=True)
    return key, root


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public: Ed25519PublicKey, now: datetime, years: int
) -> x509.CertificateBuilder:
    start = now - timedelta(days=1)  # a reader's clock a little behind still accepts it
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,  # non-repudiation: what a document signature asserts
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _write(path: Path, data: bytes, *, public: bool = False) -> None:
    """Write a new file, never over an existing one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644 if public else 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
