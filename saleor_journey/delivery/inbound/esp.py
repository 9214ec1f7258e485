"""ESP tracking webhooks, through anymail's normalised tracking events.

The configured ESP's anymail tracking view parses and authenticates the call
(HTTP basic auth with the configured ``user:password``); its ``tracking``
signal lands in ``record_tracking_event`` below, which keeps only events about
our messages, once each.
"""

import logging
from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, tracking
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from ... import clock as journey_clock
from ... import signals
from ...config import JourneySettings
from ...exceptions import ForgedCallbackError
from ...models import DeliveryEvent, MessageState, ScheduledMessage
from .. import outbox, preferences

logger = logging.getLogger(__name__)

#: anymail's event types after which the address must not be mailed again.
SUPPRESSING = {"bounced": "bounced", "complained": "complaint", "unsubscribed": "unsubscribed", "rejected": "rejected"}
#: Postmark bounce types that leave the address active (anymail reports them as "bounced" too).
POSTMARK_TEMPORARY = {"SoftBounce", "Transient", "DnsError", "AutoResponder", "Blocked", "ChallengeVerification"}
RECORDED = {"delivered", "opened", "clicked", "deferred", "bounced", "complained", "unsubscribed", "rejected", "failed"}


def _view_class(esp: str) -> Any:
    camel = "".join(part.capitalize() for part in esp.split("_"))
    special = {"sendgrid": "SendGrid", "sparkpost": "SparkPost", "amazon_ses": "AmazonSES", "mailersend": "MailerSend"}
    return import_string(f"anymail.webhooks.{esp}.{special.get(esp, camel)}TrackingWebhookView")


def handle_tracking(request: HttpRequest, rest: str, settings: JourneySettings) -> HttpResponse:
    delivery = settings.delivery
    if not delivery.email_esp or not delivery.email_webhook_secret:
        raise ForgedCallbackError("email tracking is not configured", status=403)
    if request.method != "POST":
        raise ForgedCallbackError("POST only", status=405)
    view = _view_class(delivery.email_esp)(webhook_secret=[delivery.email_webhook_secret])
    view.setup(request)
    try:
        return view.dispatch(request)
    except AnymailWebhookValidationFailure as exc:
        raise ForgedCallbackError(f"webhook authentication failed: {exc}", status=400) from None


def _temporary(event: AnymailTrackingEvent, esp_name: str) -> bool:
    """A bounce the provider itself does not treat as final (a full mailbox): recorded, but the address stays."""
    if event.event_type != "bounced" or esp_name.lower() != "postmark" or not isinstance(event.esp_event, dict):
        return False
    inactive = event.esp_event.get("Inactive")
    if isinstance(inactive, bool):  # Postmark says whether it stopped sending to the address
        return not inactive
    return event.esp_event.get("Type") in POSTMARK_TEMPORARY


@receiver(tracking, dispatch_uid="saleor-journey-tracking")
def record_tracking_event(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """Apply one tracking event to our message, if it is about one of ours and new."""
    metadata = event.metadata or {}
    message = None
    if metadata.get("journey_message_id", "").isdigit():
        message = ScheduledMessage.objects.filter(pk=int(metadata["journey_message_id"])).first()
    if message is None and event.message_id:
        message = ScheduledMessage.objects.filter(provider_message_id=str(event.message_id)).first()
    if message is None or event.event_type not in RECORDED:
        return
    at = event.timestamp or journey_clock.now()
    event_id = event.event_id or f"{event.message_id}:{event.event_type}:{at.isoformat()}"
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(
                message=message, kind=event.event_type, provider=esp_name.lower(), provider_event_id=str(event_id)[:255],
                at=at, detail={"reject_reason": event.reject_reason, "description": (event.description or "")[:500]},
            )
            reason = SUPPRESSING.get(event.event_type)
            if reason and not _temporary(event, esp_name):
                preferences.suppress(message.channel, message.recipient, reason=reason, source=esp_name.lower())
                if event.event_type in ("unsubscribed", "complained"):
                    preferences.record_consent(message.channel, message.recipient, False, source=esp_name.lower(), at=at)
                outbox.stop_pending([message.recipient], [message.channel], MessageState.SUPPRESSED, reason,
                                    marketing_only=reason == preferences.MARKETING_ONLY)
    except IntegrityError:
        return  # a replayed event: processed once already
    signals.message_status_changed.send(sender=ScheduledMessage, message=message, status=event.event_type, detail=event_id)
