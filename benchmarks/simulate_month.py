"""A month of a small shop on a simulated clock: what each flow triggered, sent, skipped and recovered.

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/simulate_month.py [--customers 2000] [--seed 7]

Customers browse, leave carts, some come back after a reminder and buy, orders
are fulfilled, some cancelled, a few customers opt out. Events go through the
same adapter functions and recorder the Saleor hooks use, with the clock set to
the simulated hour; every hour the dispatcher sends what is due to a local ESP
peer. Saleor's own objects (checkouts, orders, lines) are real rows of the
contract double, so the send-time re-checks and message contents are real.
Database: journey_simulation.
"""

import argparse
import os
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract"), str(ROOT / "benchmarks")]
os.environ["RELIABILITY_DB"] = os.environ.get("SIMULATION_DB", "journey_simulation")

import reliability  # noqa: E402 - the same database set-up and plugin configuration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    started = time.monotonic()
    reliability.setup()
    import logging

    logging.getLogger("saleor_journey").setLevel(logging.WARNING)
    from django.db.models import Count
    from django.utils import timezone
    from saleor.account.models import User
    from saleor.channel.models import Channel
    from saleor.checkout.models import Checkout, CheckoutLine
    from saleor.order.models import Order, OrderLine
    from saleor.product.models import Product, ProductVariant
    from saleor.warehouse.models import Stock, Warehouse

    from saleor_journey.core.events import EventKind
    from saleor_journey.delivery import preferences
    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.models import DeliveryEvent, ScheduledMessage
    from saleor_journey.plugins import events
    from saleor_journey.plugins.plugin import stage_mirror
    from saleor_journey.services.recording import JourneyRecorder
    import subprocess
    from types import SimpleNamespace

    # The ESP peer runs in its own process, so it does not share this one's interpreter lock.
    peer_process = subprocess.Popen([sys.executable, "-m", "tests.peers", "postmark"], cwd=ROOT,
                                    stdout=subprocess.PIPE, text=True)
    peer = SimpleNamespace(url=peer_process.stdout.readline().strip())
    try:
        settings = reliability.configure(peer)
        channel = Channel.objects.get(slug="it")
        clock = [timezone.now() - timedelta(days=30)]
        recorder = JourneyRecorder(settings.policy, stage_mirror(settings.metadata_key), clock=lambda: clock[0],
                                   flows=settings.flows)
        dispatcher = Dispatcher(settings, build_channels(settings.delivery), clock=lambda: clock[0])
        variants = [
            ProductVariant.objects.create(product=Product.objects.create(name=f"Prodotto {i}", slug=f"p{i}"),
                                          name="Standard", sku=f"S{i}")
            for i in range(40)
        ]
        warehouse = Warehouse.objects.create(name="Milano")
        Stock.objects.bulk_create(Stock(warehouse=warehouse, product_variant=v, quantity=100000) for v in variants)
        users = User.objects.bulk_create(
            User(email=f"u{i}@example.com", language_code=rnd.choice(["it", "it", "en"]))
            for i in range(int(args.customers * 0.7))
        )
        guests = [f"g{i}@example.com" for i in range(args.customers - len(users))]
        people = [("user", u) for u in users] + [("guest", g) for g in guests]
        open_carts: dict[str, tuple[Checkout, object]] = {}
        orders_to_fulfil: list[tuple[object, Order]] = []
        number = [1]

        def record(built: object) -> None:
            """What the plugin's hooks do with an adapter's output: record it (with the checkout read)."""
            if built is None:
                return
            if isinstance(built, tuple):
                event, read = built
                recorder.record(event, (read,))
            else:
                recorder.record(built)

        def buy(checkout: Checkout, who: object) -> None:
            user = who if not isinstance(who, str) else None
            total = sum(Decimal("19.90") * line.quantity for line in checkout.lines.all())
            order = Order.objects.create(
                number=number[0], user=user, user_email=user.email if user else who, channel=channel, currency="EUR",
                total_gross_amount=total, checkout_token=str(checkout.pk), created_at=clock[0],
                language_code=getattr(user, "language_code", "it"),
            )
            number[0] += 1
            for line in checkout.lines.select_related("variant__product"):
                OrderLine.objects.create(order=order, variant=line.variant, product_name=line.variant.product.name,
                                         variant_name=line.variant.name, quantity=line.quantity,
                                         unit_price_gross_amount=Decimal("19.90"))
            order.channel = channel
            record(events.order_event(order, EventKind.ORDER_PLACED, clock[0]))
            orders_to_fulfil.append((clock[0] + timedelta(days=rnd.uniform(0.5, 3)), order))

        for _hour in range(30 * 24):
            clock[0] += timedelta(hours=1)
            for _ in range(rnd.randint(2, 8)):  # new carts this hour
                kind, who = rnd.choice(people)
                user = who if kind == "user" else None
                checkout = Checkout.objects.create(user=user, email=None if user else who, channel=channel,
                                                   currency="EUR", language_code=getattr(user, "language_code", "it"))
                for v in rnd.sample(variants, rnd.randint(1, 3)):
                    CheckoutLine.objects.create(checkout=checkout, variant=v, quantity=rnd.randint(1, 2))
                Checkout.objects.filter(pk=checkout.pk).update(last_change=clock[0])
                checkout.refresh_from_db()
                checkout.channel = channel
                record(events.checkout_event(checkout, EventKind.CHECKOUT_CREATED, clock[0]))
                if rnd.random() < 0.35:  # buys right away
                    buy(checkout, who)
                else:
                    open_carts[str(checkout.pk)] = (checkout, who)
            reminded = {
                key.split(":", 1)[1]
                for key in ScheduledMessage.objects.filter(
                    flow="abandoned_cart", state="sent", sent_at__gte=clock[0] - timedelta(hours=1)
                ).values_list("subject_key", flat=True)
            }
            for token, (checkout, who) in list(open_carts.items()):  # some come back right after a reminder
                if token in reminded and rnd.random() < 0.15:
                    buy(checkout, who)
                    del open_carts[token]
                elif rnd.random() < 0.002:  # a few empty their carts
                    checkout.lines.all().delete()
                    Checkout.objects.filter(pk=checkout.pk).update(last_change=clock[0])
                    checkout.refresh_from_db()
                    checkout.channel = channel
                    record(events.checkout_event(checkout, EventKind.CART_UPDATED, clock[0]))
                    del open_carts[token]
            for due, order in [item for item in orders_to_fulfil if item[0] <= clock[0]]:
                orders_to_fulfil.remove((due, order))
                if rnd.random() < 0.05:
                    record(events.order_event(order, EventKind.ORDER_VOIDED, clock[0]))
                else:
                    Order.objects.filter(pk=order.pk).update(status="fulfilled")
                    record(events.order_event(order, EventKind.ORDER_FULFILLED, clock[0]))
            if rnd.random() < 0.1:  # someone unsubscribes
                preferences.suppress("email", f"u{rnd.randrange(len(users))}@example.com",
                                     reason="unsubscribed", source="simulation")
            while True:
                claim = dispatcher.claim(100)
                if not claim.ids:
                    break
                dispatcher.deliver(claim)

        per_flow: dict[str, Counter[str]] = defaultdict(Counter)
        for flow, state, n in ScheduledMessage.objects.values_list("flow", "state").annotate(n=Count("id")):
            per_flow[flow][state] += n
        triggered = dict(ScheduledMessage.objects.values_list("flow").annotate(n=Count("subject_key", distinct=True)))
        conversions = DeliveryEvent.objects.filter(kind="converted")
        recovered = Counter()
        for detail in conversions.values_list("detail", flat=True):
            recovered[detail.get("currency")] += Decimal(detail.get("total") or 0)
        elapsed = time.monotonic() - started
    finally:
        peer_process.terminate()
    sent = ScheduledMessage.objects.filter(state="sent").count()
    print(f"simulated 30 days of a shop with {args.customers} customers (seed {args.seed}) in {elapsed:.0f} s; "
          f"{Order.objects.count()} orders, {Checkout.objects.count()} checkouts, {sent} messages sent")
    print(f"{'flow':16} {'triggered':>9} {'sent':>6} {'suppressed':>10} {'cancelled':>9} {'pending':>7} {'failed':>6}")
    for flow in sorted(per_flow):
        c = per_flow[flow]
        print(f"{flow:16} {triggered.get(flow, 0):>9} {c['sent']:>6} {c['suppressed']:>10} {c['cancelled']:>9} "
              f"{c['pending'] + c['deferred']:>7} {c['failed']:>6}")
    revenue = ", ".join(f"{amount:.2f} {currency}" for currency, amount in recovered.items()) or "0"
    print(f"abandoned_cart converted: {conversions.count()} carts, recovered revenue {revenue}")


if __name__ == "__main__":
    main()
