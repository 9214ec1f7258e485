"""History never sends: what the sweep finds from before the plugin was watching is recorded, never messaged.

Every way history reaches the reconciliation sweep: the plugin switched on for the first time, switched on
again after a long or a short pause, beat down for a while, a restored database (the plugin's marks days
behind the clock), the clock moved back. In each, what happened before is recorded (journeys, stages,
events: the figures see it) and nobody gets a message about it; what happens after, with its hooks lost,
is still found and followed up. Saleor is the contract double; the clock is frozen and moved by hand.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from saleor_journey.delivery.channels import build_channels
from saleor_journey.delivery.dispatcher import Dispatcher
from saleor_journey.models import Journey, JourneyEvent, SaleorWatermark, ScheduledMessage
from saleor_journey.plugins import runtime
from saleor_journey.services import watch
from tests.conftest import delivery_configuration
from tests.plugins.conftest import START

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
#: What the plugin knows of someone who opened an account, bought and had the order fulfilled.
BOUGHT = ["account_created", "order_placed", "order_paid", "fulfillment_created", "order_fulfilled"]


class Shop:
    """What customers and staff do in Saleor at the simulated time, each action a request with its own manager.

    ``lost=True`` loses the action's hooks (the process died after Saleor's commit); while the plugin is
    off, Saleor calls no hook of it anyway.
    """

    def __init__(self, frozen: Any, channel: Any, variant: Any, configuration: list[dict[str, str]],
                 capture: Any) -> None:
        self.frozen, self.channel, self.variant = frozen, channel, variant
        self.configuration, self.capture = configuration, capture

    def at(self, when: datetime) -> "Shop":
        self.frozen(when)
        return self

    @staticmethod
    def manager(lost: bool = False) -> Any:
        from saleor.plugins.manager import PluginsManager, get_plugins_manager

        return PluginsManager(plugins=[]) if lost else get_plugins_manager(allow_replica=False)

    def switch(self, active: bool) -> None:
        """Switch the plugin on or off, as the owner's pluginUpdate in the Dashboard does."""
        self.manager().save_plugin_configuration(
            "saleor.journey", None, {"active": active, "configuration": self.configuration})
        runtime.forget()

    def account(self, email: str, lost: bool = False) -> Any:
        from saleor.account.models import User

        user = User.objects.create(email=email)
        self.manager(lost).customer_created(user)
        return user

    def cart(self, email: str, lost: bool = False) -> Any:
        from saleor.checkout.models import Checkout, CheckoutLine

        checkout = Checkout.objects.create(email=email, channel=self.channel, currency="EUR")
        CheckoutLine.objects.create(checkout=checkout, variant=self.variant, quantity=1)
        checkout.save()
        self.manager(lost).checkout_created(self._loaded(checkout))
        return checkout

    def change(self, checkout: Any, lost: bool = False) -> None:
        from saleor.checkout.models import CheckoutLine

        CheckoutLine.objects.create(checkout=checkout, variant=self.variant, quantity=2)
        checkout.save()
        self.manager(lost).checkout_updated(self._loaded(checkout))

    def buy(self, checkout: Any, lost: bool = False) -> Any:
        from saleor.checkout.complete_checkout import complete_checkout

        with self.capture(execute=True):
            return complete_checkout(self.manager(lost), checkout)

    def fulfil(self, order: Any, lost: bool = False) -> None:
        from saleor.order.models import Fulfillment, Order

        order = Order.objects.select_related("channel", "user").get(pk=order.pk)
        order.status = "fulfilled"
        order.save()
        fulfillment = Fulfillment.objects.create(order=order, fulfillment_order=1)
        manager = self.manager(lost)
        manager.fulfillment_created(fulfillment, notify_customer=True)
        manager.order_fulfilled(order)

    def sweep(self) -> int:
        """Beat's reconciliation sweep."""
        from saleor_journey.tasks import reconcile_saleor_changes

        runtime.forget()
        return reconcile_saleor_changes.run()

    def send_due(self) -> int:
        """Beat's dispatcher at the current time: how many messages went out."""
        from django.utils import timezone

        runtime.forget()
        settings = runtime.active_settings()
        dispatcher = Dispatcher(settings, build_channels(settings.delivery), clock=timezone.now)
        return dispatcher.deliver(dispatcher.claim(100)).sent

    @staticmethod
    def _loaded(checkout: Any) -> Any:
        checkout.channel = type(checkout).channel.field.related_model.objects.get(pk=checkout.channel_id)
        return checkout  # as Saleor's manager hands it over, its channel read


@pytest.fixture
def shop(frozen: Any, channel: Any, make_variant: Any, esp: Any, twilio: Any,
         django_capture_on_commit_callbacks: Any) -> Shop:
    frozen(START)
    return Shop(frozen, channel, make_variant(price=Decimal("19.90")), delivery_configuration(esp, twilio),
                django_capture_on_commit_callbacks)


def outbox(email: str) -> dict[str, tuple[str, str]]:
    return {m.step: (m.state, m.reason) for m in ScheduledMessage.objects.filter(recipient=email)}


def recorded(email: str) -> tuple[str, list[str]]:
    """Return a person's stage and what the plugin knows happened to them (their events, oldest first)."""
    journey = Journey.objects.get(email=email, merged_into__isnull=True)
    return journey.stage, list(journey.events.order_by("occurred_at", "id").values_list("kind", flat=True))


def test_what_happened_before_the_first_switch_on_is_recorded_and_sends_nothing(shop: Shop, esp: Any) -> None:
    anna = "anna@example.com"
    shop.at(START).account(anna)  # the package is installed, the plugin not yet switched on
    order = shop.at(START + 2 * MINUTE).buy(shop.cart(anna))
    shop.at(START + 3 * MINUTE).fulfil(order)
    shop.at(START + 5 * MINUTE).switch(active=True)
    bruno = shop.at(START + 6 * MINUTE).cart("bruno@example.com", lost=True)  # after the switch: a lost hook
    assert shop.at(START + 10 * MINUTE).sweep() == 0  # the first sweep only sets its mark
    assert shop.at(START + 15 * MINUTE).sweep() >= 4  # reads back to START: anna's account, order, fulfilment

    assert recorded(anna) == ("purchase", BOUGHT)
    assert set(JourneyEvent.objects.filter(journey__email=anna).values_list("source", flat=True)) == {"backfill"}
    assert outbox(anna) == {}  # no thank-you, cross-sell or review request for an order from before
    assert outbox("bruno@example.com") == dict.fromkeys(("reminder_1", "reminder_2", "reminder_3"), ("pending", ""))
    reminder = ScheduledMessage.objects.get(recipient="bruno@example.com", step="reminder_1")
    assert reminder.due_at == bruno.last_change + timedelta(hours=1)
    assert shop.at(reminder.due_at).send_due() == 1
    assert [r.body["To"] for r in esp.received] == ["bruno@example.com"]


def test_a_two_day_pause_is_history_and_nothing_due_during_it_goes_out_late(shop: Shop, esp: Any) -> None:
    carla, dario, elena = "carla@example.com", "dario@example.com", "elena@example.com"
    shop.at(START).switch(active=True)
    shop.at(START + MINUTE).sweep()
    cart = shop.at(START + 2 * MINUTE).cart(carla)  # live: three reminders planned
    shop.at(START + 5 * MINUTE).sweep()
    shop.at(START + 10 * MINUTE).switch(active=False)

    pause = START + timedelta(days=1)
    shop.at(pause).change(cart)  # carla's cart changes while the plugin is off
    shop.at(pause + MINUTE).account(dario)
    order = shop.at(pause + 2 * MINUTE).buy(shop.cart(dario))
    shop.at(pause + 3 * MINUTE).fulfil(order)
    assert shop.at(pause + 5 * MINUTE).sweep() == 0  # beat runs, the plugin is off: the sweep skips

    back = START + timedelta(days=2)
    shop.at(back).switch(active=True)
    elena_cart = shop.at(back + MINUTE).cart(elena, lost=True)
    shop.at(back + 5 * MINUTE).sweep()

    assert recorded(dario) == ("purchase", BOUGHT)
    assert outbox(dario) == {}
    assert recorded(carla)[1] == ["checkout_created", "cart_updated"]  # the change is known
    missed = ("cancelled", watch.MISSED)
    assert outbox(carla) == {"reminder_1": missed, "reminder_2": missed, "reminder_3": ("pending", "")}
    assert ScheduledMessage.objects.get(recipient=carla, step="reminder_3").due_at == START + 2 * MINUTE + timedelta(
        hours=72)  # not moved by a change the plugin did not see live
    assert set(outbox(elena)) == {"reminder_1", "reminder_2", "reminder_3"}  # after the switch: followed up
    assert shop.at(back + 10 * MINUTE).send_due() == 0  # nothing of the pause goes out at once
    assert shop.at(elena_cart.last_change + timedelta(hours=1)).send_due() == 1
    assert [r.body["To"] for r in esp.received] == [elena]


def test_a_pause_shorter_than_the_sweep_interval_is_history_too(shop: Shop) -> None:
    shop.at(START).switch(active=True)
    shop.at(START + MINUTE).sweep()
    shop.at(START + 2 * MINUTE).switch(active=False)
    shop.at(START + 3 * MINUTE).cart("franca@example.com")  # Saleor calls no hook: the plugin is off
    shop.at(START + 4 * MINUTE).switch(active=True)
    shop.at(START + 5 * MINUTE).cart("gino@example.com", lost=True)
    assert shop.at(START + 6 * MINUTE).sweep() == 2

    assert recorded("franca@example.com") == ("consideration", ["checkout_created"])
    assert outbox("franca@example.com") == {}
    assert len(outbox("gino@example.com")) == 3


def test_after_beat_was_down_for_hours_what_it_missed_is_history(shop: Shop) -> None:
    shop.at(START).switch(active=True)
    shop.at(START + MINUTE).sweep()
    shop.at(START + 6 * MINUTE).sweep()
    # Beat stops. The plugin stays on and its hooks run, but these three lose theirs.
    outage = START + timedelta(hours=3)
    shop.at(outage).account("ivo@example.com", lost=True)
    order = shop.at(outage + MINUTE).buy(shop.cart("ivo@example.com", lost=True), lost=True)
    shop.at(outage + 2 * MINUTE).fulfil(order, lost=True)
    shop.at(outage + 3 * MINUTE).cart("luca@example.com", lost=True)
    live = shop.at(outage + 4 * MINUTE).cart("mara@example.com")  # a hook that ran: planned as always
    beat_back = START + timedelta(hours=6)
    assert shop.at(beat_back).sweep() >= 5

    assert recorded("ivo@example.com")[0] == "purchase"
    assert outbox("ivo@example.com") == {}
    assert recorded("luca@example.com") == ("consideration", ["checkout_created"])
    assert outbox("luca@example.com") == {}
    assert outbox("mara@example.com")["reminder_1"] == ("pending", "")  # sent late, not lost
    assert ScheduledMessage.objects.get(recipient="mara@example.com", step="reminder_1").due_at == (
        live.last_change + timedelta(hours=1))
    # From the sweep on, the watch holds again: a lost hook is followed up.
    shop.at(beat_back + 2 * MINUTE).cart("nino@example.com", lost=True)
    shop.at(beat_back + 5 * MINUTE).sweep()
    assert len(outbox("nino@example.com")) == 3


def test_a_restored_database_leaves_the_marks_days_behind_and_what_they_missed_is_history(shop: Shop) -> None:
    shop.at(START).switch(active=True)
    shop.at(START + MINUTE).sweep()
    # The database is restored from a backup taken three days before the clock: the sweep's mark and the
    # watch are as they were then, and Saleor's rows from the backup's last minutes have no journey.
    restored = START + timedelta(days=3)
    shop.at(START + 3 * MINUTE).cart("olga@example.com", lost=True)
    order = shop.at(START + 4 * MINUTE).buy(shop.cart("pia@example.com", lost=True), lost=True)
    shop.at(START + 5 * MINUTE).fulfil(order, lost=True)
    assert shop.at(restored).sweep() >= 3

    assert recorded("olga@example.com")[0] == "consideration"
    assert recorded("pia@example.com")[0] == "purchase"
    assert outbox("olga@example.com") == {}
    assert outbox("pia@example.com") == {}
    assert SaleorWatermark.objects.get(name=watch.WATCHING).seen_until == restored


def test_a_clock_moved_back_breaks_the_watch(shop: Shop) -> None:
    shop.at(START).switch(active=True)
    shop.at(START + MINUTE).sweep()
    shop.at(START + 10 * MINUTE).sweep()  # then the clock is set back by an hour
    earlier = START - timedelta(minutes=50)
    shop.at(earlier).cart("rita@example.com", lost=True)
    shop.at(earlier + MINUTE).sweep()
    assert SaleorWatermark.objects.get(name=watch.WATCHING).seen_until == earlier + MINUTE
    assert outbox("rita@example.com") == {}


def test_saving_the_form_while_the_plugin_is_on_keeps_the_watch_and_the_outbox(shop: Shop) -> None:
    shop.at(START).switch(active=True)
    shop.at(START + MINUTE).cart("sara@example.com")
    shop.at(START + 3 * timedelta(hours=1)).switch(active=True)  # the owner saves a changed setting
    assert SaleorWatermark.objects.get(name=watch.WATCHING).seen_until == START
    assert {state for state, _ in outbox("sara@example.com").values()} == {"pending"}


def test_history_still_stops_what_waits_and_credits_the_reminder_that_was_sent(shop: Shop) -> None:
    from saleor_journey.models import DeliveryEvent

    carla = "carla@example.com"
    shop.at(START).switch(active=True)
    shop.at(START + MINUTE).sweep()
    cart = shop.at(START + 2 * MINUTE).cart(carla)
    assert shop.at(START + 62 * MINUTE).send_due() == 1  # reminder 1 goes
    shop.at(START + 65 * MINUTE).sweep()
    shop.at(START + timedelta(hours=2)).switch(active=False)
    order = shop.at(START + timedelta(hours=5)).buy(cart)  # carla buys while the plugin is off
    shop.at(START + timedelta(days=1, minutes=10)).switch(active=True)
    shop.at(START + timedelta(days=1, minutes=15)).sweep()

    assert outbox(carla) == {"reminder_1": ("sent", ""), "reminder_2": ("cancelled", watch.MISSED),
                             "reminder_3": ("cancelled", "order placed")}
    credit = DeliveryEvent.objects.get(kind="converted")
    assert credit.message.step == "reminder_1"
    assert credit.detail["order"] == str(order.pk)
    assert JourneyEvent.objects.get(kind="order_placed").source == "backfill"
