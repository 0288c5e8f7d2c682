"""How `registry serve` holds its connections: uvicorn's HTTP protocol (httptools) with the
bounds uvicorn lacks. A connection must deliver a request's headers within
REGISTRY_HEADER_TIMEOUT seconds of opening (or of the request's first byte on a kept-alive
one), else it is answered 408 and closed; beyond REGISTRY_MAX_CONNECTIONS open at once, a
new connection is closed as soon as it is accepted. So a slow client (slowloris) holds a
connection, and the little memory of its unfinished headers, for seconds, not forever.
Bodies are bounded in size and time by `api.limits.RequestGuard`."""

import asyncio
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from registry.settings import Settings

LATE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 27\r\n\r\nthe headers came too slowly"
)


@cache
def _bounds() -> tuple[float, int]:
    """Read once per process (each worker imports this anew): the settings of the serve."""
    settings = Settings()
    return settings.header_timeout, settings.max_connections


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout, self.max_connections = _bounds()
        self.headers_due: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.close()  # at once: it has cost an accept and nothing else
            return
        self._expect_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._expect_headers()

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def _expect_headers(self) -> None:
        if self.headers_due is None:
            self.headers_due = self.loop.call_later(self.header_timeout, self._headers_late)

    def _headers_arrived(self) -> None:
        if self.headers_due is not None:
            self.headers_due.cancel()
            self.headers_due = None

    def _headers_late(self) -> None:
        self.headers_due = None
        if not self.transport.is_closing():
            self.transport.write(LATE)
            self.transport.close()
