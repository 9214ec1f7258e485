"""Taking customers' answers: why a cart was left (and whether to stop reminding), and an NPS survey's score.

Shared by the pages the messages link to and anything else that records an
answer, so all accept and refuse the same things. Free text is untrusted:
length-limited here and escaped wherever it is shown.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from .. import clock as journey_clock
from ..config import JourneySettings
from ..core.answers import (
    CART_REASON_TEXT_MAX,
    CART_REASONS,
    NPS_CHANGE_WINDOW,
    NPS_COMMENT_MAX,
    NPS_DETRACTOR_MAX,
    OTHER,
    STOPPED_BY_CUSTOMER,
    stops_reminders,
)
from ..core.events import EventKind, JourneyEvent, Subject
from ..core.flows import ABANDONED_CART, NPS_SURVEY, cart_subject
from ..exceptions import InvalidInput
from ..models import CartReason, MessageState, NpsAnswer, ScheduledMessage
from ..models.delivery import DUE_STATES
from ..web import UNSTORABLE
from . import ratelimit
from .outbox import MessageSpec, schedule
from .reviews import dashboard_order_url

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


def attempt_allowed(token: str, client: str, page: str = "cart-reason") -> bool:
    """Count an attempt at a page with this link and from this address; False once either was used too often."""
    return (ratelimit.allowed(f"journey-{page}:{token}", ATTEMPTS_PER_HOUR, 3600)
            and ratelimit.allowed(f"journey-{page}:address:{client}", ATTEMPTS_PER_ADDRESS_PER_HOUR, 3600))


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


# NPS ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NpsInput:
    score: int
    comment: str


def clean_nps(score: Any, comment: Any) -> NpsInput:
    """Return the answer, the comment trimmed; InvalidAnswer names what is wrong (score, comment)."""
    raw, comment = str(score if score is not None else "").strip(), str(comment or "").strip()
    wrong = []
    if not (raw.isascii() and raw.isdigit() and 0 <= int(raw) <= 10):
        wrong.append("score")
    if len(comment) > NPS_COMMENT_MAX or UNSTORABLE.search(comment):
        wrong.append("comment")
    if wrong:
        raise InvalidAnswer(wrong)
    return NpsInput(int(raw), comment)


def survey(message_id: int | None) -> ScheduledMessage | None:
    """Return the NPS survey a link names, or None (a link of another flow's message is no survey)."""
    if message_id is None:
        return None
    return ScheduledMessage.objects.filter(pk=message_id, flow=NPS_SURVEY).first()


def nps_answered(message: ScheduledMessage) -> NpsAnswer | None:
    return NpsAnswer.objects.filter(message=message).first()


def may_change(answer: NpsAnswer) -> bool:
    """Whether a new answer may still replace this one (within 7 days of the first)."""
    return journey_clock.now() < answer.created_at + NPS_CHANGE_WINDOW


class AnswerClosed(Exception):
    """The survey was answered more than 7 days ago: the answer stands."""


def give_nps(message: ScheduledMessage, answer: NpsInput, language: str, settings: JourneySettings,
             record: Any = None) -> NpsAnswer:
    """Record a survey's answer (a second one within 7 days replaces it) and what follows from it.

    Each answer is a journey event (``nps_submitted`` with the score), so a
    promoter becomes an advocate by the shop's threshold. The first answer of
    0-6 to a survey emails the alert address (once per survey) with the score,
    the comment and the order. AnswerClosed when the change window is over.
    """
    now = journey_clock.now()
    order_id = message.subject_key.split(":", 1)[1]
    with transaction.atomic():
        list(ScheduledMessage.objects.select_for_update().filter(pk=message.pk).values_list("pk"))  # answers queue
        row = NpsAnswer.objects.filter(message=message).first()
        if row is None:
            row = NpsAnswer.objects.create(
                message=message, journey_id=message.journey_id, order_id=order_id, channel_slug=message.channel_slug,
                score=answer.score, comment=answer.comment, language=language, created_at=now, updated_at=now)
        elif not may_change(row):
            raise AnswerClosed
        else:
            row.score, row.comment, row.language, row.updated_at = answer.score, answer.comment, language, now
            row.save(update_fields=["score", "comment", "language", "updated_at"])
        if answer.score <= NPS_DETRACTOR_MAX and settings.delivery.review_alert_email:
            _alert(row, message, settings)
    if record is not None:
        record(JourneyEvent(
            kind=EventKind.NPS_SUBMITTED,
            subject=Subject(anchor_key=f"order:{order_id}:placed"),  # the order's journey, as a review's
            dedupe_key=f"nps:{row.pk}:{now.isoformat()}",
            occurred_at=now,
            channel=message.channel_slug,
            payload={"score": answer.score, "order": order_id, "answer": row.pk},
        ))
    logger.info("journey: NPS survey %s answered %d", message.pk, answer.score)
    return row


def _alert(row: NpsAnswer, message: ScheduledMessage, settings: JourneySettings) -> None:
    """Email the alert address about a detractor's answer (one alert per survey, whatever follows)."""
    context = message.context or {}
    schedule(MessageSpec(
        flow="nps_alert", step="alert", subject_key=f"nps:{row.pk}", channel="email",
        recipient=str(settings.delivery.review_alert_email), due_at=journey_clock.now(), marketing=False,
        channel_slug=message.channel_slug, language=settings.for_channel(message.channel_slug).language or "en",
        context={"score": row.score, "comment": row.comment, "order_number": context.get("number") or "",
                 "customer": message.recipient, "order_url": dashboard_order_url(settings, row.order_id)},
    ))
