"""The review page served on the plugin route: a star rating, a title and a text; no JavaScript needed.

The link's signed token names the order, product and customer, so the review
is a verified purchase by construction; it works once per order and product,
expires, and is rate limited. Review text is untrusted: length-limited and
escaped wherever shown (Django templates autoescape; nothing becomes a link).
"""

import hashlib
import logging
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from ... import clock as journey_clock
from ...config import JourneySettings
from ...core.events import EventKind, JourneyEvent, Subject
from ...exceptions import ForgedCallbackError
from ...models import ProductReview
from .. import rendering
from ..outbox import MessageSpec, schedule
from ..tokens import read_review_token

logger = logging.getLogger(__name__)

TITLE_MAX, TEXT_MAX = 120, 5000
LOW_RATING = 2
ATTEMPTS_PER_HOUR = 10


def _page(lang: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(rendering.render_page("review", lang, context), status=status,
                            content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    return response


def handle(request: HttpRequest, rest: str, settings: JourneySettings, record: Any = None) -> HttpResponse:
    token = rest.strip("/")
    claims = read_review_token(token)
    if claims is None:
        raise ForgedCallbackError("This review link is not valid or has expired.", status=400)
    lang = rendering.languages(claims.get("l"), settings.for_channel(claims.get("c")).language)[0]
    already = ProductReview.objects.filter(order_id=claims["o"], product_id=claims["p"]).exists()
    base = {"shop_name": settings.for_channel(claims.get("c")).sender_name or "", "product": claims.get("n", "")}
    if request.method in ("GET", "HEAD"):
        return _page(lang, {**base, "done": already})
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    key = "journey-review:" + hashlib.sha256(token.encode()).hexdigest()
    attempts = cache.get_or_set(key, 0, timeout=3600)
    if attempts >= ATTEMPTS_PER_HOUR:
        return HttpResponse("Too many attempts; try again later.", status=429, content_type="text/plain")
    cache.incr(key)
    if already:
        return _page(lang, {**base, "done": True})
    rating_raw = request.POST.get("rating", "")
    title = request.POST.get("title", "").strip()
    text = request.POST.get("text", "").strip()
    errors = []
    if rating_raw not in {"1", "2", "3", "4", "5"}:
        errors.append("rating")
    if len(title) > TITLE_MAX:
        errors.append("title")
    if len(text) > TEXT_MAX:
        errors.append("text")
    if errors:
        return _page(lang, {**base, "errors": errors, "title": title[:TITLE_MAX], "text": text[:TEXT_MAX]}, status=400)
    rating = int(rating_raw)
    try:
        with transaction.atomic():
            review = ProductReview.objects.create(
                product_id=claims["p"], variant_id=claims.get("v"), order_id=claims["o"], rating=rating,
                title=title, text=text, language=lang,
            )
    except IntegrityError:
        return _page(lang, {**base, "done": True})
    if record is not None:
        event = JourneyEvent(
            kind=EventKind.REVIEW_SUBMITTED,
            subject=Subject(user_id=claims.get("u"), email=claims.get("e"), anchor_key=f"order:{claims['o']}:placed"),
            dedupe_key=f"review:{review.pk}:submitted",
            occurred_at=journey_clock.now(),
            channel=claims.get("c"),
            payload={"rating": rating, "product": claims["p"], "order": claims["o"], "review": review.pk},
        )
        result = record(event)
        if result.journey_id:
            ProductReview.objects.filter(pk=review.pk).update(journey_id=result.journey_id)
    alert_to = settings.delivery.review_alert_email
    if rating <= LOW_RATING and alert_to:
        schedule(MessageSpec(
            flow="review_alert", step="alert", subject_key=f"review:{review.pk}", channel="email",
            recipient=alert_to, due_at=journey_clock.now(), marketing=False, channel_slug=claims.get("c"),
            language=settings.for_channel(claims.get("c")).language or "en",
            context={"rating": rating, "title": title, "text": text, "product": claims["p"], "order": claims["o"]},
        ))
    logger.info("journey: %d-star review of product %s received", rating, claims["p"])
    return _page(lang, {**base, "done": True, "thanks": True})
