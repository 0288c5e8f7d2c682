"""Rate limiting of public requests per client address (REGISTRY_RATE_LIMIT per minute).

A token bucket per address, per process: each worker limits on its own. Authenticated
routes (commands, audit, regulator, queues) are not limited here: a token already names
who is asking. Static assets are not limited either.
"""

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import send_problem

PROTECTED = ("/api/v1/regulator", "/api/v1/queues", "/api/v1/audit/events")
UNLIMITED = ("/static/", "/openapi.json", "/healthz", "/readyz", "/metrics")  # probes too
MAX_CLIENTS = 100_000  # idle buckets are forgotten beyond this


def is_public(method: str, path: str) -> bool:
    if path.startswith(PROTECTED + UNLIMITED) or path.endswith("/history"):
        return False
    return method != "POST" or path == "/api/v1/qr/verify"


class RateLimit:
    def __init__(self, app: ASGIApp, per_minute: int):
        self.app = app
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0  # tokens a second
        self.buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.capacity <= 0
            or scope["type"] != "http"
            or not is_public(scope["method"], scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        now = time.monotonic()
        tokens, at = self.buckets.get(address, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.refill)
        if tokens < 1:
            self.buckets[address] = (tokens, now)
            await _too_many(send, int((1 - tokens) / self.refill) + 1)
            return
        if len(self.buckets) >= MAX_CLIENTS and address not in self.buckets:
            self._forget_idle(now)
        self.buckets[address] = (tokens - 1, now)
        await self.app(scope, receive, send)

    def _forget_idle(self, now: float) -> None:
        full = self.capacity / self.refill  # seconds for an empty bucket to refill
        self.buckets = {a: (t, at) for a, (t, at) in self.buckets.items() if now - at < full}


async def _too_many(send: Send, retry_after: int) -> None:
    detail = f"too many public requests from this address; retry in {retry_after} s"
    headers = [(b"retry-after", str(retry_after).encode())]
    await send_problem(send, 429, "too-many-requests", "Too many requests", detail, headers)
