"""ESP tracking webhooks, through anymail's normalised tracking events.

The configured ESP's anymail tracking view parses and authenticates the call
(HTTP basic auth with the configured ``user:password``, and the ESP's own
signature where it signs: ``TRACKING``); its ``tracking`` signal lands in
``record_tracking_event`` below, which keeps only events about our messages,
once each. A hard bounce, a complaint or an ESP unsubscribe suppresses the
address; a soft bounce (read per ESP from its own event: ``SOFT_BOUNCE``) is
recorded and mail goes on.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, tracking
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from ... import clock as journey_clock
from ... import signals
from ...config import DeliverySettings, JourneySettings
from ...core.identity import redact
from ...exceptions import ForgedCallbackError
from ...models import DeliveryEvent, MessageState, ScheduledMessage
from ...routes import ESP_TRACKING, plugin_url
from ...services import outbox
from ...web import UNSTORABLE, body_size
from .. import preferences

logger = logging.getLogger(__name__)

#: anymail's event types after which the address must not be mailed again.
SUPPRESSING = {"bounced": "bounced", "complained": "complaint", "unsubscribed": "unsubscribed", "rejected": "rejected"}
#: Postmark bounce types that leave the address active (anymail reports them as "bounced" too).
POSTMARK_TEMPORARY = {"SoftBounce", "Transient", "DnsError", "AutoResponder", "Blocked", "ChallengeVerification"}
RECORDED = {"delivered", "opened", "clicked", "deferred", "bounced", "complained", "unsubscribed", "rejected", "failed",
            "sent"}
#: Mandrill has no delivery event: its "send" (accepted by the recipient's server), which anymail calls "sent", is one.
RECORDED_AS = {("mandrill", "sent"): "delivered"}
#: Our message id as we put it in the email's metadata: ASCII digits (not "１２", which int() would read as 12).
MESSAGE_ID = re.compile(r"[0-9]{1,18}")
#: A tracking call's body: SendGrid and SparkPost batch events, well under this.
TRACKING_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class TrackingView:
    """An ESP's anymail tracking view and how it authenticates the ESP's calls."""

    view: str  # class name in anymail.webhooks.<esp>
    signing: str | None = None  # the anymail setting holding the ESP's webhook signing secret or key
    basic_auth: bool = True  # the view checks HTTP basic auth (webhook_secret)


#: Every ESP anymail ships a tracking view for. The signing secret comes from the form's "Email tracking
#: signing key" (Unisender Go signs with the sending API key); basic auth from "Email tracking webhook secret".
TRACKING: dict[str, TrackingView] = {
    "amazon_ses": TrackingView("AmazonSESTrackingWebhookView"),
    "brevo": TrackingView("BrevoTrackingWebhookView"),
    "mailersend": TrackingView("MailerSendTrackingWebhookView", signing="signing_secret"),
    "mailgun": TrackingView("MailgunTrackingWebhookView", signing="webhook_signing_key"),
    "mailjet": TrackingView("MailjetTrackingWebhookView"),
    "mailtrap": TrackingView("MailtrapTrackingWebhookView", signing="tracking_secret"),
    "mandrill": TrackingView("MandrillCombinedWebhookView", signing="webhook_key", basic_auth=False),
    "postal": TrackingView("PostalTrackingWebhookView", signing="webhook_key"),
    "postmark": TrackingView("PostmarkTrackingWebhookView"),
    "resend": TrackingView("ResendTrackingWebhookView", signing="signing_secret"),
    "sendgrid": TrackingView("SendGridTrackingWebhookView", signing="tracking_webhook_verification_key"),
    "sparkpost": TrackingView("SparkPostTrackingWebhookView"),
    "unisender_go": TrackingView("UnisenderGoTrackingWebhookView", signing="api_key", basic_auth=False),
}


class TrackingNotConfigured(ForgedCallbackError):
    """The tracking webhook cannot authenticate anything yet: 403, with a clear log line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, status=403)


def tracking_view(delivery: DeliverySettings, url: str | None) -> Any:
    """Return the configured ESP's anymail tracking view, with its secrets; raise TrackingNotConfigured."""
    spec = TRACKING.get(delivery.email_esp or "")
    if spec is None:
        raise TrackingNotConfigured(f"no tracking webhook for email provider {delivery.email_esp!r}")
    kwargs: dict[str, Any] = {}
    if spec.basic_auth and delivery.email_webhook_secret:
        kwargs["webhook_secret"] = [delivery.email_webhook_secret]
    signing = delivery.email_api_key if spec.signing == "api_key" else delivery.email_webhook_signing_key
    if spec.signing and signing:
        kwargs[spec.signing] = signing
    if delivery.email_esp == "mandrill":
        # Mandrill signs the URL it calls: the public one (Saleor may sit behind a proxy), else this request's.
        kwargs["webhook_url"] = plugin_url(delivery.public_base_url, ESP_TRACKING) or url
    if not (spec.signing and signing) and "webhook_secret" not in kwargs:
        needs = "its signing key ('Email tracking signing key')" if spec.signing else "a webhook secret"
        raise TrackingNotConfigured(f"{delivery.email_esp} tracking needs {needs}")
    try:
        view_class = import_string(f"anymail.webhooks.{delivery.email_esp}.{spec.view}")
        return view_class(**kwargs)
    except (ImportError, ImproperlyConfigured, ValueError) as exc:  # e.g. a signing key anymail cannot read
        raise TrackingNotConfigured(f"{delivery.email_esp} tracking is misconfigured: {_describe(exc)}") from exc


def handle_tracking(request: HttpRequest, rest: str, settings: JourneySettings) -> HttpResponse:
    if request.method != "POST":
        raise ForgedCallbackError("POST only", status=405)
    body_size(request, TRACKING_BYTES)  # before anymail reads it
    delivery = settings.delivery
    try:
        view = tracking_view(delivery, request.build_absolute_uri(request.path))
    except TrackingNotConfigured as exc:
        logger.warning("journey: email tracking call refused: %s", exc)
        raise
    view.setup(request)
    try:
        return view.dispatch(request)
    except AnymailWebhookValidationFailure as exc:
        raise ForgedCallbackError(f"webhook authentication failed: {exc}", status=400) from None
    except (AnymailError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:  # signed, unreadable
        logger.warning("journey: %s tracking call could not be read: %s", delivery.email_esp, _describe(exc))
        return HttpResponse("malformed tracking payload", status=400, content_type="text/plain")


def _describe(exc: BaseException) -> str:
    return redact(f"{type(exc).__name__}: {exc}")[:200]


def _path(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


#: SparkPost bounce classes that mean the address is gone (10 invalid recipient, 30 no recipient, 90 unsubscribe).
SPARKPOST_HARD = {"10", "30", "90"}

#: Per ESP, whether a "bounced" event is a soft bounce (a full mailbox, a temporary block), read from the ESP's own
#: event as anymail passes it on. ESPs anymail already reports as "deferred" for soft bounces (Mailgun,
#: Mailtrap, Postal, Unisender Go) need no entry.
SOFT_BOUNCE: dict[str, Any] = {
    "amazon_ses": lambda e: _path(e, "bounce", "bounceType") not in (None, "Permanent"),
    "brevo": lambda e: e.get("event") == "soft_bounce",
    "mailersend": lambda e: _path(e, "data", "type") == "soft_bounced" or e.get("type") == "activity.soft_bounced",
    "mailjet": lambda e: e.get("hard_bounce") is False,
    "mandrill": lambda e: e.get("event") == "soft_bounce",
    "postmark": lambda e: (not e["Inactive"]) if isinstance(e.get("Inactive"), bool) else e.get("Type") in POSTMARK_TEMPORARY,
    "resend": lambda e: _path(e, "data", "bounce", "type") not in (None, "Permanent"),
    "sendgrid": lambda e: e.get("type") == "blocked" or str(e.get("status", "")).startswith("4"),
    "sparkpost": lambda e: str(_path(e, "msys", "message_event", "bounce_class") or "") not in SPARKPOST_HARD,
}


def _temporary(event: AnymailTrackingEvent, esp_name: str) -> bool:
    """Detect a bounce the provider itself does not treat as final (a full mailbox): recorded, but the address stays."""
    soft = SOFT_BOUNCE.get(esp_name.lower().replace(" ", "_"))  # anymail's display name, e.g. "Amazon SES"
    if event.event_type != "bounced" or soft is None or not isinstance(event.esp_event, dict):
        return False
    return bool(soft(event.esp_event))


def _our_message(event: AnymailTrackingEvent) -> ScheduledMessage | None:
    """Find the message an event is about.

    By the id we put in its metadata (ASCII digits only), else by the provider's message id; None for anything
    else, whatever it holds.
    """
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    ours = metadata.get("journey_message_id")
    if isinstance(ours, str) and MESSAGE_ID.fullmatch(ours):
        message = ScheduledMessage.objects.filter(pk=int(ours)).first()
        if message is not None:
            return message
    theirs = str(event.message_id or "")
    if theirs and len(theirs) <= 255 and not UNSTORABLE.search(theirs):
        return ScheduledMessage.objects.filter(provider_message_id=theirs).first()
    return None


def _storable(text: Any, limit: int) -> str:
    """Return provider text as we keep it: at most ``limit`` characters, without what PostgreSQL cannot store."""
    return UNSTORABLE.sub("", str(text or ""))[:limit]


@receiver(tracking, dispatch_uid="saleor-journey-tracking")
def record_tracking_event(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """Apply one tracking event to our message, if it is about one of ours and new."""
    message = _our_message(event)
    if message is None or event.event_type not in RECORDED:
        return
    kind = RECORDED_AS.get((esp_name.lower(), event.event_type), event.event_type)
    at = event.timestamp or journey_clock.now()
    # Without an event id from the ESP, the event's own content identifies it: a retried call is one event.
    event_id = event.event_id or hashlib.sha256(
        json.dumps(event.esp_event, sort_keys=True, default=str).encode()).hexdigest()
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(
                message=message, kind=kind, provider=esp_name.lower()[:32], provider_event_id=_storable(event_id, 255),
                at=at, detail={"reject_reason": _storable(event.reject_reason, 64) or None,
                               "description": _storable(event.description, 500)},
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
