"""Operations: /healthz, /readyz, Prometheus /metrics, and the optional JSON access log.

The middleware is pure ASGI and cheap (two clock reads, a counter and a histogram): it runs
in front of the hot public routes too.
"""

import hmac
import json
import logging
import time
from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime
from ipaddress import ip_address
from itertools import accumulate
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem

access_log = logging.getLogger("registry.access")


BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    """Requests by route template (never the raw path: bounded label values) and status,
    counted in plain dicts by the event loop's one thread (no locks: ~0.5 us a request, not
    the ~3 us of the client's locked counters) and handed to prometheus-client at a scrape."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = {}
        # (route, method) -> a count per bucket of BUCKETS, then +Inf, then the sum
        self.latency: dict[tuple[str, str], list[float]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        self.requests[key] = self.requests.get(key, 0) + 1
        histogram = self.latency.get((route, method))
        if histogram is None:
            histogram = self.latency[(route, method)] = [0.0] * (len(BUCKETS) + 2)
        histogram[bisect_left(BUCKETS, seconds)] += 1
        histogram[-1] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "registry_http_requests",
            "HTTP requests answered, by route, method and status",
            labels=["route", "method", "status"],
        )
        for (route, method, status), count in list(self.requests.items()):  # a copy: atomic
            requests.add_metric([route, method, str(status)], count)
        yield requests
        latency = HistogramMetricFamily(
            "registry_http_request_duration_seconds",
            "Time to answer an HTTP request, by route and method",
            labels=["route", "method"],
        )
        for (route, method), counts in list(self.latency.items()):
            counts = list(counts)
            cumulative = list(accumulate(counts[:-1]))
            buckets = [(str(b), c) for b, c in zip((*BUCKETS, "+Inf"), cumulative, strict=True)]
            latency.add_metric([route, method], buckets, sum_value=counts[-1])
        yield latency


class Observe:
    """Counts and times every request; with `log`, writes one JSON line per request."""

    def __init__(
        self, app: ASGIApp, metrics: HttpMetrics, routes: list[BaseRoute], log: bool = False
    ):
        self.app = app
        self.metrics = metrics
        self.log = log
        # FastAPI names the route in the scope for its own routes only; the plain Starlette
        # ones (the hot reads) are known by their endpoint. Built with the middleware stack,
        # when the routes are final.
        self.paths: dict[object, str] = {r.endpoint: r.path for r in routes if isinstance(r, Route)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            seconds = time.perf_counter() - start
            route = self.route_of(scope)
            self.metrics.observe(route, scope["method"], status, seconds)
            if self.log:
                client = scope.get("client")
                access_log.info(
                    json.dumps(
                        {
                            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                            "client": client[0] if client else None,
                            "method": scope["method"],
                            "path": scope["path"],
                            "route": route,
                            "status": status,
                            "duration_ms": round(seconds * 1000, 3),
                        },
                        ensure_ascii=False,
                    )
                )

    def route_of(self, scope: Scope) -> str:
        path: str | None = getattr(scope.get("route"), "path", None)
        return path or self.paths.get(scope.get("endpoint"), "unmatched")


class StateCollector:
    """What a scrape reads from the registry itself: the log's head, each projection's lag,
    the age of the latest signed checkpoint."""

    def __init__(self, state: Any):
        self.state = state

    def collect(self) -> Iterator[Metric]:
        registry = getattr(self.state, "registry", None)
        if registry is None:  # before the lifespan has built it
            return
        statuses = registry.projector.status()
        events = CounterMetricFamily(
            "registry_events_appended", "Events appended to the store (the log's head)"
        )
        events.add_metric([], statuses[0].head if statuses else 0)
        yield events
        lag = GaugeMetricFamily(
            "registry_projector_lag_events",
            "Events stored but not yet in the read model",
            labels=["projection"],
        )
        for status in statuses:
            lag.add_metric([status.name], status.lag)
        yield lag
        webhooks = getattr(self.state, "webhooks", None)
        if webhooks is not None:
            yield GaugeMetricFamily(
                "registry_webhook_backlog",
                "Webhook messages not yet delivered",
                value=webhooks.backlog(),
            )
        latest = self.state.audit.latest()
        if latest is not None:
            age = registry.clock() - datetime.fromisoformat(latest["timestamp"])
            yield GaugeMetricFamily(
                "registry_checkpoint_age_seconds",
                "Seconds since the latest signed checkpoint",
                value=age.total_seconds(),
            )


async def healthz(_: Request) -> Response:
    """The process answers; nothing else is checked (a liveness probe)."""
    return JSONResponse({"status": "ok"})


def readyz(request: Request) -> Response:
    """200 when the store answers, the read models keep up and a key signs; 503 otherwise,
    with each check's detail."""
    ready, checks = request.app.state.readiness.run()
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


def metrics(request: Request) -> Response:
    """The Prometheus text format, to loopback clients or with the metrics token."""
    if not _may_scrape(request):
        return problem(
            403,
            "forbidden",
            "Not allowed",
            "metrics are served to loopback clients or with REGISTRY_METRICS_TOKEN",
        )
    body = generate_latest(request.app.state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _may_scrape(request: Request) -> bool:
    token: str | None = request.app.state.metrics_token
    given = request.headers.get("authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    host = request.client.host if request.client else ""
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


ROUTES = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
