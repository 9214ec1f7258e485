"""Flows end to end: Saleor hooks in this process, real celery beat and worker subprocesses, a shared fake clock."""

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from saleor_journey import clock as journey_clock
from saleor_journey.models import DeliveryEvent, ScheduledMessage
from tests import fakeclock
from tests.conftest import activate_plugin, delivery_configuration
from tests.flows.test_flows import STORE
from tests.worker import celery_beat, celery_worker, wait_for


def state(step: str) -> str:
    return ScheduledMessage.objects.get(flow="abandoned_cart", step=step).state


@pytest.fixture
def shared_clock(settings: Any) -> Any:
    fakeclock.reset()
    settings.JOURNEY_CLOCK = "tests.fakeclock.now"
    journey_clock._source.cache_clear()
    yield fakeclock
    journey_clock._source.cache_clear()
    fakeclock.reset()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_cart_reminders_and_follow_up_over_days_of_fake_time(
    shared_clock: Any, esp: Any, twilio: Any, channel: Any, make_checkout: Any, make_order: Any
) -> None:
    manager = activate_plugin(delivery_configuration(esp, twilio, channel_settings=STORE))
    checkout = make_checkout(email="anna@example.com", lines=1)
    manager.checkout_created(checkout)
    fake = {"JOURNEY_FAKE_CLOCK": "1"}
    with celery_worker(**fake), celery_beat(sweep_seconds=1, **fake):
        time.sleep(2)
        assert esp.count == 0  # nothing is due yet
        shared_clock.advance(timedelta(minutes=61))
        assert wait_for(lambda: state("reminder_1") == "sent")
        assert state("reminder_2") == "pending"
        shared_clock.advance(timedelta(hours=24))
        assert wait_for(lambda: state("reminder_2") == "sent")
        order = make_order(email="anna@example.com", checkout=checkout, total=Decimal("25.00"))
        manager.order_created(order)  # bought after the second reminder
        manager.order_fulfilled(order)
        assert state("reminder_3") == "cancelled"
        shared_clock.advance(timedelta(days=2, minutes=1))
        assert wait_for(lambda: ScheduledMessage.objects.get(flow="post_purchase", step="thank_you").state == "sent")
    subjects = [r.body["Subject"] for r in esp.received]
    assert subjects == ["You left something in your cart", "Your cart is waiting for you", "Thank you for your order"]
    conversion = DeliveryEvent.objects.get(kind="converted")
    assert conversion.message.step == "reminder_2"
    assert conversion.detail["total"] == "25.00"


def sent(flow: str, step: str) -> bool:
    return ScheduledMessage.objects.filter(flow=flow, step=step, state="sent").exists()


def emails_to(esp: Any, recipient: str) -> list[str]:
    return [r.body["Subject"] for r in esp.received if r.body["To"] == recipient]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_welcome_review_request_and_win_back_over_months_of_fake_time(
    shared_clock: Any, esp: Any, twilio: Any, channel: Any, client: Any, make_user: Any, make_order: Any,
    make_variant: Any,
) -> None:
    from saleor.order.models import OrderLine

    from saleor_journey.core.events import EventKind
    from saleor_journey.models import Journey, ProductReview
    from saleor_journey.plugins import runtime
    from saleor_journey.plugins.events import order_event
    from saleor_journey.plugins.plugin import stage_mirror
    from saleor_journey.services.recording import JourneyRecorder
    from saleor_journey.tasks import settle_lapsed_journeys

    manager = activate_plugin(delivery_configuration(esp, twilio, channel_settings=STORE, welcome_enabled="true"))
    # Marco last bought 173 days ago (the hook recorded it then): he goes quiet for good a week from now, when
    # the hourly lapse check notices. Anna buys now; Carla just signed up.
    marco = make_user("marco@example.com")
    past = shared_clock.now() - timedelta(days=173, hours=1)
    settings = runtime.active_settings()
    JourneyRecorder(settings.policy, stage_mirror("journey.stage"), clock=lambda: past, flows=settings.flows).record(
        order_event(make_order(user=marco, created_at=past), EventKind.ORDER_PLACED, past)
    )
    anna = make_user("anna@example.com")
    order = make_order(user=anna)
    variant = make_variant("Moka")
    OrderLine.objects.create(order=order, variant=variant, product_name="Moka", variant_name="3 tazze", quantity=1,
                             unit_price_gross_amount=Decimal("30.00"))
    manager.order_created(order)
    manager.order_fulfilled(order)
    manager.customer_created(make_user("carla@example.com"))
    fake = {"JOURNEY_FAKE_CLOCK": "1"}
    with celery_worker(**fake), celery_beat(sweep_seconds=1, **fake):
        assert wait_for(lambda: sent("welcome", "email"))  # due at once
        assert emails_to(esp, "carla@example.com") == ["Welcome to Bottega"]
        shared_clock.advance(timedelta(days=7, minutes=1))
        assert wait_for(lambda: sent("review_request", "request"))
        assert sent("post_purchase", "thank_you")
        assert not sent("post_purchase", "cross_sell")
        # Anna follows the link in the email and rates the product on the review page.
        request = next(r for r in esp.received if r.body["Subject"] == "How did we do?")
        link = next(line.split(": ", 1)[1] for line in request.body["TextBody"].splitlines() if "/review/" in line)
        page = link.split("https://api.shop.example.com", 1)[1]
        assert client.get(page).status_code == 200
        assert client.post(page, {"rating": "5", "title": "Perfetta", "text": "Fa un ottimo caffè."}).status_code == 200
        assert ProductReview.objects.get().rating == 5
        assert Journey.objects.get(user_id=anna.pk).stage == "advocacy"
        # The lapse task, sent to the worker as beat would: Marco lapses and the win-back email goes out.
        assert settle_lapsed_journeys.delay().get(timeout=30) == 1
        assert wait_for(lambda: sent("win_back", "email"))
        assert Journey.objects.get(user_id=marco.pk).stage == "lapsed"
        shared_clock.advance(timedelta(days=7, minutes=1))
        assert wait_for(lambda: sent("post_purchase", "cross_sell"))
        reminder = ScheduledMessage.objects.get(flow="review_request", step="reminder")
        assert wait_for(lambda: reminder.__class__.objects.get(pk=reminder.pk).state == "cancelled")
    reminder.refresh_from_db()
    assert reminder.reason == "every product already reviewed"
    assert emails_to(esp, "anna@example.com") == [
        "Thank you for your order", "How did we do?", "Picked for you"]
    assert emails_to(esp, "marco@example.com") == ["We miss you"]
    win_back_sms = ScheduledMessage.objects.filter(flow="win_back", channel="sms")
    assert not win_back_sms.filter(state="sent").exists()
    assert twilio.count == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_what_is_not_sent_opted_out_without_consent_or_in_quiet_hours(
    shared_clock: Any, esp: Any, twilio: Any, channel: Any, client: Any, make_checkout: Any
) -> None:
    from zoneinfo import ZoneInfo

    from saleor.account.models import Address

    from saleor_journey.delivery import preferences

    rome = ZoneInfo("Europe/Rome")
    stores = ('{"it": {"storefront_url": "https://shop.example.com/cart", "sender_name": "Bottega",'
              ' "language": "it", "timezone": "Europe/Rome", "country": "IT"}}')
    manager = activate_plugin(delivery_configuration(esp, twilio, channel_settings=stores, quiet_hours="21:00-08:00"))
    phones = {"anna@example.com": "+393331234567", "bruno@example.com": "+393337654321"}
    for email, phone in phones.items():
        checkout = make_checkout(email=email)
        checkout.billing_address = Address.objects.create(phone=phone)
        checkout.save()
        manager.checkout_created(checkout)
    preferences.record_consent("sms", phones["anna@example.com"], True, source="checkout")  # Bruno never agreed

    def step(email: str, name: str) -> ScheduledMessage:
        return ScheduledMessage.objects.get(flow="abandoned_cart", recipient__in=[email, phones[email]], step=name)

    fake = {"JOURNEY_FAKE_CLOCK": "1"}
    with celery_worker(**fake), celery_beat(sweep_seconds=1, **fake):
        shared_clock.advance(timedelta(minutes=61))
        assert wait_for(lambda: len(esp.received) == 2)  # the first reminders
        # The second step falls due at night in Rome: the SMS waits for the morning, email does not.
        now = shared_clock.now()
        night = (now + timedelta(days=1, minutes=1)).astimezone(rome)
        if not (night.hour >= 21 or night.hour < 8):
            night = night.replace(hour=22, minute=30)
        shared_clock.advance(night - now)
        assert wait_for(lambda: len(esp.received) == 4)
        assert wait_for(lambda: step("anna@example.com", "reminder_2_sms").state == "deferred")
        assert wait_for(lambda: step("bruno@example.com", "reminder_2_sms").state == "suppressed")
        anna_sms = step("anna@example.com", "reminder_2_sms")
        assert anna_sms.reason == "quiet hours"
        morning = anna_sms.due_at.astimezone(rome)
        assert (morning.hour, morning.minute) == (8, 0)
        assert morning > night
        assert twilio.count == 0
        # Anna uses the one-click unsubscribe link of her second (marketing) reminder.
        mail = next(r for r in esp.received if r.body["To"] == "anna@example.com" and "waiting" in r.body["Subject"])
        link = {h["Name"]: h["Value"] for h in mail.body["Headers"]}["List-Unsubscribe"].strip("<>")
        assert client.post(link.split("https://api.shop.example.com", 1)[1],
                           {"List-Unsubscribe": "One-Click"}).status_code == 200
        shared_clock.advance(morning - shared_clock.now() + timedelta(minutes=1))
        assert wait_for(lambda: twilio.count == 1)  # SMS consent is Anna's own, apart from email
        shared_clock.advance(timedelta(days=2))
        assert wait_for(lambda: step("bruno@example.com", "reminder_3").state == "sent")
        assert wait_for(lambda: step("anna@example.com", "reminder_3").state in ("cancelled", "suppressed"))
    assert twilio.received[0].body["To"] == phones["anna@example.com"]
    assert step("bruno@example.com", "reminder_2_sms").reason == "no recorded opt-in"
    assert emails_to(esp, "anna@example.com") == ["You left something in your cart", "Your cart is waiting for you"]
    assert len(emails_to(esp, "bruno@example.com")) == 3
