"""Sending through the dispatcher to local provider peers, on the real PostgreSQL."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saleor_journey import signals
from saleor_journey.delivery import flow_hooks, preferences
from saleor_journey.delivery.tokens import read_unsubscribe_token
from saleor_journey.models import DeliveryEvent, ScheduledMessage, Suppression
from saleor_journey.services.outbox import MessageSpec, cancel, schedule

pytestmark = pytest.mark.django_db(transaction=True)


def run(dispatcher: Any, limit: int = 50) -> Any:
    return dispatcher.deliver(dispatcher.claim(limit))


def state_of(spec: MessageSpec) -> ScheduledMessage:
    return ScheduledMessage.objects.get(dedupe_key=spec.dedupe_key)


def test_email_goes_out_with_both_parts_unsubscribe_headers_and_tracking_id(make_dispatcher, make_message, esp) -> None:
    spec = make_message()
    counts = run(make_dispatcher())
    assert counts.sent == 1, state_of(spec).reason
    message = state_of(spec)
    assert message.state == "sent"
    assert message.provider_message_id
    [request] = esp.received
    body = request.body
    assert request.path == "/email"
    assert request.headers["X-Postmark-Server-Token"] == "pm-server-token"
    assert body["To"] == "anna@example.com"
    assert body["From"] == "Bottega <ciao@bottega.example>"
    assert body["Subject"] == "Il tuo carrello ti aspetta"
    assert "Torna a trovarci." in body["TextBody"]
    assert "Annulla l'iscrizione" in body["TextBody"]
    assert "<p" in body["HtmlBody"]
    assert 'lang="it"' in body["HtmlBody"]
    headers = {h["Name"]: h["Value"] for h in body["Headers"]}
    unsubscribe = headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://api.shop.example.com/plugins/global/saleor.journey/unsubscribe/")
    assert read_unsubscribe_token(unsubscribe.rstrip("/").rsplit("/", 1)[1]) == message.pk
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert body["Metadata"] == {"journey_message_id": str(message.pk)}
    assert body["Tag"] == "notice"
    assert unsubscribe in body["HtmlBody"]


def test_html_escapes_untrusted_context(make_dispatcher, make_message, esp) -> None:
    make_message(context={"headline": "Ciao", "body": "<script>alert(1)</script>"})
    run(make_dispatcher())
    html = esp.received[0].body["HtmlBody"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_english_customer_gets_english(make_dispatcher, make_message, esp) -> None:
    make_message(language="en")
    run(make_dispatcher())
    assert "Unsubscribe" in esp.received[0].body["TextBody"]


def test_sms_is_normalised_to_e164_and_carries_a_status_callback(make_dispatcher, make_message, twilio) -> None:
    spec = make_message(channel="sms", recipient="333 123 4567", marketing=False)
    assert run(make_dispatcher()).sent == 1
    [request] = twilio.received
    assert request.path == f"/2010-04-01/Accounts/AC{'1' * 32}/Messages.json"
    assert request.body["To"] == "+393331234567"
    assert request.body["From"] == "+390212345678"
    assert request.body["StatusCallback"] == "https://api.shop.example.com/plugins/global/saleor.journey/twilio/status/"
    assert "Rispondi STOP" in request.body["Body"]
    assert state_of(spec).provider_message_id.startswith("SM")


def test_whatsapp_uses_the_approved_content_template(make_dispatcher, make_message, twilio) -> None:
    preferences.record_consent("whatsapp", "+393331234567", True, source="test")
    make_message(
        channel="whatsapp", recipient="+393331234567",
        context={"headline": "x", "content_sid": "HX" + "a" * 32, "content_variables": {"1": "Anna"}},
    )
    assert run(make_dispatcher()).sent == 1
    body = twilio.received[0].body
    assert body["To"] == "whatsapp:+393331234567"
    assert body["From"] == "whatsapp:+390212345679"
    assert body["ContentSid"] == "HX" + "a" * 32
    assert body["ContentVariables"] == '{"1": "Anna"}'


def test_invalid_number_fails_permanently_with_a_clear_reason(make_dispatcher, make_message, twilio) -> None:
    spec = make_message(channel="sms", recipient="not a number", marketing=False)
    assert run(make_dispatcher()).failed == 1
    message = state_of(spec)
    assert message.state == "failed"
    assert "invalid phone number" in message.reason
    assert twilio.count == 0


def test_transient_errors_retry_with_backoff_then_succeed(make_dispatcher, make_message, esp) -> None:
    spec = make_message()
    clock = [timezone.now()]
    dispatcher = make_dispatcher(clock=lambda: clock[0])
    esp.plan = ["fail", "fail"]
    assert run(dispatcher).retried == 1
    first = state_of(spec)
    assert first.state == "pending"
    assert first.attempts == 1
    assert first.due_at == clock[0] + timedelta(minutes=1)
    assert run(dispatcher).skipped == 0
    assert esp.count == 0
    clock[0] += timedelta(minutes=1)
    assert run(dispatcher).retried == 1
    assert state_of(spec).due_at == clock[0] + timedelta(minutes=2)
    clock[0] += timedelta(minutes=2)
    assert run(dispatcher).sent == 1
    assert state_of(spec).attempts == 3
    assert esp.count == 1


def test_a_stalled_provider_is_a_transient_error(make_dispatcher, make_message, esp, monkeypatch) -> None:
    from saleor_journey.delivery.channels import esp as esp_settings

    monkeypatch.setattr(esp_settings, "REQUEST_TIMEOUT_SECONDS", 0.5)  # a test-sized client timeout, not our logic
    spec = make_message()
    esp.plan = ["timeout"]
    assert run(make_dispatcher()).retried == 1
    assert "no response" in state_of(spec).reason


def test_refused_recipient_is_permanent_and_suppressed(make_dispatcher, make_message, esp) -> None:
    spec = make_message()
    esp.plan = ["refuse"]
    assert run(make_dispatcher()).failed == 1
    assert state_of(spec).state == "failed"
    assert preferences.is_suppressed("email", "anna@example.com")
    later = make_message()
    assert run(make_dispatcher()).suppressed == 1
    assert state_of(later).state == "suppressed"
    assert esp.count == 0


@pytest.mark.parametrize(("action", "code"), [("unsubscribed", 21610), ("outside-session", 63016)])
def test_twilio_permanent_codes_do_not_retry(make_dispatcher, make_message, twilio, action: str, code: int) -> None:
    spec = make_message(channel="sms", recipient="+393331234567", marketing=False)
    twilio.plan = [action]
    assert run(make_dispatcher()).failed == 1
    assert str(code) in state_of(spec).reason
    assert preferences.is_suppressed("sms", "+393331234567") is (code == 21610)
    assert preferences.is_suppressed("whatsapp", "+393331234567") is (code == 21610)


def test_twilio_rate_limit_is_transient(make_dispatcher, make_message, twilio) -> None:
    spec = make_message(channel="sms", recipient="+393331234567", marketing=False)
    twilio.plan = ["rate-limit"]
    assert run(make_dispatcher()).retried == 1
    assert state_of(spec).state == "pending"


def test_sms_marketing_needs_recorded_opt_in(make_dispatcher, make_message, twilio) -> None:
    spec = make_message(channel="sms", recipient="+393331234567")
    assert run(make_dispatcher()).suppressed == 1
    assert state_of(spec).reason == "no recorded opt-in"
    preferences.record_consent("sms", "+393331234567", True, source="checkout")
    make_message(channel="sms", recipient="+393331234567")
    assert run(make_dispatcher()).sent == 1


def test_email_opt_in_policy(make_dispatcher, make_message, esp) -> None:
    spec = make_message()
    assert run(make_dispatcher(email_marketing_policy="opt_in")).suppressed == 1
    assert state_of(spec).reason == "no recorded opt-in"
    service = make_message(marketing=False)  # a service message needs no marketing consent
    assert run(make_dispatcher(email_marketing_policy="opt_in")).sent == 1
    assert state_of(service).state == "sent"


def test_quiet_hours_defer_never_drop(make_dispatcher, make_message, twilio) -> None:
    from datetime import UTC, datetime

    night = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)  # 23:30 in Rome
    clock = [night]
    dispatcher = make_dispatcher(clock=lambda: clock[0], quiet_hours="21:00-08:00")
    spec = make_message(channel="sms", recipient="+393331234567", marketing=False, due_at=night)
    assert run(dispatcher).deferred == 1
    message = state_of(spec)
    assert message.state == "deferred"
    assert message.due_at == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)
    clock[0] = datetime(2026, 6, 11, 6, 0, tzinfo=UTC)
    assert run(dispatcher).sent == 1
    assert twilio.count == 1


def test_email_waits_through_quiet_hours_only_when_the_shop_asks(make_dispatcher, make_message, esp) -> None:
    from datetime import UTC, datetime

    night = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)  # 03:00 in Rome
    spec = make_message(due_at=night)
    assert run(make_dispatcher(clock=lambda: night, quiet_hours="21:00-08:00", quiet_hours_email="true")).deferred == 1
    assert state_of(spec).due_at == datetime(2026, 6, 10, 6, 0, tzinfo=UTC)  # 08:00 in Rome
    assert esp.count == 0
    other = make_message(due_at=night)  # by default email is not held
    assert run(make_dispatcher(clock=lambda: night, quiet_hours="21:00-08:00")).sent == 1
    assert state_of(other).state == "sent"


def test_frequency_cap_defers_marketing(make_dispatcher, make_message, esp) -> None:
    dispatcher = make_dispatcher(frequency_cap_count="2", frequency_cap_days="7")
    make_message(), make_message()
    assert run(dispatcher).sent == 2
    third = make_message()
    assert run(dispatcher).deferred == 1
    message = state_of(third)
    assert message.reason == "frequency cap"
    assert message.due_at > timezone.now() + timedelta(days=6)
    make_message(marketing=False)
    assert run(dispatcher).sent == 1  # service messages are not capped


def test_frequency_cap_counts_the_messages_sent_earlier_in_the_same_batch(make_dispatcher, make_message, esp) -> None:
    dispatcher = make_dispatcher(frequency_cap_count="2", frequency_cap_days="7")
    make_message(), make_message(), make_message()
    counts = run(dispatcher)
    assert (counts.sent, counts.deferred) == (2, 1)
    assert esp.count == 2


def test_flow_recheck_cancels_with_its_reason(make_dispatcher, make_message, esp) -> None:
    flow_hooks.register_recheck("bought", lambda message: "order placed meanwhile")
    spec = make_message(flow="bought")
    assert run(make_dispatcher()).cancelled == 1
    assert state_of(spec).reason == "order placed meanwhile"
    assert esp.count == 0


def test_before_send_receiver_can_cancel(make_dispatcher, make_message, esp) -> None:
    def veto(sender: Any, message: ScheduledMessage, **kwargs: Any) -> bool:
        return message.recipient != "vip@example.com"

    signals.before_send.connect(veto)
    try:
        spec = make_message(recipient="vip@example.com")
        make_message(recipient="other@example.com")
        counts = run(make_dispatcher())
    finally:
        signals.before_send.disconnect(veto)
    assert (counts.cancelled, counts.sent) == (1, 1)
    assert "veto" in state_of(spec).reason


def test_status_signal_and_delivery_log(make_dispatcher, make_message, esp) -> None:
    seen: list[str] = []

    def listen(sender: Any, message: ScheduledMessage, status: str, **kwargs: Any) -> None:
        seen.append(status)

    signals.message_status_changed.connect(listen)
    try:
        spec = make_message()
        bad = make_message(channel="sms", recipient="12", marketing=False)
        run(make_dispatcher())
    finally:
        signals.message_status_changed.disconnect(listen)
    assert sorted(seen) == ["failed", "sent"]
    sent = state_of(spec)
    assert sent.sent_at is not None
    assert sent.provider_message_id
    failure = DeliveryEvent.objects.get(message__dedupe_key=bad.dedupe_key)
    assert failure.kind == "failed"
    assert "invalid phone number" in failure.detail["reason"]


def test_scheduling_is_idempotent_and_cancel_is_a_state_change(make_message, db) -> None:
    spec = make_message(subject_key="checkout:abc")
    assert not schedule(spec)
    assert ScheduledMessage.objects.count() == 1
    assert cancel("notice", "checkout:abc", reason="cart emptied") == 1
    message = state_of(spec)
    assert (message.state, message.reason) == ("cancelled", "cart emptied")


def test_marketing_without_public_url_fails_clearly(make_dispatcher, make_message, esp) -> None:
    spec = make_message()
    assert run(make_dispatcher(public_base_url="")).failed == 1
    assert "public_base_url" in state_of(spec).reason
    assert esp.count == 0


def test_suppression_stores_no_address(make_dispatcher, make_message, esp) -> None:
    preferences.suppress("email", "anna@example.com", reason="unsubscribed", source="test")
    assert "anna" not in Suppression.objects.get().address_hash


def test_an_opt_out_that_lands_mid_decision_still_stops_the_send(make_dispatcher, make_message, esp) -> None:
    def opt_out_now(sender: Any, message: ScheduledMessage, **kwargs: Any) -> None:
        preferences.suppress("email", message.recipient, reason="unsubscribed", source="race")

    signals.before_send.connect(opt_out_now)
    try:
        spec = make_message()
        counts = run(make_dispatcher())
    finally:
        signals.before_send.disconnect(opt_out_now)
    assert counts.suppressed == 1
    assert esp.count == 0
    assert state_of(spec).state == "suppressed"
