"""Rate limiting per client address: public requests (REGISTRY_RATE_LIMIT per minute), and
failed authentications (a few, then 429 before any credential is looked at).

A token bucket per address, per process: each worker limits on its own. Authenticated
routes (commands, audit, regulator, queues) are not limited here: a token already names
who is asking. Static assets are not limited either.

Both tables are bounded: `cachetools.TTLCache` forgets an address once its entry has
nothing left to say (a bucket refilled, a failure window passed) and, when full, the least
recently seen, in O(1) a request; at worst a forgotten address starts afresh.
"""

import math
import threading
import time
from collections.abc import Callable

from cachetools import TTLCache
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import send_problem

PROTECTED = ("/api/v1/regulator", "/api/v1/queues", "/api/v1/audit/events")
UNLIMITED = ("/static/", "/openapi.json", "/healthz", "/readyz", "/metrics")  # probes too
MAX_CLIENTS = 100_000  # addresses remembered at once, each table
AUTH_FAILURES = 10  # failed authentications from one address ...
AUTH_WINDOW = 300.0  # ... each within this many seconds of the last, then 429 until it passes


def is_public(method: str, path: str) -> bool:
    if path.startswith(PROTECTED + UNLIMITED) or path.endswith("/history"):
        return False
    return method != "POST" or path == "/api/v1/qr/verify"


class RateLimit:
    def __init__(self, app: ASGIApp, per_minute: int, max_clients: int = MAX_CLIENTS):
        self.app = app
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0  # tokens a second
        # address -> (tokens, at); an untouched bucket is full again after capacity/refill s
        self.buckets: TTLCache[str, tuple[float, float]] = TTLCache(
            maxsize=max_clients, ttl=60.0, timer=time.monotonic
        )

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
            retry_after = int((1 - tokens) / self.refill) + 1
            await _too_many(send, "too many public requests from this address", retry_after)
            return
        self.buckets[address] = (tokens - 1, now)
        await self.app(scope, receive, send)


class AuthFailures:
    """Failed authentications (bearer tokens, console sign-in) per client address: after
    `limit`, each within `window` seconds of the one before, the address is refused until
    `window` seconds pass without one. Shared by the event loop and the threadpool."""

    def __init__(
        self,
        limit: int = AUTH_FAILURES,
        window: float = AUTH_WINDOW,
        *,
        max_clients: int = MAX_CLIENTS,
        timer: Callable[[], float] = time.monotonic,
    ):
        self.limit = limit
        self.window = window
        self.timer = timer
        self.failures: TTLCache[str, tuple[int, float]] = TTLCache(
            maxsize=max_clients, ttl=window, timer=timer
        )  # address -> (count, last)
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Seconds until `address` may try again, or None when it may now."""
        with self._lock:
            count, last = self.failures.get(address, (0, 0.0))
            if count < self.limit:
                return None
            return max(1, math.ceil(self.window - (self.timer() - last)))

    def failed(self, address: str) -> None:
        with self._lock:
            count, _ = self.failures.get(address, (0, 0.0))
            self.failures[address] = (count + 1, self.timer())


async def _too_many(send: Send, what: str, retry_after: int) -> None:
    detail = f"{what}; retry in {retry_after} s"
    headers = [(b"retry-after", str(retry_after).encode())]
    await send_problem(send, 429, "too-many-requests", "Too many requests", detail, headers)
