"""One-click unsubscribe (RFC 8058): GET shows a confirmation page, only POST unsubscribes.

Link scanners and mail previews fetch every GET, so a GET never changes
anything. Mail clients' one-click POST (``List-Unsubscribe=One-Click``) and the
page's button both POST to the same URL.
"""

import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from ... import clock as journey_clock
from ...config import JourneySettings
from ...exceptions import ForgedCallbackError
from ...models import Consent, DeliveryEvent, MessageState, ScheduledMessage
from ...services import outbox
from .. import preferences, rendering
from ..tokens import read_unsubscribe_token

logger = logging.getLogger(__name__)



def handle(request: HttpRequest, rest: str, settings: JourneySettings) -> HttpResponse:
    token = rest.strip("/")
    message_id = read_unsubscribe_token(token)
    message = ScheduledMessage.objects.filter(pk=message_id).first() if message_id is not None else None
    if message is None:
        raise ForgedCallbackError("This unsubscribe link is not valid.", status=400)
    lang = rendering.translated(rendering.languages(message.language, settings.for_channel(message.channel_slug).language))
    if request.method == "POST":
        _unsubscribe(message)
        done = True
    elif request.method in ("GET", "HEAD"):
        done = preferences.is_suppressed(message.channel, message.recipient)
    else:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    context = {
        "done": done,
        "channel": message.channel,
        "shop_name": settings.for_channel(message.channel_slug).sender_name or "",
        "language": lang,
    }
    response = HttpResponse(rendering.render_page("unsubscribe", lang, context), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _unsubscribe(message: ScheduledMessage) -> None:
    """Suppress the address on the message's channel, record the refusal, cancel what is pending.

    A replayed POST (a mail client retrying, a scanner, a double click) is one
    event: while the address is still unsubscribed and has not opted back in,
    another POST records nothing and moves no consent time. After an opt-in,
    the same link unsubscribes again.
    """
    with transaction.atomic():
        list(ScheduledMessage.objects.select_for_update().filter(pk=message.pk).values_list("pk"))  # replays queue
        consent = Consent.objects.filter(channel=message.channel, address=message.recipient).first()
        if consent is not None and not consent.granted and preferences.is_suppressed(message.channel, message.recipient):
            return
        preferences.suppress(message.channel, message.recipient, reason="unsubscribed", source="link")
        preferences.record_consent(message.channel, message.recipient, False, source="unsubscribe link")
        cancelled = outbox.stop_pending(
            [message.recipient], [message.channel], MessageState.CANCELLED, "unsubscribed", marketing_only=True
        )
        DeliveryEvent.objects.create(
            message=message, kind="unsubscribed", provider="link", at=journey_clock.now(), detail={"cancelled": cancelled}
        )
    logger.info("journey: message %s's recipient unsubscribed from %s", message.pk, message.channel)
