"""A week of a small shop, driven through Saleor's plugin manager (the contract double) on a frozen clock.

Each simulated hour some customers do one thing each: open an account, fill
a cart, change it, empty it, check out (Saleor's checkoutComplete: the
checkout deleted first, the five order hooks at commit), or get their order
fulfilled or cancelled. Saleor's own timestamps and the plugin's clock read
the same simulated instant. ``drop`` loses that share of hook calls at random,
as a process dying between Saleor's commit and the hook does; ``sweep`` runs
the reconciliation sweep every quarter of an hour, as beat would (more often).
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

HOOKS = frozenset({
    "customer_created", "checkout_created", "checkout_updated", "order_created", "order_paid", "order_fully_paid",
    "order_updated", "order_confirmed", "order_fulfilled", "fulfillment_created", "order_cancelled",
})


@dataclass
class DroppingManager:
    """Saleor's manager, losing a share of hook calls (the rest of its API passes through)."""

    manager: Any
    rnd: random.Random
    rate: float
    dropped: int = 0
    delivered: int = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.manager, name)
        if name not in HOOKS:
            return attribute

        def hook(*args: Any, **kwargs: Any) -> Any:
            if self.rnd.random() < self.rate:
                self.dropped += 1
                return None
            self.delivered += 1
            return attribute(*args, **kwargs)

        return hook


@dataclass
class Customer:
    email: str
    user: Any = None
    checkout: Any = None
    orders: list[Any] = field(default_factory=list)


class Week:
    def __init__(self, manager: Any, set_now: Callable[[datetime], None], start: datetime, seed: int = 7,
                 drop: float = 0.0, sweep: bool = True, customers: int = 40) -> None:
        from saleor.channel.models import Channel
        from saleor.product.models import Product, ProductVariant, ProductVariantChannelListing
        from saleor.warehouse.models import Stock, Warehouse

        self.rnd = random.Random(seed)
        self.manager = DroppingManager(manager, random.Random(seed + 1), drop)
        self.set_now, self.start, self.sweep_enabled = set_now, start, sweep
        self.channel = Channel.objects.get(slug="it")
        warehouse = Warehouse.objects.create(name="Roma")
        self.variants = []
        for i, price in enumerate(("12.90", "34.00", "6.80", "24.00")):
            product = Product.objects.create(name=f"Prodotto {i}", slug=f"prodotto-{i}")
            variant = ProductVariant.objects.create(product=product, name="Standard", sku=f"SKU-{i}")
            ProductVariantChannelListing.objects.create(variant=variant, channel=self.channel, currency="EUR",
                                                        price_amount=Decimal(price))
            Stock.objects.create(warehouse=warehouse, product_variant=variant, quantity=10_000)
            self.variants.append(variant)
        self.customers = [Customer(f"cliente{i}@example.com") for i in range(customers)]
        self.swept = 0

    def run(self, days: int = 7) -> "Week":
        self.sweep(self.start)  # the first sweep after installation sets its mark
        for hour in range(days * 24):
            at = self.start + timedelta(hours=hour)
            acting = [c for c in self.customers if self.rnd.random() < 0.12]
            for i, customer in enumerate(acting):
                self.set_now(at + timedelta(seconds=10 * (i + 1)))
                self.act(customer)
            for minute in (5, 20, 35, 50):  # beat runs the sweep every 5 minutes; every 15 keeps the watch unbroken
                self.sweep(at + timedelta(minutes=minute))
        return self

    def sweep(self, at: datetime) -> None:
        from saleor_journey.tasks import reconcile_saleor_changes

        self.set_now(at)
        if self.sweep_enabled:
            self.swept += reconcile_saleor_changes.run()

    def act(self, customer: Customer) -> None:
        from saleor.account.models import User
        from saleor.checkout.models import Checkout

        roll = self.rnd.random()
        if customer.user is None and roll < 0.15:
            customer.user = User.objects.create(email=customer.email)
            self.manager.customer_created(customer.user)
        elif customer.checkout is None and roll < 0.55:
            token = uuid.UUID(int=self.rnd.getrandbits(128))
            checkout = Checkout.objects.create(token=token, email=customer.email, user=customer.user,
                                               channel=self.channel, currency="EUR")
            self._add_line(checkout)
            customer.checkout = checkout
            self.manager.checkout_created(self._loaded(checkout))
        elif customer.checkout is not None:
            self._change_cart(customer, roll)
        elif customer.orders and roll < 0.8:
            self._after_order(customer)

    def _change_cart(self, customer: Customer, roll: float) -> None:
        from saleor.checkout.complete_checkout import complete_checkout

        checkout = customer.checkout
        if roll < 0.35:
            self._add_line(checkout)
            self.manager.checkout_updated(self._loaded(checkout))
        elif roll < 0.45:
            checkout.lines.all().delete()
            checkout.save()
            self.manager.checkout_updated(self._loaded(checkout))
            customer.checkout = None
        elif roll < 0.75 and checkout.lines.exists():
            customer.orders.append(complete_checkout(self.manager, checkout))
            customer.checkout = None

    def _after_order(self, customer: Customer) -> None:
        from saleor.order.models import Fulfillment, Order

        order = Order.objects.select_related("channel", "user").get(pk=customer.orders[-1].pk)
        if order.status != "unfulfilled":
            return
        if self.rnd.random() < 0.8:
            order.status = "fulfilled"
            order.save()
            fulfillment = Fulfillment.objects.create(order=order, fulfillment_order=1)
            self.manager.fulfillment_created(fulfillment, notify_customer=True)
            self.manager.order_fulfilled(order)
        else:
            order.status = "canceled"
            order.save()
            self.manager.order_cancelled(order)

    def _add_line(self, checkout: Any) -> None:
        from saleor.checkout.models import CheckoutLine

        CheckoutLine.objects.create(checkout=checkout, variant=self.rnd.choice(self.variants),
                                    quantity=self.rnd.randint(1, 3))
        checkout.save()  # Saleor saves the checkout after a line change: last_change moves

    @staticmethod
    def _loaded(checkout: Any) -> Any:
        """Load the checkout as Saleor hands it to a hook (its manager has read the channel)."""
        checkout.channel = checkout.__class__.channel.field.related_model.objects.get(pk=checkout.channel_id)
        return checkout


def snapshot() -> dict[str, Any]:
    """Journeys, stages, stage history and the outbox, by what a user can tell apart (email, times, steps)."""
    from saleor_journey.models import Journey, ScheduledMessage, StageTransition

    journeys = sorted(Journey.objects.filter(merged_into__isnull=True).values_list(
        "email", "stage", "stage_since", "last_order_at"))
    history = sorted(StageTransition.objects.filter(journey__merged_into__isnull=True).values_list(
        "journey__email", "from_stage", "to_stage", "cause", "at"))
    outbox = sorted(ScheduledMessage.objects.values_list(
        "recipient", "flow", "step", "channel", "due_at", "state", "reason"))
    return {"journeys": journeys, "history": history, "outbox": outbox}
