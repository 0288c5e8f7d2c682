"""Signed QR codes: the key set, the images, the scanned page's check, the printable certificate."""

from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.routing import Route

from api.blocking import read
from api.problems import PROBLEM_RESPONSES
from registry.application import Registry
from registry.errors import InvalidInput, NotFound
from registry.qrcodes import VERIFY_PATH, png, printed_claims, svg
from registry.rules.numbers import parse_number
from registry.signing import Keys, Verdict

router = APIRouter(tags=["public"], responses=PROBLEM_RESPONSES)
CACHE = {"Cache-Control": "public, max-age=300"}


async def get_keys(request: Request) -> Keys:
    keys: Keys = request.app.state.keys
    return keys


KeysDep = Annotated[Keys, Depends(get_keys)]


class QrVerifyRequest(BaseModel):
    token: Annotated[str, Field(max_length=4096)]


def signed_url(request: Request, no: str) -> str:
    state = request.app.state
    keys: Keys = state.keys
    current = state.registry.verify(number=no)
    return str(state.public_base_url).rstrip("/") + VERIFY_PATH + keys.sign(printed_claims(current))


def check(registry: Registry, keys: Keys, token: str) -> dict[str, Any]:
    """The verdict on a token and, when authentic, the certificate's live answer."""
    verdict: Verdict = keys.verify(token)
    current = None
    if verdict.authentic and verdict.claims is not None:
        try:  # the registration's current certificate: a re-issue shows as a difference
            printed = parse_number(str(verdict.claims.get("certificate_no", "")))
            current = registry.verify(number=printed.registration_no)
        except (NotFound, InvalidInput):
            current = None
    return {
        "authentic": verdict.authentic,
        "kid": verdict.kid,
        "claims": verdict.claims,
        "current": current,
        "reason": verdict.reason,
        "differences": differences(verdict.claims, current),
    }


def differences(claims: dict[str, Any] | None, current: dict[str, Any] | None) -> list[str]:
    """Printed facts that no longer match the registry's (a re-issue since printing)."""
    if not claims or not current:
        return []
    now = printed_claims(current)
    return [name for name in now if name != "iss" and claims.get(name) != now[name]]


@router.get("/.well-known/jwks.json")
def jwks(keys: KeysDep) -> dict[str, Any]:
    """The public keys that verify QR tokens: active and retired; compromised ones withheld."""
    return keys.jwks()


# Hot public routes: signing and images are cached, and a token's verdict is cached by the
# keyring. The images are served as plain Starlette routes (FAST_ROUTES, as verify is); the
# declarations describe them in OpenAPI.
NO = {
    "name": "no",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "registration or printed certificate number (`/` literal or `%2F`)",
}


@router.get(
    "/api/v1/certificates/{no:path}/qr.png",
    response_class=Response,
    openapi_extra={"parameters": [NO]},
)
async def qr_png(request: Request) -> Response:
    """The signed QR code of the current certificate, as printed on it."""
    return await _image(request, png, "image/png")


@router.get(
    "/api/v1/certificates/{no:path}/qr.svg",
    response_class=Response,
    openapi_extra={"parameters": [NO]},
)
async def qr_svg(request: Request) -> Response:
    return await _image(request, svg, "image/svg+xml")


async def _image(request: Request, render: Callable[[str], bytes], media_type: str) -> Response:
    no = request.path_params["no"]
    url = await read(request.app.state.registry, signed_url, request, no)
    return Response(render(url), media_type=media_type, headers=CACHE)


@router.post("/api/v1/qr/verify")
async def qr_verify(body: QrVerifyRequest, request: Request) -> Response:
    """Check a scanned token: `authentic`, the signing `kid`, the printed `claims`, the
    certificate's live answer as `current`, and the printed facts that now `differ`."""
    state = request.app.state
    result = await read(state.registry, check, state.registry, state.keys, body.token)
    return Response(orjson.dumps(result), media_type="application/json")


FAST_ROUTES = [
    Route("/api/v1/certificates/{no:path}/qr.png", qr_png, methods=["GET"]),
    Route("/api/v1/certificates/{no:path}/qr.svg", qr_svg, methods=["GET"]),
]
