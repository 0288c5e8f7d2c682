"""Hot public reads, declared once: `hot_get` records a route both as a FastAPI declaration
(for the OpenAPI document) and as a plain Starlette route that `create_app` puts at the head
of the routing table, where it is served: FastAPI's request handling costs more than the
registry's read (~30 us a request, not ~85)."""

from bisect import bisect_right
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]

HOT_ROUTES: list[Route] = []  # served first, in declaration order
CACHE = {"Cache-Control": "public, max-age=300"}  # what a certificate's images and PDF allow
# The `{no:path}` parameter as the OpenAPI document declares it.
NO = {
    "name": "no",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "registration or printed certificate number (`/` literal or `%2F`)",
}


_RANKS: list[int] = []  # HOT_ROUTES' ranks, in the same order


def hot_get(
    router: APIRouter, path: str, *, rank: int = 0, **declaration: Any
) -> Callable[[Endpoint], Endpoint]:
    """Declare `path` on `router` with `declaration` and serve it as a fast route, after the
    hot routes of a lower `rank` (the most asked first), whatever order modules load in."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        router.get(path, **declaration)(endpoint)
        place = bisect_right(_RANKS, rank)
        _RANKS.insert(place, rank)
        HOT_ROUTES.insert(place, Route(router.prefix + path, endpoint, methods=["GET"]))
        return endpoint

    return decorate
