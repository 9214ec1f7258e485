"""Taking a customer's answer to a cart reminder: why the cart was left, and whether to stop reminding.

Shared by the page the reminder links to and anything else that records an
answer, so all accept and refuse the same things. The free text is untrusted:
length-limited here and escaped wherever it is shown.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from .. import clock as journey_clock
from ..core.answers import CART_REASON_TEXT_MAX, CART_REASONS, OTHER, STOPPED_BY_CUSTOMER, stops_reminders
from ..core.flows import ABANDONED_CART, cart_subject
from ..exceptions import InvalidInput
from ..models import CartReason, MessageState, ScheduledMessage
from ..models.delivery import DUE_STATES
from ..web import UNSTORABLE
from . import ratelimit

logger = logging.getLogger(__name__)

ATTEMPTS_PER_HOUR = 10
ATTEMPTS_PER_ADDRESS_PER_HOUR = 60


@dataclass(frozen=True, slots=True)
class CartAnswer:
    reason: str
    text: str
    stop: bool


class InvalidAnswer(InvalidInput):
    """Input that cannot be an answer; ``fields`` names what is wrong (reason, text)."""


def clean(reason: Any, text: Any, stop: Any) -> CartAnswer:
    """Return the answer, trimmed; the text is kept only with "other". InvalidAnswer names what is wrong."""
    reason, text = str(reason or "").strip(), " ".join(str(text or "").split())
    wrong = []
    if reason not in CART_REASONS:
        wrong.append("reason")
    if len(text) > CART_REASON_TEXT_MAX or UNSTORABLE.search(text):
        wrong.append("text")
    if wrong:
        raise InvalidAnswer(wrong)
    return CartAnswer(reason, text if reason == OTHER else "", str(stop or "") in ("1", "on", "true"))


def attempt_allowed(token: str, client: str) -> bool:
    """Count an attempt with this link and from this address; False once either was used too often this hour."""
    return (ratelimit.allowed(f"journey-cart-reason:{token}", ATTEMPTS_PER_HOUR, 3600)
            and ratelimit.allowed(f"journey-cart-reason:address:{client}", ATTEMPTS_PER_ADDRESS_PER_HOUR, 3600))


def reminder(message_id: int | None) -> ScheduledMessage | None:
    """Return the cart reminder a link names, or None (a link of another flow's message is no cart reminder)."""
    if message_id is None:
        return None
    return ScheduledMessage.objects.filter(pk=message_id, flow=ABANDONED_CART).first()


def given(message: ScheduledMessage) -> CartReason | None:
    return CartReason.objects.filter(subject_key=message.subject_key).first()


def give(message: ScheduledMessage, answer: CartAnswer, language: str) -> tuple[CartReason, int]:
    """Record the answer for the reminder's cart (a later one replaces it); return it and the reminders stopped.

    "Just looking", or any reason with the customer asking to stop, cancels
    every reminder still waiting for that checkout (all its sequences, every
    channel) and marks the answer ``stopped``: the cart flow reads that, so a
    later change of the same cart starts no new sequence. A stop is never
    undone by a later answer.
    """
    now = journey_clock.now()
    stop = stops_reminders(answer.reason, answer.stop)
    with transaction.atomic():
        # Answers to one cart queue here, so two clicks at once leave one row.
        list(ScheduledMessage.objects.select_for_update().filter(pk=message.pk).values_list("pk"))
        row = CartReason.objects.filter(subject_key=message.subject_key).first()
        if row is None:
            row = CartReason.objects.create(
                message=message, journey_id=message.journey_id, subject_key=message.subject_key,
                channel_slug=message.channel_slug, reason=answer.reason, text=answer.text, language=language,
                stopped=stop, created_at=now, updated_at=now)
        else:
            row.reason, row.text, row.language, row.updated_at = answer.reason, answer.text, language, now
            row.stopped = row.stopped or stop
            row.save(update_fields=["reason", "text", "language", "stopped", "updated_at"])
        cancelled = 0
        if stop:
            cart = cart_subject(str(message.context.get("checkout") or message.subject_key.split(":")[1]), 1)
            cancelled = ScheduledMessage.objects.filter(
                Q(subject_key=cart) | Q(subject_key__startswith=f"{cart}:"), flow=ABANDONED_CART, state__in=DUE_STATES,
            ).update(state=MessageState.CANCELLED, reason=STOPPED_BY_CUSTOMER, updated_at=now)
    logger.info("journey: a customer said why cart reminder %s's cart was left (%s)", message.pk, answer.reason)
    return row, cancelled
