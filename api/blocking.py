"""Where a hot read runs: on the event loop when the store is a local file (SQLite: tens of
microseconds, less than a threadpool hop), in the threadpool when it crosses the network
(PostgreSQL: a round trip that would hold up every other request)."""

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from registry.application import Registry

T = TypeVar("T")


async def read(registry: Registry, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    if registry.views.postgres:
        return await run_in_threadpool(function, *args, **kwargs)
    return function(*args, **kwargs)
