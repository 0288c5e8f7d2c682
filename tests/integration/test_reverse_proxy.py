"""The reverse-proxy example (deploy/nginx.conf) with the real nginx: TLS with a certificate
made here, HSTS, and the rate limit per real client whatever X-Forwarded-For a client sends."""

import datetime
import ipaddress
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from registry.settings import Settings
from tests.processes import free_port, server

EXAMPLE = Path(__file__).parents[2] / "deploy" / "nginx.conf"


def nginx_binary() -> str:
    """Debian's nginx, installed here when missing and we may (as the browser tests do)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None and shutil.which("apt-get") and Path("/proc/self").owner() == "root":
        subprocess.run(
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
            "nginx-light",
            shell=True,
            check=False,
            capture_output=True,
            timeout=600,
        )
        found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        pytest.skip("no nginx, and not root to install it (apt-get install nginx-light)")
    return found


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def proxied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """(https base URL, CA file): nginx from the example in front of a registry that trusts
    only it, with two public requests a minute per client."""
    nginx = nginx_binary()
    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", "127.0.0.1")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/registry.sqlite", rate_limit=2)
    cert, key = self_signed(tmp_path)
    port = free_port()
    with server(settings) as upstream:  # its wait took one request of 127.0.0.1's two
        replacements = {
            "@RUN@": str(tmp_path),
            "@LISTEN@": f"127.0.0.1:{port}",
            "@SERVER_NAME@": "127.0.0.1",
            "@CERT@": str(cert),
            "@KEY@": str(key),
            "@REGISTRY@": upstream.removeprefix("http://"),
        }
        conf = EXAMPLE.read_text()
        for placeholder, value in replacements.items():
            conf = conf.replace(placeholder, value)
        (tmp_path / "nginx.conf").write_text(conf)
        process = subprocess.Popen(
            [nginx, "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off; master_process off;"],
            stderr=subprocess.DEVNULL,
        )
        base = f"https://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:  # until nginx listens; /openapi.json is not rate limited
                try:
                    httpx.get(
                        f"{base}/openapi.json",
                        verify=trusting(cert),
                        timeout=1,
                    )
                    break
                except httpx.TransportError:
                    assert process.poll() is None, "nginx did not start"
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.05)
            yield base, cert
        finally:
            process.kill()
            process.wait(timeout=10)


def trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cert)


def client_from(address: str, cert: Path) -> httpx.Client:
    return httpx.Client(
        verify=trusting(cert),
        transport=httpx.HTTPTransport(local_address=address, verify=trusting(cert)),
    )


def test_tls_is_terminated_with_hsts(proxied: tuple[str, Path]) -> None:
    base, cert = proxied

    response = httpx.get(f"{base}/openapi.json", verify=trusting(cert))

    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=63072000")


def test_the_rate_limit_applies_per_real_client_whatever_it_claims(
    proxied: tuple[str, Path],
) -> None:
    base, cert = proxied
    spoofed = [{"X-Forwarded-For": f"203.0.113.{n}"} for n in range(3)]

    with client_from("127.0.0.1", cert) as first, client_from("127.0.0.2", cert) as second:
        from_first = [first.get(f"{base}/api/v1/clauses", headers=h).status_code for h in spoofed]
        from_second = [second.get(f"{base}/api/v1/clauses").status_code for _ in range(2)]

    assert from_first == [200, 429, 429]  # one left after the wait; claims changed nothing
    assert from_second == [200, 200]  # another client, its own two
