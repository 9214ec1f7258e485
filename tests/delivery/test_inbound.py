"""Callbacks over HTTP through Saleor's plugin route: authenticated, deduplicated, forged ones change nothing."""

import base64
import json
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from saleor_journey.delivery import preferences
from saleor_journey.delivery.tokens import unsubscribe_token
from saleor_journey.models import Consent, DeliveryEvent, ScheduledMessage, Suppression
from tests.conftest import activate_plugin, delivery_configuration

BASE = "/plugins/global/saleor.journey"
PUBLIC = "https://api.shop.example.com/plugins/global/saleor.journey"


@pytest.fixture
def configured(esp: Any, twilio: Any, channel: Any) -> Any:
    return activate_plugin(delivery_configuration(esp, twilio))


def message_row(make_message: Any, **kwargs: Any) -> ScheduledMessage:
    spec = make_message(**kwargs)
    return ScheduledMessage.objects.get(dedupe_key=spec.dedupe_key)


def snapshot() -> tuple[int, int, int, list[str]]:
    return (
        Suppression.objects.count(),
        Consent.objects.count(),
        DeliveryEvent.objects.count(),
        sorted(ScheduledMessage.objects.values_list("state", flat=True)),
    )


# Unsubscribe ----------------------------------------------------------------


def test_get_only_shows_a_confirmation_page(client: Any, configured: Any, make_message: Any) -> None:
    message = message_row(make_message)
    before = snapshot()
    response = client.get(f"{BASE}/unsubscribe/{unsubscribe_token(message.pk)}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post">' in page
    assert "Annullare l'iscrizione?" in page
    assert snapshot() == before


@pytest.mark.parametrize("lang", ["de", "fr", "es", "en"])
def test_the_unsubscribe_page_speaks_the_customers_language(
    client: Any, configured: Any, make_message: Any, lang: str
) -> None:
    from django.utils.html import escape
    from django.utils.translation import override, pgettext

    message = message_row(make_message, language=lang)
    page = client.get(f"{BASE}/unsubscribe/{unsubscribe_token(message.pk)}/").content.decode()
    assert f'<html lang="{lang}">' in page
    with override(lang):
        question = pgettext("journey", "Unsubscribe?")
    assert f"<h1>{escape(question)}</h1>" in page
    assert (question == "Unsubscribe?") == (lang == "en")


def test_one_click_post_unsubscribes_and_cancels_pending_marketing(client: Any, configured: Any, make_message: Any) -> None:
    message = message_row(make_message)
    pending = message_row(make_message)
    service = message_row(make_message, marketing=False)
    response = client.post(
        f"{BASE}/unsubscribe/{unsubscribe_token(message.pk)}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert "Iscrizione annullata" in response.content.decode()
    assert preferences.is_suppressed("email", "anna@example.com")
    assert Consent.objects.get(channel="email").granted is False
    pending.refresh_from_db()
    service.refresh_from_db()
    assert (pending.state, pending.reason) == ("cancelled", "unsubscribed")
    assert service.state == "pending"  # an order update is not marketing
    again = client.post(f"{BASE}/unsubscribe/{unsubscribe_token(message.pk)}/")
    assert again.status_code == 200
    assert Suppression.objects.filter(channel="email").count() == 1


@pytest.mark.parametrize("token", ["nonsense", "MTIz:forged:signature", ""])
def test_forged_unsubscribe_token_changes_nothing(client: Any, configured: Any, make_message: Any, token: str) -> None:
    message_row(make_message)
    before = snapshot()
    response = client.post(f"{BASE}/unsubscribe/{token}/")
    assert response.status_code == 400
    assert snapshot() == before


# Twilio ---------------------------------------------------------------------


def twilio_post(client: Any, path: str, params: dict[str, str], token: str = "twilio-auth-token") -> Any:
    signature = RequestValidator(token).compute_signature(f"{PUBLIC}{path}", params)
    return client.post(f"{BASE}{path}", params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_stop_keyword_suppresses_both_phone_channels_and_cancels(client: Any, configured: Any, make_message: Any) -> None:
    pending = message_row(make_message, channel="sms", recipient="+393331234567")
    response = twilio_post(client, "/twilio/inbound/", {"MessageSid": "SM1", "From": "+393331234567", "Body": " stop "})
    assert response.status_code == 200
    assert "<Response>" in response.content.decode()
    assert preferences.is_suppressed("sms", "+393331234567")
    assert preferences.is_suppressed("whatsapp", "+393331234567")
    pending.refresh_from_db()
    assert (pending.state, pending.reason) == ("cancelled", "stop keyword")
    twilio_post(client, "/twilio/inbound/", {"MessageSid": "SM2", "From": "+393331234567", "Body": "START"})
    assert not preferences.is_suppressed("sms", "+393331234567")
    assert Consent.objects.get(channel="sms").granted is True


def test_status_callback_is_recorded_once(client: Any, configured: Any, make_message: Any) -> None:
    message = message_row(make_message, channel="sms", recipient="+393331234567")
    ScheduledMessage.objects.filter(pk=message.pk).update(state="sent", provider_message_id="SMabc")
    params = {"MessageSid": "SMabc", "MessageStatus": "delivered"}
    assert twilio_post(client, "/twilio/status/", params).status_code == 204
    assert twilio_post(client, "/twilio/status/", params).status_code == 204  # replay
    assert DeliveryEvent.objects.filter(message=message, kind="delivered").count() == 1
    failed = {"MessageSid": "SMabc", "MessageStatus": "undelivered", "ErrorCode": "21610"}
    twilio_post(client, "/twilio/status/", failed)
    assert preferences.is_suppressed("sms", "+393331234567")


@pytest.mark.parametrize("path", ["/twilio/inbound/", "/twilio/status/"])
def test_forged_twilio_callbacks_change_nothing(client: Any, configured: Any, make_message: Any, path: str) -> None:
    message_row(make_message, channel="sms", recipient="+393331234567")
    before = snapshot()
    params = {"MessageSid": "SM9", "From": "+393331234567", "Body": "STOP", "MessageStatus": "failed", "ErrorCode": "21610"}
    assert twilio_post(client, path, params, token="wrong-token").status_code == 403
    assert client.post(f"{BASE}{path}", params).status_code == 403  # no signature at all
    assert snapshot() == before


# ESP tracking (Postmark through anymail) ----------------------------------------------


def esp_post(client: Any, payload: dict[str, Any], auth: str = "esp:hook-secret") -> Any:
    header = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(
        f"{BASE}/esp/tracking/", json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=header
    )


def bounce(message: ScheduledMessage, event_id: int = 42) -> dict[str, Any]:
    return {
        "RecordType": "Bounce", "ID": event_id, "Type": "HardBounce", "TypeCode": 1, "MessageID": "pm-1",
        "Email": message.recipient, "BouncedAt": "2026-11-24T10:00:00Z", "Description": "mailbox unknown",
        "Details": "smtp;550 5.1.1", "Metadata": {"journey_message_id": str(message.pk)},
    }


def test_hard_bounce_suppresses_and_replay_is_processed_once(client: Any, configured: Any, make_message: Any) -> None:
    message = message_row(make_message)
    later = message_row(make_message)
    assert esp_post(client, bounce(message)).status_code == 200
    assert esp_post(client, bounce(message)).status_code == 200
    assert DeliveryEvent.objects.filter(message=message, kind="bounced").count() == 1
    assert preferences.is_suppressed("email", message.recipient)
    later.refresh_from_db()
    assert later.state == "suppressed"


def test_a_soft_bounce_is_recorded_but_the_customer_still_gets_mail(
    client: Any, configured: Any, make_message: Any
) -> None:
    message, later = message_row(make_message), message_row(make_message)
    full_mailbox = {**bounce(message, event_id=43), "Type": "SoftBounce", "TypeCode": 4096, "Inactive": False,
                    "Description": "mailbox full"}
    assert esp_post(client, full_mailbox).status_code == 200
    assert DeliveryEvent.objects.filter(message=message, kind="bounced").count() == 1
    assert not preferences.is_suppressed("email", message.recipient)
    later.refresh_from_db()
    assert later.state == "pending"
    # Without the Inactive flag, the bounce type decides; a hard bounce that deactivated the address suppresses.
    assert esp_post(client, {**full_mailbox, "ID": 44, "Inactive": None}).status_code == 200
    assert not preferences.is_suppressed("email", message.recipient)
    assert esp_post(client, {**bounce(message, event_id=45), "Inactive": True}).status_code == 200
    assert preferences.is_suppressed("email", message.recipient)


def test_delivery_and_open_are_recorded(client: Any, configured: Any, make_message: Any) -> None:
    message = message_row(make_message)
    esp_post(client, {"RecordType": "Delivery", "MessageID": "pm-1", "Recipient": message.recipient,
                      "DeliveredAt": "2026-11-24T10:00:00Z", "Metadata": {"journey_message_id": str(message.pk)}})
    esp_post(client, {"RecordType": "Open", "MessageID": "pm-1", "Recipient": message.recipient,
                      "ReceivedAt": "2026-11-24T11:00:00Z", "Metadata": {"journey_message_id": str(message.pk)}})
    assert set(DeliveryEvent.objects.filter(message=message).values_list("kind", flat=True)) == {"delivered", "opened"}
    assert not preferences.is_suppressed("email", message.recipient)


def test_forged_esp_webhook_changes_nothing(client: Any, configured: Any, make_message: Any) -> None:
    message = message_row(make_message)
    before = snapshot()
    assert esp_post(client, bounce(message), auth="esp:wrong").status_code == 400
    assert client.post(f"{BASE}/esp/tracking/", json.dumps(bounce(message)), content_type="application/json").status_code == 400
    assert snapshot() == before


def test_events_about_other_mail_are_ignored(client: Any, configured: Any, make_message: Any) -> None:
    message_row(make_message)
    foreign = {"RecordType": "Bounce", "ID": 7, "Type": "HardBounce", "MessageID": "not-ours", "Email": "x@example.com",
               "BouncedAt": "2026-11-24T10:00:00Z", "Metadata": {}}
    assert esp_post(client, foreign).status_code == 200
    assert not Suppression.objects.exists()
