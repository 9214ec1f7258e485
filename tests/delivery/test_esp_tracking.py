"""Tracking calls from every ESP anymail supports: signed ones recorded, forged ones refused, nothing changed.

The calls are what each ESP posts (tests/delivery/esp_payloads.py), over the
plugin's route, with the ESP's own signature and the webhook secret.
"""

import base64
from typing import Any

import pytest
from django.test import Client

from saleor_journey.delivery import preferences
from saleor_journey.models import Consent, DeliveryEvent, ScheduledMessage, Suppression
from tests.conftest import activate_plugin
from tests.delivery import esp_payloads
from tests.delivery.test_email_configuration import COMPLETE

URL = "/plugins/global/saleor.journey/esp/tracking/"
PUBLIC = "https://api.shop.example.com"
SECRET = "esp:hook-secret"
CASES = [(esp, event) for esp in esp_payloads.ESPS for event in esp_payloads.EVENTS
         if (esp, event) not in esp_payloads.UNSUPPORTED]


def configure(esp: str) -> None:
    signing = {k: v for k, v in esp_payloads.SIGNING[esp].items() if k != "webhook_url"}
    key = signing.pop("api_key", "the-api-key")
    values = {"public_base_url": PUBLIC, "email_esp": esp, "email_api_key": key, "email_webhook_secret": SECRET,
              **COMPLETE.get(esp, {}), **({"email_webhook_signing_key": next(iter(signing.values()))} if signing else {})}
    activate_plugin([{"name": k, "value": v} for k, v in values.items()])


def sent_message(esp: str) -> ScheduledMessage:
    from django.utils import timezone

    from saleor_journey.services.outbox import MessageSpec, schedule

    spec = MessageSpec(flow="win_back", step="email", subject_key="user:1:lapse", channel="email",
                       recipient="anna@example.com", due_at=timezone.now(), marketing=True)
    schedule(spec)
    message = ScheduledMessage.objects.get(dedupe_key=spec.dedupe_key)
    provider_id = "5001" if esp == "postal" else f"{esp}-msg-1"
    if esp == "mailgun":
        provider_id = f"<{provider_id}>"
    ScheduledMessage.objects.filter(pk=message.pk).update(state="sent", sent_at=timezone.now(),
                                                          provider_message_id=provider_id)
    return ScheduledMessage.objects.get(pk=message.pk)


def post(esp: str, event: str, message: ScheduledMessage, forged: bool = False, auth: str = SECRET) -> Any:
    """Post the ESP's call about the message; the same event each time (a retry carries the same time)."""
    call = esp_payloads.tracking_call(
        esp, event, recipient=message.recipient, journey_message_id=str(message.pk),
        esp_message_id=message.provider_message_id.strip("<>"), url=f"{PUBLIC}{URL}", forged=forged,
        when=message.sent_at.replace(microsecond=0))
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in call.headers.items()}
    basic = "Basic " + base64.b64encode(auth.encode()).decode()
    return Client().post(URL, call.body, content_type=call.content_type, HTTP_AUTHORIZATION=basic, **headers)


def state() -> tuple[Any, ...]:
    return (sorted(DeliveryEvent.objects.values_list("kind", flat=True)), Suppression.objects.count(),
            sorted(Consent.objects.values_list("granted", flat=True)),
            sorted(ScheduledMessage.objects.values_list("state", flat=True)))


@pytest.mark.parametrize(("esp", "event"), CASES)
def test_a_signed_call_is_recorded(db: Any, esp: str, event: str) -> None:
    configure(esp)
    message = sent_message(esp)
    response = post(esp, event, message)
    assert response.status_code == 200, response.content
    kind = "delivered" if event == "delivered" else esp_payloads.ANYMAIL_EVENT_TYPE[(esp, event)]  # Mandrill: "sent"
    assert DeliveryEvent.objects.filter(message=message, kind=kind).count() == 1
    suppressed = preferences.is_suppressed("email", "anna@example.com")
    if event in ("hard_bounce", "complained"):
        assert suppressed  # the address is gone or the person complained: nothing more goes there
    else:
        assert not suppressed  # a delivery, or a soft bounce (a full mailbox): mail goes on
    if event == "complained":
        assert Consent.objects.get(channel="email", address="anna@example.com").granted is False
    again = post(esp, event, message)  # the ESP retries the same event
    assert again.status_code == 200
    assert DeliveryEvent.objects.filter(message=message, kind=kind).count() == 1


@pytest.mark.parametrize("esp", esp_payloads.ESPS)
def test_a_forged_call_is_refused_and_changes_nothing(db: Any, esp: str) -> None:
    configure(esp)
    message = sent_message(esp)
    before = state()
    signs = bool({k for k in esp_payloads.SIGNING[esp] if k != "webhook_url"})
    forged = post(esp, "hard_bounce", message, forged=True) if signs else None
    wrong_password = post(esp, "hard_bounce", message, auth="esp:wrong", forged=signs)
    for response in (forged, wrong_password):
        if response is not None:
            assert response.status_code in (400, 403), response.content
    assert state() == before
    assert not preferences.is_suppressed("email", "anna@example.com")


def test_a_misconfigured_tracking_view_answers_403_with_a_log_line(db: Any, caplog: Any) -> None:
    activate_plugin([{"name": k, "value": v} for k, v in {
        "public_base_url": PUBLIC, "email_esp": "mailgun", "email_api_key": "key"}.items()])
    message = sent_message("mailgun")
    response = post("mailgun", "hard_bounce", message)
    assert response.status_code == 403
    assert "mailgun tracking needs its signing key" in caplog.text
    assert not Suppression.objects.exists()
