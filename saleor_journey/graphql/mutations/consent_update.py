"""``consentUpdate``: marketing consent for one channel and address, from the customer or from staff.

Who may change what: staff and apps with MANAGE_USERS, any address; a
signed-in customer, their own account's email; anyone holding a message's
unsubscribe token (the link in every marketing message) may only refuse, for
that message's address on that message's channel: a link forwarded or read
by someone else can never opt its owner back in.
"""

from typing import Any

import graphene

from ...core.identity import normalise_email
from ...core.requestor import Permission
from ...delivery import preferences
from ...delivery.addresses import address_hash, normalise_phone
from ...delivery.tokens import read_unsubscribe_token
from ...exceptions import PermanentSendError
from ...models import Consent, MessageChannel, ScheduledMessage, Suppression
from ..types import ChannelConsent
from .base import JourneyError, error

MessageChannelEnum = graphene.Enum("MessageChannelEnum", [(c.name, c.value) for c in MessageChannel])


def _address(channel: str, email: str | None, phone: str | None) -> str | None:
    if channel == MessageChannel.EMAIL:
        return normalise_email(email) if email else None
    try:
        return normalise_phone(phone or "", None) if phone else None
    except PermanentSendError:
        return None


class ConsentUpdate(graphene.Mutation):
    class Arguments:
        channel = MessageChannelEnum(required=True)
        granted = graphene.Boolean(required=True)
        email = graphene.String(description="For the email channel.")
        phone = graphene.String(description="For SMS and WhatsApp, in E.164 (+39…).")
        token = graphene.String(description="The token of an unsubscribe link; then email and phone are not needed.")

    consent = graphene.Field(ChannelConsent)
    stopped_messages = graphene.Int(description="Pending marketing messages stopped by a refusal.")
    errors = graphene.List(graphene.NonNull(JourneyError), required=True)

    @staticmethod
    def mutate(root: Any, info: Any, channel: str, granted: bool, email: str | None = None, phone: str | None = None,
               token: str | None = None) -> "ConsentUpdate":
        def refused(code: str, message: str, field: str | None = None) -> ConsentUpdate:
            return ConsentUpdate(consent=None, stopped_messages=0, errors=[error(code, message, field)])

        who = info.context.requestor
        if token:
            message_id = read_unsubscribe_token(token) if len(token) < 500 else None
            message = ScheduledMessage.objects.filter(pk=message_id).first() if message_id is not None else None
            if message is None:
                return refused("invalid", "The link is not valid.", "token")
            if message.channel != channel:
                return refused("not_allowed", f"This link is for {message.channel}, not {channel}.", "channel")
            if granted:
                return refused("not_allowed", "A link can only unsubscribe; to subscribe again, sign in or ask the "
                               "shop.", "granted")
            address, source = message.recipient, "api:link"
        else:
            given = _address(channel, email, phone)
            if given is None:
                field = "email" if channel == MessageChannel.EMAIL else "phone"
                return refused("invalid", f"Give a valid {field} for the {channel} channel.", field)
            address = given
            if who.can(Permission.MANAGE_USERS):
                source = f"api:{who.kind}:{who.app_id or who.user_id}"
            elif who.kind == "customer" and channel == MessageChannel.EMAIL and address == normalise_email(who.email):
                source = "api:customer"
            else:
                return refused("not_allowed", "Sign in as this customer, use the link from a message, or ask staff.")
        stopped = preferences.set_marketing_consent(channel, address, granted, source)
        row = Consent.objects.get(channel=channel, address=address)
        suppressed = Suppression.objects.filter(channel=channel, address_hash=address_hash(channel, address)).exists()
        return ConsentUpdate(
            consent=ChannelConsent(channel=channel, address=address, granted=row.granted, recorded_at=row.recorded_at,
                                   suppressed=suppressed),
            stopped_messages=stopped, errors=[],
        )
