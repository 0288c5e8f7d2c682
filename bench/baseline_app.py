"""The HTTP baseline: a trivial FastAPI app, served like the registry (uvicorn, 1 worker).

An `async def` endpoint at the registry's verification path returning a small JSON dict
from memory: the ceiling of FastAPI + uvicorn on this machine, measured beside the registry.
"""

from typing import Any

from fastapi import FastAPI

RECORD = {"status": "valid", "level": 3, "holder": {"name": "深圳市华创定制家居科技有限公司"}}


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/verify")
    async def verify(number: str = "") -> dict[str, Any]:
        return {"registration_no": number, **RECORD}

    return app
