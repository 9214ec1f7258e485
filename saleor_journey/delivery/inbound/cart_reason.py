"""The page a cart reminder's "Tell us why" links open: the reason chosen, one press to send it; no JavaScript.

Each link names its reason (``?reason=shipping_cost``) and the reminder's
signed, expiring token; the page opens with that reason chosen. Only the
page's POST records anything: mail scanners and previews open every link of
an email, and six links that each recorded a reason (one of them stopping the
reminders) would answer for the customer. A second answer replaces the
first; "just looking", or ticking "no more reminders", ends that cart's
reminders.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse

from ...config import JourneySettings
from ...core.answers import CART_REASON_TEXT_MAX, CART_REASONS, OTHER, stops_reminders
from ...exceptions import ForgedCallbackError
from ...models import ScheduledMessage
from ...services import answers, ratelimit
from ...web import read_form
from .. import cart_reasons, rendering
from ..tokens import read_cart_reason_token
from .page import page


def _page(lang: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return page("cart_reason", lang, context, status)


def _context(message: ScheduledMessage, settings: JourneySettings, lang: str, chosen: str | None,
             **more: Any) -> dict[str, Any]:
    from django.utils import translation

    own = rendering.owner_words(settings.delivery.message_texts, cart_reasons.OWNER_KEY, lang)
    with translation.override(lang):
        choices = cart_reasons.choices(own)
        question = cart_reasons.word("question", own)
    return {"shop_name": settings.sender_name(message.channel_slug) or "", "choices": choices, "question": question,
            "chosen": chosen, "other": OTHER, "text_max": CART_REASON_TEXT_MAX, **more}


def handle(request: HttpRequest, rest: str, settings: JourneySettings) -> HttpResponse:
    token = rest.strip("/")
    message = answers.reminder(read_cart_reason_token(token))
    if message is None:
        raise ForgedCallbackError("This link is not valid or has expired.", status=400)
    lang = rendering.translated(rendering.languages(message.language, settings.for_channel(message.channel_slug).language))
    earlier = answers.given(message)
    if request.method in ("GET", "HEAD"):
        asked = request.GET.get("reason")
        chosen = asked if asked in CART_REASONS else (earlier.reason if earlier else None)
        return _page(lang, _context(message, settings, lang, chosen, earlier=earlier,
                                    text=earlier.text if earlier else ""))
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if not answers.attempt_allowed(token, ratelimit.client_address(request)):
        return HttpResponse("Too many attempts; try again later.", status=429, content_type="text/plain")
    form = read_form(request)
    try:
        answer = answers.clean(form.get("reason"), form.get("text"), form.get("stop"))
    except answers.InvalidAnswer as exc:
        kept = " ".join(form.get("text", "").split())[:CART_REASON_TEXT_MAX]
        chosen = form.get("reason") if form.get("reason") in CART_REASONS else None
        return _page(lang, _context(message, settings, lang, chosen, errors=exc.fields, text=kept, earlier=earlier),
                     status=400)
    row, _cancelled = answers.give(message, answer, lang)
    return _page(lang, _context(message, settings, lang, row.reason, thanks=True, stopped=row.stopped,
                                text=row.text, stopped_now=stops_reminders(answer.reason, answer.stop)))
