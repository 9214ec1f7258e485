"""What each ESP POSTs to its tracking webhook, signed the way that ESP signs, for anymail 15.2's tracking views.

``tracking_call(esp, event, ...)`` builds the body and headers of one realistic webhook call about one message:
``delivered``, ``hard_bounce``, ``soft_bounce`` or ``complained``. Basic auth is the caller's to add. The
view must be configured with ``SIGNING[esp]`` (anymail setting names and deterministic test secrets) to
accept it; ``forged=True`` keeps the payload and breaks the signature. Identical inputs give identical
bytes, with the same ESP event id, so calling twice is a replay of the same event.

Every ESP below was checked against anymail 15.2's own views (RequestFactory, with SIGNING and basic auth
``user:pass``): signed call -> 200 and one event with the expected type, recipient and
``metadata["journey_message_id"]``; forged call (ESPs that sign) -> AnymailWebhookValidationFailure, no
event. Resend's Svix headers were checked against svix's published verify algorithm.

Every call gives anymail event_type "delivered", "bounced" or "complained" (``ANYMAIL_EVENT_TYPE``), except
mandrill "delivered" ("sent") and the soft bounces below. Soft bounces (a full mailbox), as each ESP reports
them and as anymail 15.2 normalises them:

============ ========== ================================================================================
esp          event_type soft vs hard bounce, in ``event.esp_event``
============ ========== ================================================================================
amazon_ses   bounced    ``bounce.bounceType`` "Transient" (``bounceSubType`` "MailboxFull") vs "Permanent"
brevo        bounced    ``event`` "soft_bounce" vs "hard_bounce"
mailersend   bounced    ``data.type`` "soft_bounced" vs "hard_bounced" (``type`` "activity.soft_bounced")
mailgun      deferred   ``event-data.severity`` "temporary" vs "permanent" (event "failed" for both)
mailjet      bounced    ``hard_bounce`` false vs true (``error`` "quota exceeded" vs "user unknown")
mailtrap     deferred   ``event`` "soft bounce" vs "bounce"
mandrill     bounced    ``event`` "soft_bounce" vs "hard_bounce" (``msg.state`` "soft-bounced" vs "bounced")
postal       deferred   ``event`` "MessageDelayed" + ``payload.status`` "SoftFail" vs ``event`` "MessageBounced"
postmark     bounced    ``Type`` "SoftBounce" vs "HardBounce"; ``Inactive`` false vs true
resend       bounced    ``data.bounce.type`` "Transient" (``subType`` "MailboxFull") vs "Permanent"
sendgrid     bounced    ``type`` "blocked" (SendGrid's soft bounce) vs "bounce"; ``status`` "4.2.2" vs "5.1.1"
sparkpost    bounced    ``msys.message_event.bounce_class`` soft 20-24, 40, 60, 70, 100 (here "22", mailbox
                        full) vs hard 10, 30, 90 (here "10"); 50-54 are blocks, 25 admin, 1 undetermined
unisender_go deferred   ``status`` "soft_bounced" vs "hard_bounced" (``delivery_info.delivery_status``
                        "err_will_retry" vs e.g. "err_user_unknown")
============ ========== ================================================================================

Notes the receiving code has to live with:

* mandrill has no delivery event: its "send" event (message accepted by the recipient's server) is what
  Mandrill posts for a delivered message, and anymail reports it as ``sent``.
* mailersend and postal: anymail's views expose no metadata (MailerSend does not carry it; anymail's Postal
  view sets ``metadata=None``). Those calls carry ``esp_message_id`` as the message id anymail reports
  (``event.message_id``); postal's message ids are integers, so an all-digit ``esp_message_id`` travels (and
  comes back) as an ``int``.
* postal has no complaint webhook: ``("postal", "complained")`` is in ``UNSUPPORTED`` and raises ValueError.
* mailgun's message id travels without angle brackets, as Mailgun sends it; anymail adds them back, so
  ``event.message_id`` is ``"<id>"`` whether or not ``esp_message_id`` had them.
* sendgrid merges custom args into the event, and anymail treats every key it does not know as metadata, so
  bounce metadata also contains SendGrid's ``bounce_classification``.
* resend signs with Svix; anymail verifies that only with the ``svix`` package, which is not installed here
  (asking a view for ``signing_secret`` without it raises AnymailImproperlyInstalled). So ``SIGNING["resend"]``
  is empty (basic auth only), but the calls still carry valid ``svix-*`` headers for ``RESEND_SIGNING_SECRET``
  (forged: wrong ones). Svix rejects timestamps more than 5 minutes from the real clock: to verify them for
  real, pass ``when`` close to now.
* mandrill signs the exact URL it calls: the view needs ``webhook_url`` equal to the ``url`` given here
  (``SIGNING["mandrill"]`` holds ``MANDRILL_WEBHOOK_URL``, which is what the plugin derives under the test
  client), otherwise anymail uses the request's own URL with any basic auth inlined (``https://user:pass@...``).
* amazon_ses: anymail does not verify SNS signatures (only that the ``x-amz-sns-*`` headers match the body);
  the envelope's ``Signature`` is a placeholder, and ``forged`` changes nothing (basic auth is the defence).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode


@dataclass(frozen=True)
class TrackingCall:
    body: bytes
    content_type: str  # e.g. "application/json" or "application/x-www-form-urlencoded"
    headers: dict[str, str]  # extra HTTP headers (no basic auth), e.g. {"X-Mailgun-...": "..."} or {"Signature": ...}


ESPS: tuple[str, ...] = (
    "amazon_ses", "brevo", "mailersend", "mailgun", "mailjet", "mailtrap", "mandrill",
    "postal", "postmark", "resend", "sendgrid", "sparkpost", "unisender_go",
)
EVENTS = ("delivered", "hard_bounce", "soft_bounce", "complained")

#: (esp, event) combinations the ESP has no webhook event for; tracking_call raises ValueError.
UNSUPPORTED: set[tuple[str, str]] = {("postal", "complained")}

# Deterministic test secrets --------------------------------------------------------------------------------

MAILERSEND_SIGNING_SECRET = "journeyTestMailerSendSigningSecret"
MAILGUN_WEBHOOK_SIGNING_KEY = "journey-test-mailgun-webhook-signing-key"
MAILTRAP_TRACKING_SECRET = "journey-test-mailtrap-tracking-secret"
MANDRILL_WEBHOOK_KEY = "journey-test-mandrill-webhook-key"
#: The URL Mandrill is configured to call (and signs); the plugin's own URL under Django's test client.
MANDRILL_WEBHOOK_URL = "http://testserver/plugins/global/saleor.journey/esp/tracking/"
RESEND_SIGNING_SECRET = "whsec_" + base64.b64encode(b"journey-test-resend-svix-secret!").decode()
UNISENDER_GO_API_KEY = "journey-test-unisender-go-api-key"

#: Postal signs with RSA (PKCS#1 v1.5, SHA-1); anymail wants the public key's base64 body, as Postal shows it.
POSTAL_PRIVATE_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAND53XH4dpLngNaw
hCMDbEXqBXc3e4OwZN6O/zuT0nPxFElwvSaVf+Mi51yO/O21fMXe0fL+8vyc6w8d
EJjTYx6GvLGi9F7F86bsOBICLPcYBKFuK5yFITiiLLB1A++P2N4yx+VqjD6kD9xx
WO+j+JvG3K6qrNgzbaLISNpcNj21AgMBAAECgYBHAI5f2daXxTZ+O006BEC2ZHPk
9KHvtXAgOh+4I1p+8Cs/ZKGvyV3BU6ueRCrlrSMuq61TzZHLiJlI8kwgULo9GIvC
P//bm8JHdvJOJ879HFmOgLUu1/fRejjkQ6YbVny9V5amd5JdmFG/kShKxPcFN6FA
vn/LMOXWKlsJZiA2ZQJBAPRLgU/cpmIxmhxd0Y3inKNi8d+RSJ7MP17VIMV/qRv+
FZUF394DmZiC9cGw34N3hwSXMnwIPJZqLgu8u+mNv6sCQQDa/SRe4x2CPMaznnSg
JjJcu8YWed2nLwdtO3UZRZVHjnJXGTOXWq2u0B/ZeNubQiJCmuzdkpiMFv/48wqa
PBgfAkEAsXpZS6fFyPi4OXt/TlEf8yNjDUUDOTqxnze/Qzxno0qIa2eFKEn9QGuE
F19kQqKHmLIvnyRsv+oL4cMP0bGFWQJAft1uR6ZNfxjUiFSA/hKC1KRX0seQ+HzP
UaHDafucytKkPP81mzaGLiMWgHd6ygxbKrj0Bj0aMPZWHpQ2jTnJQwJBAMnNTtPO
V2G0ECI8unxZb41pzzixxqlNqAO8OxE9WXN/v6rGzC1LJlgcROFYpe4EebhuIfdl
dmwSLI6faxlA5x8=
-----END PRIVATE KEY-----
"""
POSTAL_PUBLIC_KEY = (
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDQ+d1x+HaS54DWsIQjA2xF6gV3N3uDsGTejv87k9Jz8RRJcL0mlX/jIudcjvzttXzF3tHy"
    "/vL8nOsPHRCY02MehryxovRexfOm7DgSAiz3GAShbiuchSE4oiywdQPvj9jeMsflaow+pA/ccVjvo/ibxtyuqqzYM22iyEjaXDY9tQIDAQAB"
)

#: SendGrid (Twilio) signs with ECDSA P-256 / SHA-256; anymail wants the public key's base64 body.
SENDGRID_PRIVATE_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvqZY6xWHWm5S+bQT
Fs7KHt8DmVtZKPh+2aBGRPwrAWGhRANCAAQ5MtlzHcIHwGMtwmimOXiP6sFyVWCC
Y8vEoCMLXvbRib9jiZ5cc1EMydXH36IuBzGyBocHDfoTn6N690OStDyG
-----END PRIVATE KEY-----
"""
SENDGRID_PUBLIC_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOTLZcx3CB8BjLcJopjl4j+rBclVggmPLxKAjC1720Ym/Y4meXHNRDMnVx9+iLgcxsgaHBw36E5+"
    "jevdDkrQ8hg=="
)

#: Per ESP: kwargs for anymail's tracking view (anymail's setting names) so that it accepts the signed calls.
#: Empty: the ESP is authenticated by HTTP basic auth (``webhook_secret``) only.
SIGNING: dict[str, dict[str, str]] = {
    "amazon_ses": {},
    "brevo": {},
    "mailersend": {"signing_secret": MAILERSEND_SIGNING_SECRET},
    "mailgun": {"webhook_signing_key": MAILGUN_WEBHOOK_SIGNING_KEY},
    "mailjet": {},
    "mailtrap": {"tracking_secret": MAILTRAP_TRACKING_SECRET},
    "mandrill": {"webhook_key": MANDRILL_WEBHOOK_KEY, "webhook_url": MANDRILL_WEBHOOK_URL},
    "postal": {"webhook_key": POSTAL_PUBLIC_KEY},
    "postmark": {},
    "resend": {"signing_secret": RESEND_SIGNING_SECRET},  # verified by anymail with the svix package
    "sendgrid": {"tracking_webhook_verification_key": SENDGRID_PUBLIC_KEY},
    "sparkpost": {},
    "unisender_go": {"api_key": UNISENDER_GO_API_KEY},
}

#: The anymail event_type each supported (esp, event) call produces (checked against anymail 15.2).
ANYMAIL_EVENT_TYPE: dict[tuple[str, str], str] = {
    **{(esp, "delivered"): "delivered" for esp in ESPS},
    **{(esp, "hard_bounce"): "bounced" for esp in ESPS},
    **{(esp, "soft_bounce"): "bounced" for esp in ESPS},
    **{(esp, "complained"): "complained" for esp in ESPS if esp != "postal"},
    ("mandrill", "delivered"): "sent",
    **{(esp, "soft_bounce"): "deferred" for esp in ("mailgun", "mailtrap", "postal", "unisender_go")},
}

_FORGED_SECRET = b"not-the-real-secret"
SENDER = "shop@mail.shop.example.com"
SUBJECT = "Il tuo carrello ti aspetta"


# Shared pieces --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """One tracking_call's arguments, plus deterministic ids derived from them."""

    esp: str
    event: str
    recipient: str
    journey_message_id: str
    esp_message_id: str
    url: str
    forged: bool
    when: datetime  # aware, UTC

    @property
    def metadata(self) -> dict[str, str]:
        return {"journey_message_id": self.journey_message_id}

    @property
    def epoch(self) -> int:
        return int(self.when.timestamp())

    @property
    def domain(self) -> str:
        return self.recipient.rpartition("@")[2]

    def digest(self, *salt: object) -> bytes:
        seed = "|".join(map(str, (self.esp, self.event, self.esp_message_id, self.recipient, self.epoch, *salt)))
        return hashlib.sha256(seed.encode()).digest()

    def hex(self, length: int, *salt: object) -> str:
        return (self.digest(*salt) + self.digest("more", *salt)).hex()[:length]

    def uuid(self, *salt: object) -> str:
        return str(uuid.UUID(bytes=self.digest(*salt)[:16], version=4))

    def number(self, digits: int, *salt: object) -> int:
        return 10 ** (digits - 1) + int.from_bytes(self.digest(*salt)[:8]) % (9 * 10 ** (digits - 1))


def _iso(moment: datetime, digits: int = 3) -> str:
    """UTC ISO 8601 with a Z and ``digits`` fractional digits (0-6)."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    return text + "Z"


def _json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _hmac_hex(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _secret(call: _Call, real: str) -> bytes:
    return _FORGED_SECRET if call.forged else real.encode()


def _json_call(payload: Any, headers: dict[str, str] | None = None) -> TrackingCall:
    return TrackingCall(body=_json(payload), content_type="application/json", headers=headers or {})


_SMTP_OK = "250 2.0.0 OK 1732442400 a640c23a62f3a-aa52f0f8b2dsi1234567ehb.38 - gsmtp"
_SMTP_UNKNOWN = "550 5.1.1 The email account that you tried to reach does not exist."
_SMTP_FULL = "552 5.2.2 The email account that you tried to reach is over quota."
_SMTP_FULL_TEMP = "452 4.2.2 The email account that you tried to reach is over quota."


# One builder per ESP ----------------------------------------------------------------------------------------


def _amazon_ses(call: _Call) -> TrackingCall:
    """Build an SNS Notification wrapping an SES event-publishing record (Delivery, Bounce or Complaint).

    anymail recovers metadata from the sent message's X-Metadata header, which SES includes in ``mail.headers``.
    """
    sent = call.when - timedelta(seconds=3)
    mail = {
        "timestamp": _iso(sent),
        "source": SENDER,
        "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/mail.shop.example.com",
        "sendingAccountId": "123456789012",
        "messageId": call.esp_message_id,
        "destination": [call.recipient],
        "headersTruncated": False,
        "headers": [
            {"name": "From", "value": SENDER},
            {"name": "To", "value": call.recipient},
            {"name": "Subject", "value": SUBJECT},
            {"name": "MIME-Version", "value": "1.0"},
            {"name": "Content-Type", "value": 'multipart/alternative; boundary="===============1732442400=="'},
            {"name": "X-Metadata", "value": json.dumps(call.metadata)},
        ],
        "commonHeaders": {"from": [SENDER], "to": [call.recipient], "messageId": call.esp_message_id,
                          "subject": SUBJECT},
        "tags": {"ses:operation": ["SendRawEmail"], "ses:configuration-set": ["journey"],
                 "ses:from-domain": ["mail.shop.example.com"], "ses:caller-identity": ["journey"]},
    }
    reporting_mta = "a7-12.smtp-out.eu-west-1.amazonses.com"
    if call.event == "delivered":
        record = {"eventType": "Delivery", "mail": mail, "delivery": {
            "timestamp": _iso(call.when), "processingTimeMillis": 2731, "recipients": [call.recipient],
            "smtpResponse": _SMTP_OK, "reportingMTA": reporting_mta, "remoteMtaIp": "142.250.27.27",
        }}
    elif call.event in ("hard_bounce", "soft_bounce"):
        hard = call.event == "hard_bounce"
        record = {"eventType": "Bounce", "mail": mail, "bounce": {
            "feedbackId": call.hex(60, "feedback") + "-000000",
            "bounceType": "Permanent" if hard else "Transient",
            "bounceSubType": "General" if hard else "MailboxFull",
            "bouncedRecipients": [{
                "emailAddress": call.recipient, "action": "failed",
                "status": "5.1.1" if hard else "5.2.2",
                "diagnosticCode": "smtp; " + (_SMTP_UNKNOWN if hard else _SMTP_FULL),
            }],
            "timestamp": _iso(call.when),
            "reportingMTA": "dsn; " + reporting_mta,
        }}
    else:
        record = {"eventType": "Complaint", "mail": mail, "complaint": {
            "feedbackId": call.hex(60, "feedback") + "-000000",
            "complaintSubType": None,
            "complainedRecipients": [{"emailAddress": call.recipient}],
            "timestamp": _iso(call.when),
            "userAgent": "Yahoo!-Mail-Feedback/2.0",
            "complaintFeedbackType": "abuse",
            "arrivalDate": _iso(sent),
        }}
    topic = "arn:aws:sns:eu-west-1:123456789012:journey-ses-events"
    sns_id = call.uuid("sns")
    envelope = {
        "Type": "Notification",
        "MessageId": sns_id,
        "TopicArn": topic,
        "Message": json.dumps(record),
        "Timestamp": _iso(call.when),
        "SignatureVersion": "1",
        "Signature": base64.b64encode(call.digest("sns-signature") * 8).decode(),  # not verified by anymail
        "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/"
                          "SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "UnsubscribeURL": f"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:"
                          "3b7e2d1c-5a4f-4e8b-9c6d-0f1e2a3b4c5d",
    }
    headers = {
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": sns_id,
        "x-amz-sns-topic-arn": topic,
        "x-amz-sns-subscription-arn": f"{topic}:3b7e2d1c-5a4f-4e8b-9c6d-0f1e2a3b4c5d",
        "User-Agent": "Amazon Simple Notification Service Agent",
    }
    return TrackingCall(body=_json(envelope), content_type="text/plain; charset=UTF-8", headers=headers)


def _brevo(call: _Call) -> TrackingCall:
    """Brevo transactional webhook: one flat JSON event; metadata is the X-Mailin-custom header's JSON."""
    payload: dict[str, Any] = {
        "event": {"delivered": "delivered", "hard_bounce": "hard_bounce", "soft_bounce": "soft_bounce",
                  "complained": "spam"}[call.event],
        "email": call.recipient,
        "id": call.number(7, "webhook"),
        "date": call.when.strftime("%Y-%m-%d %H:%M:%S"),
        "ts": call.epoch,
        "message-id": call.esp_message_id,
        "ts_event": call.epoch,
        "subject": SUBJECT,
        "X-Mailin-custom": json.dumps(call.metadata),
        "sending_ip": "185.41.28.109",
        "ts_epoch": int(call.when.timestamp() * 1000),
        "tags": ["journey"],
    }
    if call.event == "hard_bounce":
        payload["reason"] = _SMTP_UNKNOWN
    elif call.event == "soft_bounce":
        payload["reason"] = _SMTP_FULL_TEMP
    return _json_call(payload)


def _mailersend(call: _Call) -> TrackingCall:
    """MailerSend activity webhook, HMAC-SHA256 of the body in ``Signature``.

    MailerSend's payload has no custom metadata: ``esp_message_id`` is ``data.email.message.id``, which anymail
    reports as ``event.message_id``.
    """
    activity = {"delivered": "delivered", "hard_bounce": "hard_bounced", "soft_bounce": "soft_bounced",
                "complained": "spam_complaint"}[call.event]
    morph: dict[str, Any] | None = {
        "delivered": None,
        "hard_bounce": {"object": "recipient_bounce", "reason": _SMTP_UNKNOWN},
        "soft_bounce": {"object": "recipient_bounce", "reason": _SMTP_FULL_TEMP},
        "complained": {"object": "spam_complaint", "reason": None},
    }[call.event]
    created = _iso(call.when, 6)
    payload = {
        "type": f"activity.{activity}",
        "domain_id": call.hex(12, "domain"),
        "created_at": created,
        "webhook_id": call.hex(12, "webhook"),
        "url": call.url,
        "data": {
            "object": "activity",
            "id": call.hex(24, "activity"),
            "type": activity,
            "created_at": created,
            "email": {
                "object": "email",
                "id": call.hex(24, "email"),
                "created_at": _iso(call.when - timedelta(seconds=3), 6),
                "from": SENDER,
                "subject": SUBJECT,
                "status": {"delivered": "delivered", "complained": "delivered"}.get(call.event, "rejected"),
                "tags": ["journey"],
                "message": {"object": "message", "id": call.esp_message_id,
                            "created_at": _iso(call.when - timedelta(seconds=3), 6)},
                "recipient": {"object": "recipient", "id": call.hex(24, "recipient"), "email": call.recipient,
                              "created_at": _iso(call.when - timedelta(days=30), 6)},
            },
            "morph": morph,
            "template_id": "",
        },
    }
    body = json.dumps(payload).replace("/", "\\/").encode()  # MailerSend escapes every "/"
    signature = _hmac_hex(_secret(call, MAILERSEND_SIGNING_SECRET), body)
    return TrackingCall(body=body, content_type="application/json", headers={"Signature": signature})


def _mailgun(call: _Call) -> TrackingCall:
    """Mailgun (2018+) JSON webhook: ``signature`` block (HMAC-SHA256 of timestamp+token) and ``event-data``.

    Metadata is ``user-variables``. The message id travels without <>; anymail reports it as ``<id>``.
    """
    message_id = call.esp_message_id.strip("<>")
    event_data: dict[str, Any] = {
        "id": base64.urlsafe_b64encode(call.digest("event-id")[:16]).decode().rstrip("="),
        "timestamp": call.when.timestamp(),
        "log-level": "info",
        "event": "delivered",
        "recipient": call.recipient,
        "recipient-domain": call.domain,
        "envelope": {"transport": "smtp", "sender": f"bounce+{call.hex(6, 'b')}@mg.shop.example.com",
                     "sending-ip": "198.61.254.33", "targets": call.recipient},
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        "message": {"headers": {"to": call.recipient, "message-id": message_id, "from": SENDER, "subject": SUBJECT},
                    "attachments": [], "size": 18342},
        "storage": {"url": f"https://storage-eu.api.mailgun.net/v3/domains/mg.shop.example.com/messages/"
                           f"{call.hex(40, 'storage')}", "key": call.hex(40, "storage")},
        "campaigns": [],
        "tags": ["journey"],
        "user-variables": call.metadata,
    }
    if call.event == "delivered":
        event_data["delivery-status"] = {"tls": True, "mx-host": f"mx.{call.domain}", "code": 250,
                                         "description": "", "session-seconds": 0.81, "attempt-no": 1,
                                         "message": "OK", "certificate-verified": True}
    elif call.event in ("hard_bounce", "soft_bounce"):
        hard = call.event == "hard_bounce"
        event_data.update({
            "event": "failed",
            "log-level": "error" if hard else "warn",
            "severity": "permanent" if hard else "temporary",
            "reason": "bounce" if hard else "generic",
            "delivery-status": {
                "attempt-no": 1, "mx-host": f"mx.{call.domain}", "tls": True, "certificate-verified": True,
                "code": 550 if hard else 452,
                "enhanced-code": "5.1.1" if hard else "4.2.2",
                "message": (_SMTP_UNKNOWN if hard else _SMTP_FULL_TEMP)[4:],
                "description": "", "session-seconds": 0.42,
                **({} if hard else {"retry-seconds": 600}),
            },
        })
    else:
        event_data.update({"event": "complained", "log-level": "warn"})
        for key in ("storage", "recipient-domain"):
            event_data.pop(key)
    token = call.hex(50, "token")
    timestamp = str(call.epoch)
    signature = _hmac_hex(_secret(call, MAILGUN_WEBHOOK_SIGNING_KEY), f"{timestamp}{token}".encode())
    return _json_call({"signature": {"timestamp": timestamp, "token": token, "signature": signature},
                       "event-data": event_data})


def _mailjet(call: _Call) -> TrackingCall:
    """Mailjet event API: one bare JSON event (grouping off); metadata is the ``Payload`` (EventPayload) JSON."""
    message_id: int | str = int(call.esp_message_id) if call.esp_message_id.isdigit() else call.esp_message_id
    payload: dict[str, Any] = {
        "event": {"delivered": "sent", "complained": "spam"}.get(call.event, "bounce"),
        "time": call.epoch,
        "MessageID": message_id,
        "Message_GUID": call.uuid("guid"),
        "email": call.recipient,
        "mj_campaign_id": 0,
        "mj_contact_id": call.number(10, "contact"),
        "customcampaign": "",
        "CustomID": "",
        "Payload": json.dumps(call.metadata),
    }
    if call.event == "delivered":
        payload.update({"mj_message_id": str(message_id), "smtp_reply": f"sent ({_SMTP_OK})"})
    elif call.event in ("hard_bounce", "soft_bounce"):
        hard = call.event == "hard_bounce"
        payload.update({
            "blocked": False,
            "hard_bounce": hard,
            "error_related_to": "recipient",
            "error": "user unknown" if hard else "quota exceeded",
            "comment": _SMTP_UNKNOWN if hard else _SMTP_FULL_TEMP,
        })
    else:
        payload["source"] = "JMRPP"
    return _json_call(payload)


def _mailtrap(call: _Call) -> TrackingCall:
    """Mailtrap webhook: ``{"events": [...]}``, HMAC-SHA256 of the body in ``Mailtrap-Signature``.

    Metadata is ``custom_variables``.
    """
    event: dict[str, Any] = {
        "event": {"delivered": "delivery", "hard_bounce": "bounce", "soft_bounce": "soft bounce",
                  "complained": "spam"}[call.event],
        "message_id": call.esp_message_id,
        "sending_stream": "transactional",
        "email": call.recipient,
        "timestamp": call.epoch,
        "event_id": call.uuid("event"),
        "category": "journey",
        "custom_variables": call.metadata,
    }
    if call.event == "hard_bounce":
        event.update({"response": f"bounced ({_SMTP_UNKNOWN})", "response_code": 550, "bounce_category": "hard"})
    elif call.event == "soft_bounce":
        event.update({"response": f"soft bounce ({_SMTP_FULL_TEMP})", "response_code": 452,
                      "bounce_category": "mailbox_full"})
    body = _json({"events": [event]})
    signature = _hmac_hex(_secret(call, MAILTRAP_TRACKING_SECRET), body)
    return TrackingCall(body=body, content_type="application/json", headers={"Mailtrap-Signature": signature})


def _mandrill(call: _Call) -> TrackingCall:
    """Mandrill webhook: form field ``mandrill_events`` (a JSON list), signed over the URL + sorted fields.

    Metadata is ``msg.metadata``. Mandrill has no delivery event: "delivered" is its ``send`` event, which
    anymail reports as ``sent``.
    """
    sent = call.epoch - 3
    msg: dict[str, Any] = {
        "ts": sent,
        "_id": call.esp_message_id,
        "state": "sent",
        "subject": SUBJECT,
        "email": call.recipient,
        "tags": ["journey"],
        "opens": [],
        "clicks": [],
        "smtp_events": [],
        "resends": [],
        "_version": call.hex(22, "version"),
        "sender": SENDER,
        "template": None,
        "metadata": call.metadata,
    }
    if call.event == "delivered":
        msg["smtp_events"] = [{"ts": call.epoch, "type": "sent", "diag": _SMTP_OK, "source_ip": "198.2.128.1",
                               "destination_ip": "142.250.27.27", "size": 18342}]
    elif call.event in ("hard_bounce", "soft_bounce"):
        hard = call.event == "hard_bounce"
        msg.update({
            "state": "bounced" if hard else "soft-bounced",
            "bounce_description": "bad_mailbox" if hard else "mailbox_full",
            "diag": "smtp;" + (_SMTP_UNKNOWN if hard else _SMTP_FULL_TEMP),
        })
    esp_event = {
        "event": {"delivered": "send", "complained": "spam"}.get(call.event, call.event),
        "_id": call.esp_message_id,
        "msg": msg,
        "ts": call.epoch,
    }
    fields = {"mandrill_events": json.dumps([esp_event])}
    signed = call.url + "".join(key + fields[key] for key in sorted(fields))
    digest = hmac.new(_secret(call, MANDRILL_WEBHOOK_KEY), signed.encode(), hashlib.sha1).digest()
    return TrackingCall(body=urlencode(fields).encode(), content_type="application/x-www-form-urlencoded",
                        headers={"X-Mandrill-Signature": base64.b64encode(digest).decode()})


def _postal(call: _Call) -> TrackingCall:
    """Postal webhook, RSA-SHA1 signature of the body (base64) in ``X-Postal-Signature``.

    Postal's payload has no custom metadata (anymail sets none): ``esp_message_id`` is the Postal message id
    (``payload.message.id``, an int when all digits), which anymail reports as ``event.message_id``.
    Postal has no spam-complaint event.
    """
    message_id: int | str = int(call.esp_message_id) if call.esp_message_id.isdigit() else call.esp_message_id
    message = {
        "id": message_id,
        "token": call.hex(12, "token"),
        "direction": "outgoing",
        "message_id": f"{call.uuid('message-id')}@rp.postal.shop.example.com",
        "to": call.recipient,
        "from": SENDER,
        "subject": SUBJECT,
        "timestamp": call.when.timestamp() - 3,
        "spam_status": "NotChecked",
        "tag": "journey",
    }
    if call.event == "delivered":
        kind = "MessageSent"
        payload: dict[str, Any] = {
            "message": message, "status": "Sent",
            "details": f"Message for {call.recipient} accepted by mx.{call.domain}",
            "output": _SMTP_OK + "\n", "sent_with_ssl": True, "timestamp": call.when.timestamp(), "time": 0.81,
        }
    elif call.event == "soft_bounce":
        kind = "MessageDelayed"
        payload = {
            "message": message, "status": "SoftFail",
            "details": f"Delivery to mx.{call.domain} failed (452). Will retry in 5 minutes.",
            "output": _SMTP_FULL_TEMP + "\n", "sent_with_ssl": True, "timestamp": call.when.timestamp(),
            "time": 0.42,
        }
    else:  # hard_bounce: the recipient's server sent a bounce message (NDR) back
        kind = "MessageBounced"
        payload = {
            "original_message": message,
            "bounce": {
                "id": call.number(6, "bounce"),
                "token": call.hex(12, "bounce-token"),
                "direction": "incoming",
                "message_id": f"{call.hex(16, 'ndr')}@mx.{call.domain}",
                "to": f"{call.hex(6, 'rp')}@psrp.postal.shop.example.com",
                "from": f"MAILER-DAEMON@mx.{call.domain}",
                "subject": "Mail delivery failed: returning message to sender",
                "timestamp": call.when.timestamp(),
                "spam_status": "NotChecked",
                "tag": None,
            },
        }
    body = _json({"event": kind, "timestamp": call.when.timestamp(), "payload": payload, "uuid": call.uuid("event")})
    return TrackingCall(body=body, content_type="application/json", headers=_postal_signatures(call, body))


def _postal_signatures(call: _Call, body: bytes) -> dict[str, str]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_private_key(POSTAL_PRIVATE_KEY_PEM.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    if call.forged:  # right length and encoding, wrong bytes
        sha1 = sha256 = hashlib.shake_256(b"forged" + body).digest(key.key_size // 8)
    else:
        sha1 = key.sign(body, padding.PKCS1v15(), hashes.SHA1())
        sha256 = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return {"X-Postal-Signature": base64.b64encode(sha1).decode(),
            "X-Postal-Signature-256": base64.b64encode(sha256).decode()}


def _postmark(call: _Call) -> TrackingCall:
    """Postmark webhook (Delivery, Bounce or SpamComplaint record); metadata is ``Metadata``."""
    common = {
        "MessageID": call.esp_message_id,
        "ServerID": 4711,
        "MessageStream": "outbound",
        "Tag": "journey",
        "Metadata": call.metadata,
    }
    if call.event == "delivered":
        return _json_call({"RecordType": "Delivery", **common, "Recipient": call.recipient,
                           "DeliveredAt": _iso(call.when, 6), "Details": f"smtp;{_SMTP_OK}"})
    kind = {
        "hard_bounce": ("Bounce", "HardBounce", 1, "Hard bounce",
                        "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
                        f"smtp;{_SMTP_UNKNOWN}", True, True),
        "soft_bounce": ("Bounce", "SoftBounce", 4096, "Soft bounce",
                        "Unable to temporarily deliver this email.", f"smtp;{_SMTP_FULL_TEMP}", False, True),
        "complained": ("SpamComplaint", "SpamComplaint", 512, "Spam complaint",
                       "The subscriber explicitly marked this email as spam.", "", True, False),
    }[call.event]
    record_type, bounce_type, type_code, name, description, details, inactive, can_activate = kind
    return _json_call({
        "RecordType": record_type,
        "ID": call.number(10, "bounce-id"),
        "Type": bounce_type,
        "TypeCode": type_code,
        "Name": name,
        **common,
        "Description": description,
        "Details": details,
        "Email": call.recipient,
        "From": SENDER,
        "BouncedAt": _iso(call.when, 6),
        "DumpAvailable": record_type == "Bounce",
        "Inactive": inactive,
        "CanActivate": can_activate,
        "Subject": SUBJECT,
        "Content": "",
    })


def _resend(call: _Call) -> TrackingCall:
    """Resend webhook (delivered by Svix): ``svix-id``/``svix-timestamp``/``svix-signature`` headers.

    Metadata is the sent message's X-Metadata header, which Resend echoes in ``data.headers``. anymail checks
    the Svix signature only if the ``svix`` package is installed and the view has ``signing_secret``.
    """
    data: dict[str, Any] = {
        "created_at": _iso(call.when - timedelta(seconds=3)),
        "email_id": call.esp_message_id,
        "from": f"Shop <{SENDER}>",
        "to": [call.recipient],
        "subject": SUBJECT,
        "headers": [{"name": "X-Metadata", "value": json.dumps(call.metadata)}],
        "tags": {"category": "journey"},
    }
    if call.event == "hard_bounce":
        data["bounce"] = {
            "type": "Permanent", "subType": "General",
            "message": "The recipient's email provider sent a hard bounce message, but didn't specify the reason "
                       "for the hard bounce. We recommend removing the recipient's email address from your "
                       "mailing list.",
        }
    elif call.event == "soft_bounce":
        data["bounce"] = {
            "type": "Transient", "subType": "MailboxFull",
            "message": "The recipient's email provider sent a bounce message because the recipient's inbox was "
                       "full. You can try sending to the same recipient in the future when the recipient's inbox "
                       "has more space.",
        }
    kind = {"delivered": "email.delivered", "complained": "email.complained"}.get(call.event, "email.bounced")
    body = _json({"type": kind, "created_at": _iso(call.when), "data": data})
    svix_id = "msg_" + base64.b32encode(call.digest("svix")).decode().lower().rstrip("=")[:27]
    secret = _FORGED_SECRET if call.forged else base64.b64decode(RESEND_SIGNING_SECRET.removeprefix("whsec_"))
    signed = f"{svix_id}.{call.epoch}.".encode() + body
    signature = base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
    headers = {"svix-id": svix_id, "svix-timestamp": str(call.epoch), "svix-signature": f"v1,{signature}"}
    return TrackingCall(body=body, content_type="application/json", headers=headers)


def _sendgrid(call: _Call) -> TrackingCall:
    """SendGrid event webhook: a JSON list, ECDSA signature of timestamp+body in the X-Twilio-... headers.

    Metadata (custom_args) is merged into the event, with anymail's ``anymail_id`` custom arg as the message id.
    """
    event: dict[str, Any] = {
        "email": call.recipient,
        "timestamp": call.epoch,
        "smtp-id": f"<{call.hex(11, 'smtp')}.{call.hex(3, 'a')}.{call.hex(6, 'b')}@ismtpd0001p1lon1.sendgrid.net>",
        "event": {"delivered": "delivered", "complained": "spamreport"}.get(call.event, "bounce"),
        "category": ["journey"],
        "sg_event_id": base64.urlsafe_b64encode(call.digest("sg-event")[:16]).decode().rstrip("="),
        "sg_message_id": f"{call.hex(22, 'sg')}.filterdrecv-5645d9c87f-x7x5k-1-{call.hex(8, 'f').upper()}-1.0",
        "anymail_id": call.esp_message_id,
        **call.metadata,
    }
    if call.event == "delivered":
        event.update({"response": _SMTP_OK, "tls": 1, "ip": "149.72.123.24"})
    elif call.event in ("hard_bounce", "soft_bounce"):
        hard = call.event == "hard_bounce"
        event.update({
            "type": "bounce" if hard else "blocked",
            "status": "5.1.1" if hard else "4.2.2",
            "reason": _SMTP_UNKNOWN if hard else _SMTP_FULL_TEMP,
            "bounce_classification": "Invalid Address" if hard else "Mailbox Unavailable",
            "tls": 1,
            "ip": "149.72.123.24",
        })
    body = _json([event])
    timestamp = str(call.epoch)
    return TrackingCall(body=body, content_type="application/json", headers={
        "X-Twilio-Email-Event-Webhook-Signature": _sendgrid_signature(call, timestamp.encode() + body),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
    })


def _sendgrid_signature(call: _Call, signed: bytes) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if call.forged:  # a well-formed DER ECDSA signature of random-looking (r, s)
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        r, s = (int.from_bytes(hashlib.sha256(part + signed).digest()) for part in (b"r", b"s"))
        return base64.b64encode(encode_dss_signature(r, s)).decode()
    key = serialization.load_pem_private_key(SENDGRID_PRIVATE_KEY_PEM.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    try:  # RFC 6979 (cryptography >= 44), so that the same call gives the same bytes
        algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    except TypeError:
        algorithm = ec.ECDSA(hashes.SHA256())
    return base64.b64encode(key.sign(signed, algorithm)).decode()


def _sparkpost(call: _Call) -> TrackingCall:
    """SparkPost webhook: a JSON list of ``{"msys": {"message_event": {...}}}``; metadata is ``rcpt_meta``.

    anymail reports ``transmission_id`` (what SparkPost's send API returns) as the message id.
    """
    event: dict[str, Any] = {
        "type": "delivery",
        "event_id": str(call.number(17, "event")),
        "timestamp": str(call.epoch),
        "transmission_id": call.esp_message_id,
        "message_id": call.hex(20, "message"),
        "campaign_id": "journey",
        "customer_id": "314159",
        "friendly_from": SENDER,
        "msg_from": "msprvs1=18233=bounces-314159@sparkpostmail1.com",
        "rcpt_to": call.recipient.lower(),
        "raw_rcpt_to": call.recipient,
        "rcpt_type": "to",
        "rcpt_meta": call.metadata,
        "rcpt_tags": [],
        "recv_method": "rest",
        "routing_domain": call.domain,
        "subject": SUBJECT,
        "ip_address": "52.24.126.8",
        "sending_ip": "192.174.89.134",
        "ip_pool": "default",
        "msg_size": "18342",
        "num_retries": "0",
        "injection_time": _iso(call.when - timedelta(seconds=3)),
    }
    if call.event == "delivered":
        event.update({"delv_method": "esmtp", "queue_time": "2731", "outbound_tls": "1",
                      "mailbox_provider": "Gmail", "mailbox_provider_region": "Global"})
    elif call.event in ("hard_bounce", "soft_bounce"):
        hard = call.event == "hard_bounce"
        reason = _SMTP_UNKNOWN if hard else _SMTP_FULL
        event.update({"type": "bounce", "bounce_class": "10" if hard else "22", "error_code": reason[:3],
                      "raw_reason": reason, "reason": reason, "delv_method": "esmtp"})
    else:
        event.update({"type": "spam_complaint", "fbtype": "abuse", "report_by": "feedbackloop.example.net",
                      "report_to": "fbl.sparkpostmail.com", "user_str": "Yahoo!-Mail-Feedback/2.0"})
    return _json_call([{"msys": {"message_event": event}}])


def _unisender_go(call: _Call) -> TrackingCall:
    """Unisender Go callback: ``auth`` is the MD5 of the body with ``auth`` set to the API key.

    Metadata is ``event_data.metadata``; anymail's message id is its own ``anymail_id`` in that metadata.
    """
    event_data: dict[str, Any] = {
        "job_id": f"1{call.hex(5, 'job')}-{call.hex(6, 'job2').upper()}-{call.hex(2, 'job3').upper()}",
        "metadata": {**call.metadata, "anymail_id": call.esp_message_id},
        "email": call.recipient,
        "status": {"delivered": "delivered", "hard_bounce": "hard_bounced", "soft_bounce": "soft_bounced",
                   "complained": "spam"}[call.event],
        "event_time": call.when.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if call.event == "delivered":
        event_data["delivery_info"] = {"destination_response": _SMTP_OK}
    elif call.event == "hard_bounce":
        event_data["delivery_info"] = {"delivery_status": "err_user_unknown", "destination_response": _SMTP_UNKNOWN}
    elif call.event == "soft_bounce":
        event_data["delivery_info"] = {"delivery_status": "err_will_retry", "destination_response": _SMTP_FULL_TEMP}

    def body(auth: str) -> bytes:
        return json.dumps({"auth": auth, "events_by_user": [{
            "user_id": 5184, "project_id": "6432890213745872", "project_name": "Journey",
            "events": [{"event_name": "transactional_email_status", "event_data": event_data}],
        }]}, separators=(",", ":")).encode()

    key = _secret(call, UNISENDER_GO_API_KEY).decode()
    return TrackingCall(body=body(hashlib.md5(body(key)).hexdigest()), content_type="application/json", headers={})


_BUILDERS: dict[str, Callable[[_Call], TrackingCall]] = {
    "amazon_ses": _amazon_ses,
    "brevo": _brevo,
    "mailersend": _mailersend,
    "mailgun": _mailgun,
    "mailjet": _mailjet,
    "mailtrap": _mailtrap,
    "mandrill": _mandrill,
    "postal": _postal,
    "postmark": _postmark,
    "resend": _resend,
    "sendgrid": _sendgrid,
    "sparkpost": _sparkpost,
    "unisender_go": _unisender_go,
}


def tracking_call(esp: str, event: str, *, recipient: str, journey_message_id: str, esp_message_id: str,
                  url: str, forged: bool = False, when: datetime | None = None) -> TrackingCall:
    """Build the HTTP body and headers ``esp`` POSTs to its tracking webhook about ``event`` for one message.

    ``journey_message_id`` travels as the ESP's custom metadata (anymail's ``event.metadata``), except for
    mailersend and postal, which cannot carry it: there ``esp_message_id`` (anymail's ``event.message_id``)
    identifies the message. ``url`` is the URL the ESP calls (Mandrill signs it; MailerSend echoes it).
    ``forged`` keeps the payload and breaks the signature (no effect for ESPs with basic auth only).
    ``when`` is the event time (default: now; naive means UTC). Raises ValueError for an unknown ESP or
    event, and for the combinations in ``UNSUPPORTED``.
    """
    if esp not in _BUILDERS:
        raise ValueError(f"unknown ESP {esp!r}; expected one of {', '.join(ESPS)}")
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; expected one of {', '.join(EVENTS)}")
    if (esp, event) in UNSUPPORTED:
        raise ValueError(f"{esp} has no {event} webhook event")
    moment = when or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    call = _Call(esp=esp, event=event, recipient=recipient, journey_message_id=journey_message_id,
                 esp_message_id=esp_message_id, url=url, forged=forged, when=moment)
    return _BUILDERS[esp](call)
