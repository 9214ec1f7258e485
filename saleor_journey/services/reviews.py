"""Taking a review from a signed review-request token: checks, the row, the journey event, the low-rating alert.

Shared by the review page and the GraphQL ``reviewSubmit`` mutation, so both
accept and refuse exactly the same things. Review text is untrusted: it is
length-limited here and escaped wherever it is shown.
"""

import base64
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from .. import clock as journey_clock
from ..config import JourneySettings
from ..core.events import EventKind, JourneyEvent, Subject
from ..exceptions import InvalidInput
from ..models import ProductReview
from . import ratelimit
from .outbox import MessageSpec, schedule

logger = logging.getLogger(__name__)

TITLE_MAX, TEXT_MAX = 120, 5000
LOW_RATING = 2
ATTEMPTS_PER_HOUR = 10
#: Review submissions per client address per hour, whatever the link (a household sharing one address posts a few).
ATTEMPTS_PER_ADDRESS_PER_HOUR = 60


@dataclass(frozen=True, slots=True)
class ReviewInput:
    rating: int
    title: str
    text: str


class InvalidReview(InvalidInput):
    """Input that cannot be a review; ``fields`` names what is wrong (rating, title, text)."""


def clean(rating: Any, title: str | None, text: str | None) -> ReviewInput:
    """Return a review's fields, trimmed; InvalidReview names every field that is wrong."""
    title, text = (title or "").strip(), (text or "").strip()
    wrong = []
    if str(rating) not in {"1", "2", "3", "4", "5"}:
        wrong.append("rating")
    if len(title) > TITLE_MAX:
        wrong.append("title")
    if len(text) > TEXT_MAX:
        wrong.append("text")
    if wrong:
        raise InvalidReview(wrong)
    return ReviewInput(int(rating), title, text)


def attempt_allowed(token: str, client: str) -> bool:
    """Count an attempt with this token and from this client address.

    False once either was used too often this hour (one link retried, or one host trying many links).
    """
    return (ratelimit.allowed(f"journey-review:{token}", ATTEMPTS_PER_HOUR, 3600)  # the keys are hashed there
            and ratelimit.allowed(f"journey-review:address:{client}", ATTEMPTS_PER_ADDRESS_PER_HOUR, 3600))


def dashboard_order_url(settings: JourneySettings, order_id: str) -> str | None:
    """Link to the order in Saleor's Dashboard (its routes take the order's GraphQL ID), when its address is set."""
    base = settings.delivery.dashboard_url
    if not base:
        return None
    return f"{base}/orders/{base64.b64encode(f'Order:{order_id}'.encode()).decode()}"


def already_reviewed(claims: dict[str, Any]) -> bool:
    return ProductReview.objects.filter(order_id=claims["o"], product_id=claims["p"]).exists()


def submit(claims: dict[str, Any], review: ReviewInput, language: str, settings: JourneySettings,
           record: Any = None) -> ProductReview | None:
    """Store the review (pending moderation) and what follows from it; None when this product was reviewed already."""
    try:
        with transaction.atomic():
            row = ProductReview.objects.create(
                product_id=claims["p"], variant_id=claims.get("v"), order_id=claims["o"], rating=review.rating,
                title=review.title, text=review.text, language=language,
            )
    except IntegrityError:
        return None
    if record is not None:
        event = JourneyEvent(
            kind=EventKind.REVIEW_SUBMITTED,
            subject=Subject(anchor_key=f"order:{claims['o']}:placed"),  # the order's journey: the link names nobody
            dedupe_key=f"review:{row.pk}:submitted",
            occurred_at=journey_clock.now(),
            channel=claims.get("c"),
            payload={"rating": review.rating, "product": claims["p"], "order": claims["o"], "review": row.pk},
        )
        result = record(event)
        if result.journey_id:
            ProductReview.objects.filter(pk=row.pk).update(journey_id=result.journey_id)
            row.journey_id = result.journey_id
    alert_to = settings.delivery.review_alert_email
    if review.rating <= LOW_RATING and alert_to:
        schedule(MessageSpec(
            flow="review_alert", step="alert", subject_key=f"review:{row.pk}", channel="email",
            recipient=alert_to, due_at=journey_clock.now(), marketing=False, channel_slug=claims.get("c"),
            language=settings.for_channel(claims.get("c")).language or "en",
            context={"rating": review.rating, "title": review.title, "text": review.text,
                     "product": claims.get("n") or f"#{claims['p']}", "variant": claims.get("vn") or "",
                     "order_number": claims.get("no") or "", "order_url": dashboard_order_url(settings, claims["o"])},
        ))
    logger.info("journey: %d-star review of product %s received", review.rating, claims["p"])
    return row
