"""ASGI guards before any parsing: bodies over a sane size get 413, bodies slower than
REGISTRY_BODY_TIMEOUT 408, NUL bytes in the URL 422.

A body is read whole (it is at most 256 KiB) before the app sees it, within a deadline: a
client that opens a body (chunked or with a length) and holds it open is answered and cut
off then, so it pins neither a task nor its bytes for longer."""

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import send_problem

MAX_BODY = 256 * 1024  # an issue request with 200 sites is well under this
BODY_TIMEOUT = 30.0  # seconds for a whole body, from its headers


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY, body_timeout: float = BODY_TIMEOUT):
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            await send_problem(
                send, 422, "invalid-input", "Invalid input", "NUL bytes are not accepted"
            )
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _too_large(send, self.max_body)
            return
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"")
        if not chunked and (length is None or int(length) == 0):
            await self.app(scope, receive, send)  # no body: the hot reads pass straight on
            return
        try:
            async with asyncio.timeout(self.body_timeout):
                messages = await self._read(receive)
        except TimeoutError:
            detail = f"the request body did not arrive within {self.body_timeout:g} s"
            await send_problem(
                send, 408, "request-timeout", "Request timeout", detail, [(b"connection", b"close")]
            )
            return
        if messages is None:
            await _too_large(send, self.max_body)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or None once it passes the size limit (then dropped)."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_body:
                return None
            if message["type"] != "http.request" or not message.get("more_body", False):
                return messages


async def _too_large(send: Send, limit: int) -> None:
    detail = f"request bodies are limited to {limit} bytes"
    await send_problem(send, 413, "body-too-large", "Request body too large", detail)
