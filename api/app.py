"""The composition root: `create_app(settings)` builds the registry in the lifespan."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import pages, problems
from api.console import app as console
from api.hot import HOT_ROUTES
from api.limits import RequestGuard
from api.ratelimit import RateLimit
from api.routes import commands, oversight, public, qr, transparency
from registry.application import Clock, open_registry, utc_now
from registry.maintenance import Maintenance
from registry.settings import Settings
from registry.signing import open_keys
from registry.transparency import AuditLog

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    """The whole app; `clock` lets tests fix today."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        registry = open_registry(settings, clock=clock)
        keys = open_keys(registry, settings)
        keys.check()  # refuse to serve with a key unencrypted at rest (unless dev mode)
        audit = AuditLog(registry, keys)
        maintenance = Maintenance(registry, keys, audit)
        maintenance.start()  # sweeps now, then daily; projects other processes' events
        app.state.registry = registry
        app.state.keys = keys
        app.state.audit = audit
        app.state.public_base_url = settings.public_base_url
        app.state.sessions = console.open_sessions(registry, settings)
        gc.freeze()  # what start-up built lives as long as the app: keep it out of collections
        yield
        maintenance.stop()
        registry.close()

    app = FastAPI(
        title="certregistry",
        version="0.1.0",
        summary="The registry of CESI-SC-OD13 service certificates (GB/T 42202-2022)",
        lifespan=lifespan,
        docs_url=None,  # served by pages.py from local assets: no CDN
        redoc_url=None,
        # No OpenTelemetry here: its per-request check of the providers costs more than a
        # verification's database read.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    problems.install(app)
    # The public reads first: routes are matched in order, and they are the hot ones.
    app.include_router(public.router)
    app.include_router(qr.router)
    app.include_router(transparency.router)
    app.include_router(pages.router)
    app.include_router(oversight.router)
    app.include_router(commands.router)
    console.install(app)
    # Hot public reads, served ahead of their FastAPI declarations (api/hot.py).
    app.router.routes[:0] = HOT_ROUTES
    app.mount(
        "/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger"
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(RequestGuard)
    app.add_middleware(RateLimit, per_minute=settings.rate_limit)
    pages.install_security_headers(app)
    return app
