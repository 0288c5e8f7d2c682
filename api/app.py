"""The composition root: `create_app(settings)` builds the registry in the lifespan."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry

from api import operations, pages, problems
from api.console import app as console
from api.hot import HOT_ROUTES
from api.limits import RequestGuard
from api.ratelimit import AuthFailures, RateLimit
from api.replica import ReplicaLag
from api.routes import commands, monthly, open_data, oversight, pdf, public, qr, transparency
from api.routes import webhooks as webhook_routes
from registry.application import Clock, Registry, open_registry, utc_now
from registry.exports import Exports
from registry.health import Readiness
from registry.maintenance import Maintenance
from registry.notifications import Mailer, Notifier
from registry.pdfcert import PdfCertificates
from registry.settings import Settings
from registry.signing import open_keys
from registry.status_list import StatusListIssuer
from registry.transparency import AuditLog
from registry.webhooks import Webhooks

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
        reports_dir = settings.reports_dir if settings.monthly_reports else None
        webhooks = Webhooks(registry)
        maintenance = Maintenance(
            registry,
            keys,
            audit,
            reports_dir=reports_dir,
            webhooks=webhooks,
            notifier=notifier(registry, settings),
            checkpoint_interval=settings.checkpoint_interval,
        )
        maintenance.start()  # sweeps now, then daily; projects other processes' events
        app.state.registry = registry
        app.state.keys = keys
        app.state.audit = audit
        app.state.checkpoint_interval = settings.checkpoint_interval  # audit verify's limit
        app.state.maintenance = maintenance  # its `alarm`: a read model differs from the log
        app.state.public_base_url = settings.public_base_url
        app.state.auth_failures = AuthFailures()  # bearer tokens and console sign-in alike
        app.state.readiness = Readiness(registry, keys, settings.ready_max_lag)
        app.state.readiness.add("read_models", maintenance.read_models_check)
        app.state.exports = Exports(registry, keys, audit)
        app.state.reports_dir = settings.reports_dir
        app.state.webhooks = webhooks
        app.state.pdfs = PdfCertificates(
            keys, public_base_url=settings.public_base_url, clock=clock, tsa_url=settings.tsa_url
        )
        app.state.status_lists = StatusListIssuer()
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
    app.include_router(pdf.router)
    app.include_router(transparency.router)
    app.include_router(open_data.router)
    app.include_router(pages.router)
    app.include_router(monthly.router)
    app.include_router(webhook_routes.router)
    app.include_router(oversight.router)
    app.include_router(commands.router)
    console.install(app)
    # Hot public reads, served ahead of their FastAPI declarations (api/hot.py).
    app.router.routes[:0] = HOT_ROUTES
    app.router.routes.extend(operations.ROUTES)
    app.mount(
        "/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger"
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.read_database_url is not None:  # X-Registry-Lag on answers from the replica
        app.add_middleware(ReplicaLag)
    app.add_middleware(RequestGuard, body_timeout=settings.body_timeout)
    app.add_middleware(RateLimit, per_minute=settings.rate_limit)
    pages.install_security_headers(app)
    install_observation(app, settings)  # outermost: counts 413 and 429 answers too
    return app


def notifier(registry: Registry, settings: Settings) -> Notifier | None:
    """E-mail notifications, when an SMTP server is set."""
    mailer = Mailer.from_settings(settings)
    if mailer is None:
        return None
    return Notifier(
        registry,
        mailer,
        registrars=_addresses(settings.notify_registrars),
        regulator=_addresses(settings.notify_regulator),
        reports_dir=settings.reports_dir,
    )


def _addresses(text: str) -> list[str]:
    return [a.strip() for a in text.split(",") if a.strip()]


def install_observation(app: FastAPI, settings: Settings) -> None:
    """Prometheus metrics of this app (a registry of its own: tests build many apps) and the
    optional access log."""
    metrics_registry = CollectorRegistry(auto_describe=True)
    metrics_registry.register(operations.StateCollector(app.state))
    app.state.metrics_registry = metrics_registry
    token = settings.metrics_token
    app.state.metrics_token = None if token is None else token.get_secret_value()
    if settings.access_log:
        operations.access_log.setLevel(logging.INFO)
        operations.access_log.propagate = False  # its own lines, not the root's format
        if not operations.access_log.handlers:  # one JSON document a line on stderr
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            operations.access_log.addHandler(handler)
    http = operations.HttpMetrics()
    metrics_registry.register(http)
    routes = app.router.routes
    app.add_middleware(operations.Observe, metrics=http, routes=routes, log=settings.access_log)
