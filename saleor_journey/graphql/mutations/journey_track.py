"""``journeyTrack``: storefront events Saleor never sees, a newsletter sign-up or a product view.

Anyone may call it (a storefront's visitors are anonymous), so it is rate
limited per client address and per person, and a product view counts once an
hour per person and product. A view moves a known customer to consideration;
a sign-up starts a journey at awareness.

What an anonymous caller may do is narrow: a product view is tracked by the
cart the visitor holds (its Checkout ID), or by an email that belongs to no
account; an account's activity needs that customer signed in, or staff/an app.
The stage comes back only to them. The channel must be one of the shop's.
"""

import base64
import binascii
import uuid
from enum import StrEnum
from typing import Any

import graphene

from ... import clock as journey_clock
from ...core.events import EventKind, JourneyEvent, Subject
from ...core.identity import normalise_email
from ...core.requestor import Permission
from ...models import Journey
from ...services import ratelimit
from ..errors import InvalidInput
from ..queries import pk_from
from ..types import JourneyStageEnum
from .base import JourneyError, error

#: Calls allowed per client address per minute, and per person (email or checkout) per hour.
PER_ADDRESS_PER_MINUTE = 60
PER_PERSON_PER_HOUR = 30


class TrackEvent(StrEnum):
    NEWSLETTER_SIGNUP = "newsletter_signup"
    PRODUCT_VIEWED = "product_viewed"


JourneyTrackEvent = graphene.Enum("JourneyTrackEvent", [(e.name, e.value) for e in TrackEvent])


def _checkout_token(raw: str) -> str:
    try:
        type_name, token = base64.b64decode(raw, validate=True).decode().split(":", 1)
        if type_name != "Checkout":
            raise ValueError
        return str(uuid.UUID(token))
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidInput(f"checkout: {raw[:60]!r} is not a Checkout ID.", "checkout") from exc


class JourneyTrack(graphene.Mutation):
    class Arguments:
        event = JourneyTrackEvent(required=True)
        email = graphene.String(description="The visitor's address, when known.")
        checkout = graphene.ID(description="Saleor Checkout ID, for a visitor known only by their cart.")
        product = graphene.ID(description="Saleor Product ID; required for PRODUCT_VIEWED.")
        channel = graphene.String(description="Saleor channel slug.")

    recorded = graphene.Boolean(required=True, description="False for a repeat within the hour.")
    stage = graphene.Field(JourneyStageEnum, description=(
        "The stage after the event: for the signed-in customer themself, staff and apps; null for anyone else."))
    errors = graphene.List(graphene.NonNull(JourneyError), required=True)

    @staticmethod
    def mutate(root: Any, info: Any, event: str, email: str | None = None, checkout: str | None = None,
               product: str | None = None, channel: str | None = None) -> "JourneyTrack":
        def refused(code: str, message: str, field: str | None = None) -> JourneyTrack:
            return JourneyTrack(recorded=False, stage=None, errors=[error(code, message, field)])

        context = info.context
        if context.record is None:
            return refused("not_allowed", "The plugin is not active.")
        if not ratelimit.allowed(f"journey-track:ip:{context.client_ip}", PER_ADDRESS_PER_MINUTE, 60):
            return refused("not_allowed", "Too many events from this address; slow down.")
        address = normalise_email(email) if email else None
        if email and address is None:
            return refused("invalid", "email is not a valid address.", "email")
        try:
            token = _checkout_token(checkout) if checkout else None
            product_pk = pk_from(product, "Product", "product") if product else None
        except InvalidInput as exc:
            return refused("invalid", exc.message, exc.field)
        if event == TrackEvent.NEWSLETTER_SIGNUP and address is None:
            return refused("invalid", "A newsletter sign-up needs an email.", "email")
        if event == TrackEvent.PRODUCT_VIEWED and product_pk is None:
            return refused("invalid", "A product view needs a product.", "product")
        if address is None and token is None:
            return refused("invalid", "Say who: pass email or checkout.", "email")
        if channel is not None and channel not in context.channels():
            return refused("invalid", "channel is not one of the shop's channels.", "channel")
        trusted = context.requestor.can(Permission.MANAGE_USERS) or (
            context.requestor.kind == "customer" and address is not None
            and address == normalise_email(context.requestor.email))
        if (event == TrackEvent.PRODUCT_VIEWED and address is not None and not trusted
                and has_account(address)):
            return refused("not_allowed", "This address has an account: sign in, or pass the cart's checkout ID.",
                           "email")
        who = address or f"checkout:{token}"
        if not ratelimit.allowed(f"journey-track:person:{who}", PER_PERSON_PER_HOUR, 3600):
            return refused("not_allowed", "Too many events for this person; try again later.")
        now = journey_clock.now()
        if event == TrackEvent.NEWSLETTER_SIGNUP:
            kind, dedupe, payload = EventKind.NEWSLETTER_SIGNUP, f"newsletter:{address}", {}
        else:
            hour = now.strftime("%Y-%m-%dT%H")
            kind, dedupe, payload = EventKind.PRODUCT_VIEWED, f"view:{who}:{product_pk}:{hour}", {"product": product_pk}
        subject = Subject(email=address) if address else Subject(anchor_key=f"checkout:{token}:created")
        result = context.record(JourneyEvent(kind=kind, subject=subject, dedupe_key=dedupe, occurred_at=now,
                                             channel=channel, payload=payload))
        if result.journey_id is None and not result.recorded and address is None:
            return refused("not_found", "No cart with that ID is known to the journey.", "checkout")
        # Nobody learns someone else's stage: only the customer themself, staff and apps see it.
        stage = result.stage.value if result.stage is not None and trusted else None
        return JourneyTrack(recorded=result.recorded, stage=stage, errors=[])


def has_account(email: str) -> bool:
    """Whether the address is a registered customer's (as far as the journeys know)."""
    return Journey.objects.filter(email=email, user_id__isnull=False, merged_into__isnull=True).exists()
