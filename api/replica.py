"""Answers that public reads take from a streaming replica (REGISTRY_READ_DATABASE_URL) say
how far behind its primary the replica was: `X-Registry-Lag`, in seconds (one decimal)."""

import re
from contextlib import suppress

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.projections.store import ViewStore
from registry.settings import STORAGE_ERRORS

# The routes whose reads of the read models go to the replica (Registry.public_views).
REPLICA_READS = re.compile(
    r"/api/v1/(verify|directory|notices|status-list|qr/verify|exports/certificates\.(jsonl|csv)"
    r"|exports/manifest\.json|certificates/.+/(qr\.png|qr\.svg|document|certificate\.pdf))"
    r"|/verify|/v/.+|/notices(\.atom)?"
)


class ReplicaLag:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not REPLICA_READS.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        views: ViewStore = scope["app"].state.registry.public_views
        lag = None
        with suppress(*STORAGE_ERRORS):  # the replica is unreachable: the read answers 503
            lag = views.lag() if views.lag_is_fresh() else await run_in_threadpool(views.lag)
        if lag is None:
            await self.app(scope, receive, send)
            return
        header = (b"x-registry-lag", f"{lag:.1f}".encode())

        async def send_with_lag(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, send_with_lag)
