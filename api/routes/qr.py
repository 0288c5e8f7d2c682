"""Signed QR codes: the key set, the images, the scanned page's check, the printable certificate."""

from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.blocking import read
from api.deps import KeysDep, RegistryDep
from api.hot import CACHE, NO, hot_get
from api.problems import GONE_RESPONSE, PROBLEM_RESPONSES
from registry import qrcodes, status_list

router = APIRouter(tags=["public"], responses=PROBLEM_RESPONSES)
STATUS_LIST_MEDIA_TYPE = "application/statuslist+jwt"


class QrVerifyRequest(BaseModel):
    token: Annotated[str, Field(max_length=4096)]


@router.get("/.well-known/jwks.json")
def jwks(keys: KeysDep) -> dict[str, Any]:
    """The public keys that verify QR tokens: active and retired; compromised ones withheld."""
    return keys.jwks()


# Hot public routes (api/hot.py): signing and images are cached, and a token's verdict is
# cached by the keyring.


def _image_route(
    extension: str, render: Callable[[str], bytes], media_type: str, summary: str | None
) -> None:
    """GET …/qr.{extension}: the signed QR code, rendered and cached (a hot route)."""

    async def image(request: Request) -> Response:
        return await _image(request, render, media_type)

    image.__name__, image.__doc__ = f"qr_{extension}", summary  # as OpenAPI names them
    path = f"/api/v1/certificates/{{no:path}}/qr.{extension}"
    hot_get(
        router,
        path,
        response_class=Response,
        responses=GONE_RESPONSE,
        openapi_extra={"parameters": [NO]},
    )(image)


_image_route(
    "png",
    qrcodes.png,
    "image/png",
    "The signed QR code of the current certificate, as printed on it.",
)
_image_route("svg", qrcodes.svg, "image/svg+xml", None)


async def _image(request: Request, render: Callable[[str], bytes], media_type: str) -> Response:
    state, no = request.app.state, request.path_params["no"]
    base_url = str(state.public_base_url)
    url = await read(state.registry, qrcodes.signed_url, state.registry, state.keys, base_url, no)
    return Response(render(url), media_type=media_type, headers=CACHE)


@router.get(
    status_list.PATH,
    response_class=Response,
    responses={200: {"content": {STATUS_LIST_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
)
def status_list_token(request: Request, registry: RegistryDep, keys: KeysDep) -> Response:
    """The offline status list (IETF draft-ietf-oauth-status-list): a compact JWS, header
    `typ: statuslist+jwt`, claims `sub`, `iat`, `exp`, `ttl` and `status_list: {bits: 2,
    lst}`; 0 valid, 1 invalid (revoked, cancelled, expired), 2 suspended. A QR token's
    `status.status_list.idx` is its registration's place. Re-signed when a status changes
    and at least twice a day."""
    state = request.app.state
    token = state.status_lists.token(
        registry.public.statuses(registry.today()),  # the replica's, when one is set
        str(state.public_base_url).rstrip("/") + status_list.PATH,
        registry.clock(),
        lambda payload: keys.sign_typed(payload, status_list.TYP),
    )
    ttl = int(status_list.TTL.total_seconds())
    return Response(
        token,
        media_type=STATUS_LIST_MEDIA_TYPE,
        headers={"Cache-Control": f"public, max-age={ttl}"},
    )


@router.post("/api/v1/qr/verify")
async def qr_verify(body: QrVerifyRequest, request: Request) -> Response:
    """Check a scanned token: `authentic`, the signing `kid`, the printed `claims`, the
    certificate's live answer as `current`, and the printed facts that now `differ`."""
    state = request.app.state
    result = await read(state.registry, qrcodes.check, state.registry, state.keys, body.token)
    return Response(orjson.dumps(result), media_type="application/json")
