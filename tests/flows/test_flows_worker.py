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
    assert conversion.message.step == "reminder_2" and conversion.detail["total"] == "25.00"
