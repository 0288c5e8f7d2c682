"""Private keys at rest: PKCS#12 sealed with the passphrase (PBKDF2-SHA256 at 600,000 rounds,
AES-256), or plain PEM in development mode without one. A `.pem` may also be a key sealed
by an older version (PKCS#8, PBKDF2 at 2,048 rounds): it still opens, and `registry keys
rewrap` seals it anew. The signing keys and the PDF chain's root are kept alike."""

import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12

SEALED, PLAIN = ".p12", ".pem"
KDF_ROUNDS = 600_000  # OWASP's PBKDF2-HMAC-SHA256 figure


def key_path(folder: Path, stem: str) -> Path:
    """Where the key `stem` is: sealed if it has been, else its plain (or old) PEM."""
    sealed = folder / f"{stem}{SEALED}"
    return sealed if sealed.exists() else folder / f"{stem}{PLAIN}"


def open_key(path: Path, passphrase: bytes | None) -> Ed25519PrivateKey | None:
    """The key in `path`; None when it is not an Ed25519 key. ValueError or TypeError when
    the passphrase is wrong or missing."""
    if path.suffix == SEALED:
        private = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)[0]
    else:
        private = serialization.load_pem_private_key(path.read_bytes(), passphrase)
    return private if isinstance(private, Ed25519PrivateKey) else None


def write_key(
    folder: Path,
    stem: str,
    private: Ed25519PrivateKey,
    passphrase: bytes | None,
    *,
    replace: bool = False,
) -> Path:
    """Write the key created 0600 (never over another unless `replace`, then atomically)."""
    if passphrase is None:
        data, path = _plain(private), folder / f"{stem}{PLAIN}"
    else:
        data, path = _sealed(private, passphrase), folder / f"{stem}{SEALED}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = path.with_name(path.name + ".tmp") if replace else path
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    if replace:
        os.replace(target, path)
    return path


def _plain(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _sealed(private: Ed25519PrivateKey, passphrase: bytes) -> bytes:
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase)
    )
    return pkcs12.serialize_key_and_certificates(b"certregistry", private, None, None, encryption)
