"""The regulator's webhook subscriptions page: subscribe a URL (its secret shown once), each
subscription's delivery log, redelivery and unsubscribing; the API's operations, in a form."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.admin import Csrf
from api.console.auth import PATH, check_csrf
from api.console.oversight import Regulator
from api.console.render import page
from api.routes.webhooks import WebhooksDep
from registry.errors import RegistryError
from registry.webhooks import EVENTS

router = APIRouter(prefix=f"{PATH}/webhooks", include_in_schema=False)
Id = Annotated[str, Form(max_length=64)]
DELIVERIES_SHOWN = 20  # each subscription's latest; the API's log goes further


@router.get("", response_class=HTMLResponse)
def subscriptions(request: Request, webhooks: WebhooksDep, session: Regulator) -> Response:
    return _page(request, webhooks, session)


def _page(
    request: Request,
    webhooks: WebhooksDep,
    session: Regulator,
    status: int = 200,
    **context: object,
) -> Response:
    listed = [(s, webhooks.deliveries(s.id, DELIVERIES_SHOWN)) for s in webhooks.subscriptions()]
    return page(
        request, "webhooks.html", session, status, subscriptions=listed, events=EVENTS, **context
    )


@router.post("", response_class=HTMLResponse)
def subscribe(
    request: Request,
    webhooks: WebhooksDep,
    session: Regulator,
    url: Annotated[str, Form(max_length=2000)] = "",
    events: Annotated[list[str] | None, Form(max_length=len(EVENTS))] = None,
    csrf: Csrf = "",
) -> Response:
    check_csrf(session, csrf)
    try:
        made = webhooks.subscribe(url, events or [])
    except RegistryError as error:
        return _page(request, webhooks, session, 422, error=error.detail, url=url)
    return _page(request, webhooks, session, 201, created=made["id"], secret=made["secret"])


@router.post("/{subscription_id}/unsubscribe")
def unsubscribe(
    subscription_id: str, webhooks: WebhooksDep, session: Regulator, csrf: Csrf = ""
) -> Response:
    check_csrf(session, csrf)
    webhooks.unsubscribe(subscription_id)
    return RedirectResponse(f"{PATH}/webhooks", status_code=303)


@router.post("/{subscription_id}/redeliver")
def redeliver(
    subscription_id: str,
    webhooks: WebhooksDep,
    session: Regulator,
    message_id: Id = "",
    csrf: Csrf = "",
) -> Response:
    check_csrf(session, csrf)
    webhooks.redeliver(subscription_id, message_id)
    return RedirectResponse(f"{PATH}/webhooks", status_code=303)
