"""Inbound HTTP on the plugin route: unsubscribe links, Twilio callbacks, ESP tracking webhooks.

Every handler authenticates first (signed token, Twilio signature, ESP basic
auth), deduplicates by the provider's event id, and changes nothing when it
refuses: ``ForgedCallbackError`` becomes a 400/403 answer.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ...config import JourneySettings
from ...exceptions import ForgedCallbackError
from ...routes import ESP_TRACKING, TWILIO_INBOUND, TWILIO_STATUS, UNSUBSCRIBE
from . import esp, twilio, unsubscribe

Handler = Callable[[HttpRequest, str, JourneySettings], HttpResponse]

ROUTES: list[tuple[str, Handler]] = [
    (UNSUBSCRIBE, unsubscribe.handle),
    (TWILIO_STATUS, twilio.handle_status),
    (TWILIO_INBOUND, twilio.handle_inbound),
    (ESP_TRACKING, esp.handle_tracking),
]


def route(request: HttpRequest, path: str, settings: JourneySettings) -> HttpResponse | None:
    """Answer a delivery callback, or None when the path is not one of ours."""
    for prefix, handler in ROUTES:
        if path.startswith(prefix):
            try:
                return handler(request, path[len(prefix):], settings)
            except ForgedCallbackError as exc:
                return HttpResponse(str(exc), status=exc.status, content_type="text/plain")
    return None
