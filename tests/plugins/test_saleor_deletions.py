"""Saleor deletes checkouts on its own: inside checkoutComplete's transaction and in the nightly expiry.

Neither may cost Saleor more with the plugin installed, create journeys, or
change why a bought cart's reminders stopped.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saleor_journey.models import Journey, JourneyEvent, ScheduledMessage
from tests.conftest import activate_plugin, delivery_configuration


def test_checkout_complete_deletes_the_checkout_first_and_the_reminders_end_order_placed(
    esp: Any, twilio: Any, make_checkout: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from saleor.checkout.complete_checkout import complete_checkout
    from saleor.checkout.models import Checkout

    manager = activate_plugin(delivery_configuration(esp, twilio))
    checkout = make_checkout(email="anna@example.com", lines=2)
    manager.checkout_created(checkout)
    assert ScheduledMessage.objects.filter(flow="abandoned_cart", state="pending").count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        order = complete_checkout(manager, checkout)
    assert not Checkout.objects.filter(pk=checkout.pk).exists()  # deleted before any order hook ran
    assert set(ScheduledMessage.objects.values_list("state", "reason")) == {("cancelled", "order placed")}
    journey = Journey.objects.get()
    assert journey.stage == "purchase"
    kinds = list(journey.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["checkout_created", "order_placed", "order_paid"]
    assert JourneyEvent.objects.get(kind="order_placed").payload["checkout"] == str(checkout.pk)
    assert str(order.total_gross_amount) == "43.960"  # two lines of 2 x 10.99, priced by Saleor at completion


def _expired_checkouts(channel: Any, variant: Any, count: int, seen_by: Any = None) -> list[Any]:
    from saleor.checkout.models import Checkout, CheckoutLine

    checkouts = Checkout.objects.bulk_create(
        Checkout(email=f"old{i}-{count}@example.com", channel=channel, currency="EUR") for i in range(count)
    )
    CheckoutLine.objects.bulk_create(CheckoutLine(checkout=c, variant=variant, quantity=1) for c in checkouts)
    if seen_by is not None:
        for checkout in checkouts:
            checkout.channel = channel
            seen_by.checkout_created(checkout)
    Checkout.objects.filter(pk__in=[c.pk for c in checkouts]).update(last_change=timezone.now() - timedelta(days=91))
    return checkouts


@pytest.mark.parametrize("active", [True, False])
def test_nightly_expiry_stays_a_fast_delete_and_creates_no_journey(
    db: Any, channel: Any, make_variant: Any, active: bool
) -> None:
    from saleor.checkout.models import Checkout
    from saleor.checkout.tasks import delete_expired_checkouts

    manager = activate_plugin() if active else None
    variant = make_variant()
    statements = []
    for count in (5, 60):
        _expired_checkouts(channel, variant, count)
        with CaptureQueriesContext(connection) as captured:
            deleted, _ = delete_expired_checkouts()
        assert deleted == count
        statements.append(len(captured.captured_queries))
    # Django's fast delete: the same statements for 5 rows or 60 (a receiver would add a SELECT and
    # a signal per row, and the plugin's writes).
    assert statements[0] == statements[1]
    assert not Checkout.objects.exists()
    assert not Journey.objects.exists()  # checkouts from before installation are not customers' journeys
    assert manager is None or manager.get_plugin("saleor.journey").active


def test_an_expired_checkouts_reminders_stop_at_send_time(
    esp: Any, twilio: Any, channel: Any, make_variant: Any
) -> None:
    from saleor.checkout.tasks import delete_expired_checkouts

    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.plugins import runtime

    manager = activate_plugin(delivery_configuration(esp, twilio))
    _expired_checkouts(channel, make_variant(), 1, seen_by=manager)
    events_before = JourneyEvent.objects.count()
    delete_expired_checkouts()
    assert JourneyEvent.objects.count() == events_before  # the deletion itself records nothing
    first = ScheduledMessage.objects.order_by("due_at").first()
    settings = runtime.active_settings()
    dispatcher = Dispatcher(settings, build_channels(settings.delivery), clock=lambda: first.due_at)
    dispatcher.deliver(dispatcher.claim(10))
    first.refresh_from_db()
    assert (first.state, first.reason) == ("cancelled", "checkout no longer exists")
    assert esp.count == 0


@pytest.mark.django_db(transaction=True)
def test_checkout_complete_costs_saleor_at_most_four_statements_of_ours(make_checkout: Any) -> None:
    """Five order hooks fire at commit; the repeated payment costs nothing, the hooks we do not need are not defined.

    The five are order_created, order_paid, order_fully_paid, order_updated and order_confirmed.
    """
    from saleor.checkout.complete_checkout import complete_checkout
    from saleor.plugins.manager import get_plugins_manager

    statements = {}
    for active in (False, True):
        manager = activate_plugin() if active else get_plugins_manager(allow_replica=False)
        checkout = make_checkout(email=f"anna{int(active)}@example.com")
        manager.get_plugins(channel_slug="it")  # loaded earlier in Saleor's request
        with CaptureQueriesContext(connection) as captured:
            complete_checkout(manager, checkout)  # commits; the hooks run after it, outside any transaction
        statements[active] = len(captured.captured_queries)
    assert Journey.objects.get().stage == "purchase"
    assert statements[True] - statements[False] <= 4


def test_an_expired_unpaid_order_is_taken_back_and_loses_its_credit(
    esp: Any, twilio: Any, channel: Any, make_checkout: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A shop whose channel does not confirm orders: the unpaid order expires (Saleor's expire_orders_task)."""
    from saleor.checkout.complete_checkout import complete_checkout
    from saleor.order.tasks import expire_orders_task

    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.models import DeliveryEvent
    from saleor_journey.plugins import runtime

    channel.automatically_confirm_all_new_orders = False
    channel.expire_orders_after = 30
    channel.save()
    manager = activate_plugin(delivery_configuration(esp, twilio))
    checkout = make_checkout(email="anna@example.com")
    manager.checkout_created(checkout)
    first = ScheduledMessage.objects.order_by("due_at").first()
    settings = runtime.active_settings()
    dispatcher = Dispatcher(settings, build_channels(settings.delivery), clock=lambda: first.due_at)
    assert dispatcher.deliver(dispatcher.claim(10)).sent == 1  # the reminder went, then she ordered
    with django_capture_on_commit_callbacks(execute=True):
        order = complete_checkout(manager, checkout, charged=False)
    assert order.status == "unconfirmed"
    assert DeliveryEvent.objects.filter(kind="converted").count() == 1
    assert Journey.objects.get().stage == "purchase"
    type(order).objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    with django_capture_on_commit_callbacks(execute=True):
        expire_orders_task()
    order.refresh_from_db()
    assert order.status == "expired"
    journey = Journey.objects.get()
    assert journey.stage == "consideration"  # she still had a cart, but no purchase stands
    assert not DeliveryEvent.objects.filter(kind="converted").exists()
    voided = JourneyEvent.objects.get(kind="order_voided")
    assert voided.occurred_at == order.expired_at
    assert voided.payload["status"] == "expired"


def test_bulk_imported_orders_are_history_and_start_no_message(esp: Any, twilio: Any, make_order: Any) -> None:
    manager = activate_plugin(delivery_configuration(esp, twilio))
    old = timezone.now() - timedelta(days=400)
    imported = [make_order(email="anna@example.com", created_at=old, origin="bulk_create", status="fulfilled"),
                make_order(email="bruno@example.com", created_at=old, origin="bulk_create", status="canceled")]
    manager.order_bulk_created(imported)
    manager.order_bulk_created(imported)  # delivered twice: recorded once
    assert JourneyEvent.objects.filter(kind="order_placed", source="backfill").count() == 2
    assert JourneyEvent.objects.filter(kind="order_voided", source="backfill").count() == 1
    assert dict(Journey.objects.values_list("email", "stage")) == {
        "anna@example.com": "lapsed", "bruno@example.com": "awareness"}
    assert not ScheduledMessage.objects.exists()  # no win-back, no follow-up for history
