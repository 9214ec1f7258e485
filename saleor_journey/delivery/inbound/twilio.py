"""Twilio callbacks: message status, and inbound texts with the opt-out and opt-in keywords.

Both are validated with Twilio's request signature (HMAC of the public URL and
the form parameters with the account's auth token) against the URL Twilio was
given, built from the configured public base URL, since a proxy in front of
Saleor may change the host the request arrives with.
"""

import logging
import re

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from twilio.request_validator import RequestValidator

from ... import clock as journey_clock
from ...config import JourneySettings
from ...exceptions import ForgedCallbackError, PermanentSendError
from ...models import DeliveryEvent, MessageChannel, MessageState, ScheduledMessage
from ...routes import TWILIO_INBOUND, TWILIO_STATUS, plugin_url
from ...services import outbox
from ...web import read_form
from .. import preferences
from ..addresses import normalise_phone
from ..channels.twilio import OPT_OUT_CODES

logger = logging.getLogger(__name__)

#: Twilio's standard opt-out and opt-in keywords (Advanced Opt-Out defaults), plus Italian ones.
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "BASTA", "ANNULLA"}
START_WORDS = {"START", "YES", "UNSTOP", "OPTIN"}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FAILED_STATUSES = {"failed", "undelivered"}
#: Twilio's message SIDs (SM…, MM…: 34 letters and digits; a little room for other forms) and status words.
SID = re.compile(r"[A-Za-z0-9]{2,64}")
STATUS = re.compile(r"[a-z_]{1,30}")


def _verified_params(request: HttpRequest, path: str, settings: JourneySettings) -> dict[str, str]:
    """Return the callback's form, once its size, type and Twilio signature are checked (in that order)."""
    delivery = settings.delivery
    if request.method != "POST":
        raise ForgedCallbackError("POST only", status=405)
    if not delivery.twilio_auth_token:
        raise ForgedCallbackError("Twilio is not configured", status=403)
    url = plugin_url(delivery.public_base_url, path)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not url or not signature:
        raise ForgedCallbackError("invalid Twilio signature", status=403)
    form = read_form(request)  # bounded: the signature is computed over the parsed parameters
    if not RequestValidator(delivery.twilio_auth_token).validate(url, form, signature):
        raise ForgedCallbackError("invalid Twilio signature", status=403)
    return {key: form.get(key, "") for key in form}


def _first_time(provider_event_id: str, kind: str, message: ScheduledMessage | None, detail: dict[str, str]) -> bool:
    """Record the callback once; False when this event id was already processed (a replay)."""
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(
                message=message, kind=kind, provider="twilio", provider_event_id=provider_event_id,
                at=journey_clock.now(), detail=detail,
            )
    except IntegrityError:
        return False
    return True


def handle_status(request: HttpRequest, rest: str, settings: JourneySettings) -> HttpResponse:
    params = _verified_params(request, TWILIO_STATUS, settings)
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "").lower()
    if not SID.fullmatch(sid) or not STATUS.fullmatch(status):
        raise ForgedCallbackError("MessageSid or MessageStatus is missing or malformed", status=400)
    message = ScheduledMessage.objects.filter(provider_message_id=sid).first()
    error = params.get("ErrorCode", "")[:16]
    if not _first_time(f"{sid}:{status}", status, message, {"error_code": error}):
        return HttpResponse(status=204)
    if message is not None and status in FAILED_STATUSES and error.isascii() and error.isdigit() \
            and int(error) in OPT_OUT_CODES:
        preferences.suppress(message.channel, message.recipient, reason=error, source="twilio status")
    return HttpResponse(status=204)


def handle_inbound(request: HttpRequest, rest: str, settings: JourneySettings) -> HttpResponse:
    params = _verified_params(request, TWILIO_INBOUND, settings)
    sid, sender = params.get("MessageSid", ""), params.get("From", "")
    word = params.get("Body", "").strip().upper().rstrip(".!")
    channel = MessageChannel.WHATSAPP if sender.startswith("whatsapp:") else MessageChannel.SMS
    if not SID.fullmatch(sid) or not sender:
        raise ForgedCallbackError("MessageSid or From is missing or malformed", status=400)
    try:
        number = normalise_phone(sender.removeprefix("whatsapp:"))
    except PermanentSendError:  # a short code or alphanumeric sender: nothing to record
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")
    kind = "stop" if word in STOP_WORDS else "start" if word in START_WORDS else "inbound"
    if not _first_time(sid, kind, None, {"channel": channel}):
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")
    if kind == "stop":
        with transaction.atomic():
            preferences.suppress(channel, number, reason="stop keyword", source="twilio inbound")
            preferences.record_consent(channel, number, False, source="stop keyword")
            outbox.stop_pending(
                [number, sender.removeprefix("whatsapp:")], [MessageChannel.SMS, MessageChannel.WHATSAPP],
                MessageState.CANCELLED, "stop keyword",
            )
    elif kind == "start":
        preferences.unsuppress(channel, number)
        preferences.record_consent(channel, number, True, source="start keyword")
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
