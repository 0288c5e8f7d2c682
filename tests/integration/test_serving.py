"""`registry serve` bounds what a slow client can hold: the time to send a request's headers,
and the connections open at once."""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.settings import Settings
from tests.processes import server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'registry.sqlite'}",
        keys_dir=tmp_path / "keys",
        dev_mode=True,
        rate_limit=0,
        header_timeout=1,
        max_connections=8,
    )


@pytest.fixture
def base(settings: Settings) -> Iterator[str]:
    with server(settings) as url:
        yield url


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)))
    conn.settimeout(60)  # a safety net: the server answers long before
    return conn


def everything(conn: socket.socket) -> bytes:
    received = b""
    while chunk := conn.recv(4096):
        received += chunk
    return received


def test_headers_sent_too_slowly_are_answered_408_and_the_connection_closed(base: str) -> None:
    with connect(base) as slow:
        slow.sendall(b"GET /api/v1/clauses HTTP/1.1\r\nHost: registry\r\nX-Slo")

        answer = everything(slow)

    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_connection_that_sends_nothing_is_closed(base: str) -> None:
    with connect(base) as silent:
        answer = everything(silent)

    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_connection_beyond_the_limit_is_closed_at_once(
    settings: Settings,
) -> None:
    patient = settings.model_copy(update={"header_timeout": 600})  # the 8 stay while we look
    with server(patient) as base:
        held = [connect(base) for _ in range(8)]
        try:
            with connect(base) as extra:
                refused = everything(extra)
        finally:
            for conn in held:
                conn.close()

    assert refused == b""
