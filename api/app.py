"""The composition root: `create_app(settings)` builds the registry in the lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request

from api import problems
from registry.application import Registry, open_registry
from registry.clauses import catalogue
from registry.maintenance import Maintenance
from registry.settings import Settings


def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        registry = open_registry(settings)
        maintenance = Maintenance(registry)
        maintenance.start()  # sweeps now, then daily; projects other processes' events
        app.state.registry = registry
        yield
        maintenance.stop()
        registry.close()

    app = FastAPI(title="certregistry", version="0.1.0", lifespan=lifespan)
    problems.install(app)

    @app.get("/api/v1/verify", tags=["public"])
    def verify(
        registry: RegistryDep,
        number: str | None = None,
        oid: str | None = None,
        as_of: Annotated[date | None, Query()] = None,
    ) -> dict[str, Any]:
        """The verification answer for a registration or certificate number, or an OID."""
        return registry.verify(number=number, oid=oid, as_of=as_of)

    @app.get("/api/v1/clauses", tags=["public"])
    def clauses() -> list[dict[str, str]]:
        """The clause catalogue of Appendices A and B, with stable ids."""
        return [vars(clause) for clause in catalogue()]

    return app
