"""What an app's verification costs apart from its HTTP server: `GET /api/v1/verify` driven
in this process through the ASGI interface (no sockets, no server), CPU time a request.

    python -m bench.in_process bench.baseline_app:create_app 10000
    python -m bench.in_process api.app:create_app 10000     # the registry's environment

Asks for the numbers wrk asks for (`bench/data.py`, uniformly at random over COUNT), after
the app's start-up (lifespan). Prints one JSON object: CPU microseconds a request, median and
min over ROUNDS rounds. Over HTTP the same request costs the server more: the difference is
the HTTP server's own share (section 1 prints it)."""

import asyncio
import importlib
import json
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from bench import data

ROUNDS = 5
REQUESTS = 4000  # a round
WARMUP = 500

Message = MutableMapping[str, Any]
App = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


def scope(number: str) -> Message:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/verify",
        "raw_path": b"/api/v1/verify",
        "query_string": f"number={quote(number, safe='')}".encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def request_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def requests(app: App, numbers: list[str]) -> float:
    """CPU seconds to answer each number once; every answer must be 200."""
    statuses: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for number in numbers:
        await app(scope(number), request_body, send)
    seconds = time.process_time() - started
    if any(status != 200 for status in statuses):
        raise RuntimeError(f"answers other than 200: {sorted(set(statuses))}")
    return seconds


async def measure(app: App, count: int) -> dict[str, Any]:
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    started = asyncio.Event()

    async def lifespan_send(message: Message) -> None:
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(message.get("message", "start-up failed"))
        started.set()

    async def lifespan_run() -> None:
        await app(
            {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, lifespan_send
        )

    lifespan = asyncio.create_task(lifespan_run())
    await inbox.put({"type": "lifespan.startup"})
    await started.wait()
    pick = random.Random(2026)
    ask = [data.number(pick.randrange(count)) for _ in range(WARMUP + ROUNDS * REQUESTS)]
    await requests(app, ask[:WARMUP])
    rounds = []
    for i in range(ROUNDS):
        chosen = ask[WARMUP + i * REQUESTS : WARMUP + (i + 1) * REQUESTS]
        rounds.append(1e6 * await requests(app, chosen) / REQUESTS)
    await inbox.put({"type": "lifespan.shutdown"})
    await lifespan
    return {
        "cpu_us_per_request": statistics.median(rounds),
        "min": min(rounds),
        "rounds": rounds,
    }


def main(factory: str, count: int) -> None:
    module, _, name = factory.partition(":")
    app = getattr(importlib.import_module(module), name)()
    print(json.dumps(asyncio.run(measure(app, count))))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
