"""The write baseline: a minimal FastAPI app that saves one new eventsourcing aggregate a
request to the same kind of store as the registry (`BENCH_WRITE_DATABASE_URL`, read as
`REGISTRY_DATABASE_URL` is), served as the registry is (uvicorn, 1 worker, a plain `def`
endpoint in the threadpool). What a command costs with no rules, numbering, hash chain,
idempotency record or projection: the ceiling of `POST /api/v1/certificates` here.

Likewise for a suspension: `POST /api/v1/certificates/{id}/suspensions` loads the aggregate,
triggers one event and saves it. `BENCH_WRITE_POOL` aggregates are saved at start-up for the
suspensions to take, and `GET /api/v1/records` lists those not yet suspended.
"""

import os
from collections import Counter
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

    @event("Suspended")
    def suspend(self, body: dict[str, Any]) -> None:
        self.suspension = body


class WriteBaseline(Application[UUID]):
    """On PostgreSQL its table is `writebaseline_events`, beside the registry's."""


def create_app() -> FastAPI:
    env = storage_env(os.environ["BENCH_WRITE_DATABASE_URL"])
    with storage_setup(env):
        store = WriteBaseline(env)
    pool = [Record({"pool": i}) for i in range(int(os.environ.get("BENCH_WRITE_POOL", "0")))]
    for start in range(0, len(pool), 200):
        store.save(*pool[start : start + 200])

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

    @app.post("/api/v1/certificates/{record_id}/suspensions", status_code=201)
    def suspend(record_id: UUID, body: dict[str, Any]) -> dict[str, str]:
        record: Record = store.repository.get(record_id)
        record.suspend(body)
        store.save(record)
        return {"id": str(record.id)}

    @app.get("/api/v1/records")
    def records() -> list[str]:
        """The records not suspended yet (those with one event), oldest first."""
        events = store.recorder.select_notifications(start=None, limit=10**9)
        counts = Counter(str(n.originator_id) for n in events)
        return [record for record, count in counts.items() if count == 1]

    return app
