"""Inbound HTTP on the plugin route: unsubscribe links, review, cart-reason and NPS pages, Twilio and ESP callbacks.

Every handler authenticates first (signed token, Twilio signature, ESP basic
auth), deduplicates by the provider's event id, and changes nothing when it
refuses: ``ForgedCallbackError`` becomes a 400/403 answer.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from ...config import JourneySettings
from ...exceptions import ForgedCallbackError
from ...routes import CART_REASON, ESP_TRACKING, NPS, REVIEW, TWILIO_INBOUND, TWILIO_STATUS, UNSUBSCRIBE
from ...web import Refused
from . import cart_reason, esp, nps, review, twilio, unsubscribe

Handler = Callable[[HttpRequest, str, JourneySettings], HttpResponse]

ROUTES: list[tuple[str, Handler]] = [
    (UNSUBSCRIBE, unsubscribe.handle),
    (TWILIO_STATUS, twilio.handle_status),
    (TWILIO_INBOUND, twilio.handle_inbound),
    (ESP_TRACKING, esp.handle_tracking),
    (REVIEW, review.handle),
    (CART_REASON, cart_reason.handle),
    (NPS, nps.handle),
]


def route(request: HttpRequest, path: str, settings: JourneySettings, record: Any = None) -> HttpResponse | None:
    """Answer a callback or page, or None when the path is not one of ours; ``record`` records journey events."""
    for prefix, handler in ROUTES:
        if path.startswith(prefix):
            try:
                if handler in (review.handle, nps.handle):  # answers that are journey events
                    return handler(request, path[len(prefix):], settings, record)  # type: ignore[call-arg]
                return handler(request, path[len(prefix):], settings)
            except ForgedCallbackError as exc:
                return HttpResponse(str(exc), status=exc.status, content_type="text/plain")
            except Refused as exc:
                return exc.response()
    return None
