"""Hot public reads, declared once: `hot_get` records a route both as a FastAPI declaration
(for the OpenAPI document) and as a plain Starlette route that `create_app` puts at the head
of the routing table, where it is served: FastAPI's request handling costs more than the
registry's read (~30 us a request, not ~85)."""

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


def hot_get(router: APIRouter, path: str, **declaration: Any) -> Callable[[Endpoint], Endpoint]:
    """Declare `path` on `router` with `declaration` and serve it as a fast route."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        router.get(path, **declaration)(endpoint)
        HOT_ROUTES.append(Route(router.prefix + path, endpoint, methods=["GET"]))
        return endpoint

    return decorate
