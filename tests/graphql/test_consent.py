"""consentUpdate: customers and staff change marketing consent; it takes effect on what is waiting."""

from typing import Any

from saleor_journey.delivery import preferences
from saleor_journey.delivery.tokens import unsubscribe_token
from saleor_journey.models import Consent, ScheduledMessage
from tests.graphql.conftest import MANAGE_USERS

UPDATE = """mutation U($channel: MessageChannelEnum!, $granted: Boolean!, $email: String, $phone: String, $token: String) {
  consentUpdate(channel: $channel, granted: $granted, email: $email, phone: $phone, token: $token) {
    consent { channel address granted suppressed } stoppedMessages errors { field code message } } }"""


def pending(**fields: Any) -> ScheduledMessage:
    """Schedule a message to wait in the outbox (marketing unless told otherwise)."""
    from django.utils import timezone

    from saleor_journey.services.outbox import MessageSpec, schedule

    spec = MessageSpec(flow="abandoned_cart", step=fields.pop("step", "reminder_2"), subject_key=fields.pop("subject", "s1"),
                       channel=fields.pop("channel", "email"), recipient=fields.pop("recipient", "anna@example.com"),
                       due_at=timezone.now(), marketing=fields.pop("marketing", True), **fields)
    schedule(spec)
    return ScheduledMessage.objects.get(dedupe_key=f"{spec.flow}:{spec.subject_key}:{spec.step}:{spec.channel}")


def test_a_signed_in_customer_withdraws_their_own_email_consent(api: Any, token_for: Any) -> None:
    marketing, service = pending(), pending(step="reminder_1", subject="s2", marketing=False)
    token = token_for(staff=False, email="anna@example.com")
    answer = api(UPDATE, {"channel": "EMAIL", "granted": False, "email": "ANNA@example.com"}, token=token)
    assert answer.data["consentUpdate"] == {
        "consent": {"channel": "email", "address": "anna@example.com", "granted": False, "suppressed": False},
        "stoppedMessages": 1, "errors": []}
    marketing.refresh_from_db(), service.refresh_from_db()
    assert (marketing.state, marketing.reason) == ("cancelled", "consent withdrawn")
    assert service.state == "pending"
    someone_else = api(UPDATE, {"channel": "EMAIL", "granted": False, "email": "bruno@example.com"}, token=token)
    assert someone_else.data["consentUpdate"]["errors"][0]["code"] == "NOT_ALLOWED"
    assert not Consent.objects.filter(address="bruno@example.com").exists()


def test_the_unsubscribe_token_only_refuses(api: Any, db: Any) -> None:
    """A link anyone may hold (a forwarded email) can stop messages but never opt its owner back in."""
    message = pending()
    preferences.suppress("email", "anna@example.com", reason="unsubscribed", source="link")
    preferences.record_consent("email", "anna@example.com", False, source="unsubscribe link")
    token = unsubscribe_token(message.pk)
    answer = api(UPDATE, {"channel": "EMAIL", "granted": True, "token": token})
    assert answer.data["consentUpdate"]["errors"][0]["code"] == "NOT_ALLOWED"
    assert answer.data["consentUpdate"]["errors"][0]["field"] == "granted"
    assert preferences.is_suppressed("email", "anna@example.com")  # nothing changed
    refusal = api(UPDATE, {"channel": "EMAIL", "granted": False, "token": unsubscribe_token(pending(subject="s9").pk)})
    assert refusal.data["consentUpdate"]["consent"]["granted"] is False
    wrong_channel = api(UPDATE, {"channel": "SMS", "granted": False, "token": token})
    assert wrong_channel.data["consentUpdate"]["errors"][0]["field"] == "channel"
    forged = api(UPDATE, {"channel": "EMAIL", "granted": False, "token": token[:-2] + "xx"})
    assert forged.data["consentUpdate"]["errors"][0]["code"] == "INVALID"


def test_an_opt_in_never_lifts_a_bounce(api: Any, token_for: Any, db: Any) -> None:
    preferences.suppress("email", "gone@example.com", reason="bounced", source="postmark")
    answer = api(UPDATE, {"channel": "EMAIL", "granted": True, "email": "gone@example.com"}, token=token_for(MANAGE_USERS))
    assert answer.data["consentUpdate"]["consent"]["suppressed"] is True


def test_staff_record_sms_consent_and_refusal_covers_whatsapp(api: Any, token_for: Any, app_token: Any) -> None:
    sms = pending(channel="whatsapp", recipient="+393331234567", subject="s3")
    staff = token_for(MANAGE_USERS)
    assert api(UPDATE, {"channel": "SMS", "granted": True, "phone": "+39 333 123 4567"}, token=staff).data[
        "consentUpdate"]["consent"]["address"] == "+393331234567"
    answer = api(UPDATE, {"channel": "SMS", "granted": False, "phone": "+393331234567"}, token=app_token(MANAGE_USERS))
    assert answer.data["consentUpdate"]["stoppedMessages"] == 1
    assert set(Consent.objects.filter(address="+393331234567").values_list("channel", "granted")) == {
        ("sms", False), ("whatsapp", False)}
    sms.refresh_from_db()
    assert sms.state == "cancelled"
    bad = api(UPDATE, {"channel": "SMS", "granted": True, "phone": "12"}, token=staff)
    assert bad.data["consentUpdate"]["errors"][0]["field"] == "phone"
    anonymous = api(UPDATE, {"channel": "EMAIL", "granted": True, "email": "x@example.com"})
    assert anonymous.data["consentUpdate"]["errors"][0]["code"] == "NOT_ALLOWED"
