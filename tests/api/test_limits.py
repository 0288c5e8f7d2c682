"""The guards before any parsing: a request body is bounded in size and in time."""

import asyncio

from starlette.types import Message, Receive, Scope, Send

from api.limits import RequestGuard

SCOPE: dict[str, object] = {
    "type": "http",
    "method": "POST",
    "path": "/api/v1/qr/verify",
    "query_string": b"",
}


def through_guard(headers: list[tuple[bytes, bytes]], chunks: list[Message]) -> list[Message]:
    """What a guard with a short deadline sends when the client delivers `chunks` and then
    holds the body open; the app, were it reached, answers 204."""
    sent: list[Message] = []
    reached: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(True)
        await send({"type": "http.response.start", "status": 204, "headers": []})

    async def receive() -> Message:
        if chunks:
            return chunks.pop(0)
        await asyncio.Event().wait()  # the client sends nothing more, and stays
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    guard = RequestGuard(app, body_timeout=0.05)
    asyncio.run(guard(SCOPE | {"headers": headers}, receive, send))
    assert not reached
    return sent


def test_a_chunked_body_held_open_is_answered_408_and_the_connection_closed() -> None:
    opened: list[Message] = [{"type": "http.request", "body": b'{"token": "', "more_body": True}]

    sent = through_guard([(b"transfer-encoding", b"chunked")], opened)

    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]


def test_a_body_shorter_than_its_length_is_answered_408() -> None:
    sent = through_guard([(b"content-length", b"100")], [])

    assert sent[0]["status"] == 408


def test_a_body_over_the_limit_is_answered_413_before_it_is_read() -> None:
    sent = through_guard([(b"content-length", str(256 * 1024 + 1).encode())], [])

    assert sent[0]["status"] == 413
