"""ASGI guards before any parsing: bodies over a sane size get 413, NUL bytes in the URL 422."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import send_problem

MAX_BODY = 256 * 1024  # an issue request with 200 sites is well under this


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY):
        self.app = app
        self.max_body = max_body

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
        if length is not None:
            if not length.isdigit() or int(length) > self.max_body:
                await _too_large(send, self.max_body)
                return
            await self.app(scope, receive, send)
            return
        if b"chunked" not in headers.get(b"transfer-encoding", b""):
            await self.app(scope, receive, send)
            return
        # A body of unknown length: read it whole (up to the limit) before the app sees it.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_body:
                await _too_large(send, self.max_body)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    detail = f"request bodies are limited to {limit} bytes"
    await send_problem(send, 413, "body-too-large", "Request body too large", detail)
