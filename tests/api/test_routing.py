"""The hot public reads are served by plain Starlette routes at the head of the routing table,
and each is still declared for the OpenAPI document."""

from starlette.routing import Route

from api.app import create_app
from api.hot import HOT_ROUTES

HOT_PATHS = [
    "/api/v1/verify",
    "/api/v1/certificates/{no:path}/qr.png",
    "/api/v1/certificates/{no:path}/qr.svg",
    "/api/v1/certificates/{no:path}/certificate.pdf",
]


def test_hot_routes_lead_the_routing_table() -> None:
    routes = create_app().router.routes

    leading = routes[: len(HOT_PATHS)]

    assert [getattr(r, "path", None) for r in leading] == HOT_PATHS
    assert leading == HOT_ROUTES
    assert all(type(r) is Route for r in leading)


def test_hot_routes_are_declared_for_openapi() -> None:
    declared = create_app().openapi()["paths"]

    assert all("get" in declared[path.replace(":path", "")] for path in HOT_PATHS)
