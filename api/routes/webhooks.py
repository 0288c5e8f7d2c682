"""Webhook subscriptions, their delivery logs and manual redelivery: the regulator's."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Regulator
from api.problems import PROBLEM_RESPONSES
from registry.webhooks import EVENTS, Webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["regulator"], responses=PROBLEM_RESPONSES)


async def get_webhooks(request: Request) -> Webhooks:
    webhooks: Webhooks = request.app.state.webhooks
    return webhooks


WebhooksDep = Annotated[Webhooks, Depends(get_webhooks)]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    url: str = Field(max_length=2000, description="where messages are POSTed (http or https)")
    events: list[str] | None = Field(
        None, max_length=len(EVENTS), description=f"some of {', '.join(EVENTS)}; default all"
    )


@router.post("/subscriptions", status_code=201)
def subscribe(body: SubscriptionIn, webhooks: WebhooksDep, _: Regulator) -> dict[str, Any]:
    """A subscription from now on. `secret` (Standard Webhooks `whsec_…`) is shown only
    here: receivers check `webhook-signature` with it."""
    return webhooks.subscribe(body.url, body.events)


@router.get("/subscriptions")
def subscriptions(webhooks: WebhooksDep, _: Regulator) -> list[dict[str, Any]]:
    return [vars(s) for s in webhooks.subscriptions()]


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def unsubscribe(subscription_id: str, webhooks: WebhooksDep, _: Regulator) -> Response:
    webhooks.unsubscribe(subscription_id)
    return Response(status_code=204)


@router.get("/subscriptions/{subscription_id}/deliveries")
def deliveries(subscription_id: str, webhooks: WebhooksDep, _: Regulator) -> list[dict[str, Any]]:
    """The delivery log, latest first: status, attempts, the last answer or error, when next."""
    return webhooks.deliveries(subscription_id)


@router.post("/subscriptions/{subscription_id}/deliveries/{message_id}/redeliver", status_code=202)
def redeliver(
    subscription_id: str, message_id: str, webhooks: WebhooksDep, _: Regulator
) -> dict[str, str]:
    """Send the message again (same `webhook-id`) at the next dispatch."""
    webhooks.redeliver(subscription_id, message_id)
    return {"message_id": message_id, "status": "pending"}
