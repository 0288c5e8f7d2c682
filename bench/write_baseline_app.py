"""The write baseline: a minimal FastAPI app that saves one new eventsourcing aggregate a
request to the same kind of store as the registry (`BENCH_WRITE_DATABASE_URL`, read as
`REGISTRY_DATABASE_URL` is), served as the registry is (uvicorn, 1 worker, a plain `def`
endpoint in the threadpool). What a command costs with no rules, numbering, hash chain,
idempotency record or projection: the ceiling of `POST /api/v1/certificates` here.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from fastapi import FastAPI

from registry.settings import storage_env, storage_setup


class Record(Aggregate):
    @event("Recorded")
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body


class WriteBaseline(Application[UUID]):
    """On PostgreSQL its table is `writebaseline_events`, beside the registry's."""


def create_app() -> FastAPI:
    env = storage_env(os.environ["BENCH_WRITE_DATABASE_URL"])
    with storage_setup(env):
        store = WriteBaseline(env)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/certificates", status_code=201)
    def issue(body: dict[str, Any]) -> dict[str, str]:
        record = Record(body)
        store.save(record)
        return {"id": str(record.id)}

    return app
