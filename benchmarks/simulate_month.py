"""A month of a small shop on a simulated clock: what each flow triggered, sent, skipped, converted and recovered.

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/simulate_month.py [--customers 2000] [--seed 7] [--days 30]

The shop: 2,000 customers (70% registered), 40 products, each customer starting
0.45 carts a month on average (Poisson arrivals per hour: about 1,100 carts and
500 orders a month), 35% bought at once, 15% of reminded carts bought within the
hour after a reminder, a few emptied; orders are fulfilled 0.5-3 days later, 5%
voided instead; 30% of review requests answered through the review page with a
J-shaped rating mix; one opt-out every ten hours. A sixth of the registered
customers last bought 150-215 days before the month starts, so they lapse during
it and get the win-back message; 12% of those come back after it.

Events go through the same adapter functions and recorder the Saleor hooks use,
with the plugin's clock (settings.JOURNEY_CLOCK) set to the simulated hour; the
lapse task runs once a simulated day. Each hour's due messages are sent by two
delivery processes (a worker with two processes, as on a 2-core server) to a
local ESP peer while the shop goes on with the next hour. Saleor's objects
(checkouts, orders, lines) are real rows of the contract double, so the
send-time re-checks and message contents are real. Database: journey_simulation.
"""

import argparse
import ipaddress
import multiprocessing
import os
import random
import subprocess
import sys
import time
import zlib
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract"), str(ROOT / "benchmarks")]
os.environ["RELIABILITY_DB"] = os.environ.get("SIMULATION_DB", "journey_simulation")

import reliability  # noqa: E402 - the same database set-up and plugin configuration
import simclock  # noqa: E402

from demo.shop import RATINGS, poisson  # noqa: E402 - the demo's arrivals and rating mix

PRICE = Decimal("19.90")
#: Carts each customer starts in a month, on average.
CARTS_PER_CUSTOMER_MONTH = 0.45
#: Messages per claim: small, so the delivery processes share an hour's messages.
CLAIM = 10
_dispatcher: Any = None


def deliver_due(at: datetime) -> int:
    """In a delivery process: send everything due at ``at``, in claims of 50, until nothing is left."""
    global _dispatcher
    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.plugins import runtime

    simclock.set_now(at)
    if _dispatcher is None:
        settings = runtime.active_settings()
        _dispatcher = Dispatcher(settings, build_channels(settings.delivery))
    sent = 0
    while (claim := _dispatcher.claim(CLAIM)).ids:
        sent += _dispatcher.deliver(claim).sent
    return sent


def _ready() -> int:
    return os.getpid()


class Shop:
    """The simulated shop's Saleor side: creates checkouts and orders and tells the plugin, as the hooks do."""

    def __init__(self, rnd: random.Random, customers: int) -> None:
        from saleor.account.models import User
        from saleor.channel.models import Channel
        from saleor.checkout.models import Checkout
        from saleor.product.models import Product, ProductVariant
        from saleor.warehouse.models import Stock, Warehouse

        from saleor_journey.plugins import runtime
        from saleor_journey.plugins.plugin import recorder_for

        self.rnd = rnd
        # Saleor stamps last_change with its own clock; in this shop that clock is the simulated hour.
        Checkout._meta.get_field("last_change").auto_now = False
        self.recorder = recorder_for(runtime.active_settings())
        self.channel = Channel.objects.get(slug="it")
        self.variants = [
            ProductVariant.objects.create(product=Product.objects.create(name=f"Prodotto {i}", slug=f"p{i}"),
                                          name="Standard", sku=f"S{i}")
            for i in range(40)
        ]
        warehouse = Warehouse.objects.create(name="Milano")
        Stock.objects.bulk_create(Stock(warehouse=warehouse, product_variant=v, quantity=100000) for v in self.variants)
        self.users = User.objects.bulk_create(
            User(email=f"u{i}@example.com", language_code=rnd.choice(["it", "it", "en"]))
            for i in range(int(customers * 0.7))
        )
        self.by_email = {u.email: u for u in self.users}
        guests = [f"g{i}@example.com" for i in range(customers - len(self.users))]
        self.people: list[Any] = list(self.users) + guests
        self.open_carts: dict[str, tuple[Any, Any]] = {}
        self.to_fulfil: list[tuple[datetime, Any]] = []
        self.number = 1

    def record(self, built: Any) -> None:
        """Do what the plugin's hooks do with an adapter's output: record it (with the checkout read)."""
        if built is None:
            return
        if isinstance(built, tuple):
            event, read = built
            self.recorder.record(event, (read,))
        else:
            self.recorder.record(built)

    def cart(self, who: Any, now: datetime) -> Any:
        from saleor.checkout.models import Checkout, CheckoutLine

        from saleor_journey.core.events import EventKind
        from saleor_journey.plugins import events

        user = None if isinstance(who, str) else who
        # Saleor stamps last_change with its clock; here that is the simulated hour, written in the same INSERT.
        checkout = Checkout(user=user, email=None if user else who, channel=self.channel, currency="EUR",
                            language_code=getattr(user, "language_code", "it"), last_change=now)
        checkout.save(force_insert=True)
        checkout.sim_lines = CheckoutLine.objects.bulk_create(
            CheckoutLine(checkout=checkout, variant=v, quantity=self.rnd.randint(1, 2))
            for v in self.rnd.sample(self.variants, self.rnd.randint(1, 3))
        )
        checkout.channel = self.channel
        self.record(events.checkout_event(checkout, EventKind.CHECKOUT_CREATED, now))
        return checkout

    def buy(self, checkout: Any, who: Any, now: datetime, fulfil: bool = True) -> Any:
        from saleor.order.models import Order, OrderLine

        from saleor_journey.core.events import EventKind
        from saleor_journey.plugins import events

        user = None if isinstance(who, str) else who
        lines = checkout.sim_lines  # the lines this simulation put in the cart (variants with their products)
        order = Order.objects.create(
            number=self.number, user=user, user_email=user.email if user else who, channel=self.channel,
            currency="EUR", total_gross_amount=sum(PRICE * line.quantity for line in lines),
            checkout_token=str(checkout.pk), created_at=now, language_code=getattr(user, "language_code", "it"),
        )
        self.number += 1
        OrderLine.objects.bulk_create(
            OrderLine(order=order, variant=line.variant, product_name=line.variant.product.name,
                      variant_name=line.variant.name, quantity=line.quantity, unit_price_gross_amount=PRICE)
            for line in lines
        )
        order.channel = self.channel
        self.record(events.order_event(order, EventKind.ORDER_PLACED, now))
        if fulfil:
            self.to_fulfil.append((now + timedelta(days=self.rnd.uniform(0.5, 3)), order))
        return order


def review(client: Any, message: Any, rating: int) -> int:
    """Follow the first link of a review request as a customer and rate the product on the review page."""
    from saleor.order.models import OrderLine

    from saleor_journey.delivery.tokens import review_token
    from saleor_journey.routes import PLUGIN_ID

    order_id = message.subject_key.split(":", 1)[1]
    line = OrderLine.objects.filter(order_id=order_id).select_related("order", "variant").first()
    token = review_token(order_id, line.variant.product_id, line.variant_id, message.language, message.channel_slug,
                         product=line.product_name)
    response = client.post(f"/plugins/global/{PLUGIN_ID}/review/{token}/",
                           {"rating": str(rating), "title": "Recensione", "text": "Arrivato in tempo."},
                           HTTP_X_FORWARDED_FOR=f"{customer_address(line.order.user_email)}, 10.255.0.1")
    return response.status_code


def customer_address(email: str) -> str:
    """Give the public address one customer posts from, as the shop's load balancer passes it on in X-Forwarded-For.

    Each simulated customer is a different household: the review page's per-address limit (which counts real
    time, and the month passes in seconds of it) sees them apart, as it sees real customers apart.
    """
    households = ipaddress.ip_network("100.64.0.0/10")  # shared address space, as a carrier hands it out
    return str(households[zlib.crc32(email.encode()) % households.num_addresses])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--delivery-processes", type=int, default=2)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    started = time.monotonic()
    reliability.setup()
    import logging

    from django.conf import settings as django_settings
    from django.db import connections
    from django.utils import timezone

    from saleor_journey import clock as journey_clock
    from tests.browsing import FormClient  # the review form is posted urlencoded, as a browser does

    logging.getLogger("saleor_journey").setLevel(logging.WARNING)
    django_settings.JOURNEY_CLOCK = "simclock.now"
    journey_clock._source.cache_clear()
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=args.days)

    # The ESP peer runs in its own process, so it does not share this one's interpreter lock.
    peer_process = subprocess.Popen([sys.executable, "-m", "tests.peers", "postmark"], cwd=ROOT,
                                    stdout=subprocess.PIPE, text=True)
    peer = SimpleNamespace(url=peer_process.stdout.readline().strip())
    try:
        # The Dashboard defaults for the frequency cap (3 marketing messages a week); email has no quiet hours.
        reliability.configure(peer, review_alert_email="staff@bottega.example", frequency_cap_count="3")
        # The delivery processes start now, before this process holds a database connection they could inherit.
        connections.close_all()
        pool = ProcessPoolExecutor(args.delivery_processes, mp_context=multiprocessing.get_context("fork"))
        for started_process in [pool.submit(_ready) for _ in range(args.delivery_processes)]:
            started_process.result()
        figures = simulate(rnd, args.customers, args.days, start, pool, args.delivery_processes, FormClient())
        pool.shutdown()
    finally:
        peer_process.terminate()
    elapsed = time.monotonic() - started
    report(args, elapsed, figures)
    refused = {status: n for status, n in figures["review_pages"].items() if status != 200}
    if refused:
        sys.exit(f"the review page refused simulated customers: {refused}")


def simulate(
    rnd: random.Random, customers: int, days: int, start: datetime, pool: Any, processes: int, client: Any
) -> dict[str, Any]:
    from saleor.order.models import Order

    from saleor_journey.core.events import EventKind
    from saleor_journey.delivery import preferences
    from saleor_journey.models import ScheduledMessage
    from saleor_journey.plugins import events
    from saleor_journey.tasks import settle_lapsed_journeys

    shop = Shop(rnd, customers)
    # History: a sixth of the registered customers last bought 150-215 days ago (recorded then, live).
    for user in rnd.sample(shop.users, len(shop.users) // 6):
        at = start - timedelta(days=rnd.uniform(150, 215))
        simclock.set_now(at)
        shop.buy(shop.cart(user, at), user, at, fulfil=False)
    reviews: Counter[int] = Counter()
    waiting = 0.0
    delivery: list[Any] = []
    carts_per_hour = customers * CARTS_PER_CUSTOMER_MONTH / (30 * 24)
    for hour in range(days * 24):
        now = start + timedelta(hours=hour + 1)
        simclock.set_now(now)
        if hour % 24 == 0:
            settle_lapsed_journeys.run()
        for _ in range(poisson(rnd, carts_per_hour)):  # new carts this hour
            who = rnd.choice(shop.people)
            checkout = shop.cart(who, now)
            if rnd.random() < 0.35:  # buys right away
                shop.buy(checkout, who, now)
            else:
                shop.open_carts[str(checkout.pk)] = (checkout, who)
        for due, order in [item for item in shop.to_fulfil if item[0] <= now]:
            shop.to_fulfil.remove((due, order))
            if rnd.random() < 0.05:
                shop.record(events.order_event(order, EventKind.ORDER_VOIDED, now))
            else:
                Order.objects.filter(pk=order.pk).update(status="fulfilled")
                shop.record(events.order_event(order, EventKind.ORDER_FULFILLED, now))
        if rnd.random() < 0.1:  # someone unsubscribes
            preferences.suppress("email", f"u{rnd.randrange(len(shop.users))}@example.com",
                                 reason="unsubscribed", source="simulation")
        # The previous hour's sends ran meanwhile (as a worker does beside the shop); customers react to them now.
        before = time.monotonic()
        for future in delivery:
            future.result()
        waiting += time.monotonic() - before
        just_sent = list(ScheduledMessage.objects.filter(state="sent", sent_at__gte=now - timedelta(hours=1),
                                                         step__in=["reminder_1", "reminder_2", "reminder_3",
                                                                   "request", "email"]))
        reminded = {m.subject_key.split(":", 1)[1] for m in just_sent if m.flow == "abandoned_cart"}
        for token, (checkout, who) in list(shop.open_carts.items()):  # some come back right after a reminder
            if token in reminded and rnd.random() < 0.15:
                shop.buy(checkout, who, now)
                del shop.open_carts[token]
            elif rnd.random() < 0.002:  # a few empty their carts
                checkout.lines.all().delete()
                type(checkout).objects.filter(pk=checkout.pk).update(last_change=now)
                shop.record(events.checkout_event(checkout, EventKind.CART_UPDATED, now))
                del shop.open_carts[token]
        for message in just_sent:
            if message.flow == "win_back" and rnd.random() < 0.12:  # won back
                who = shop.by_email[message.recipient]
                shop.buy(shop.cart(who, now), who, now)
            elif message.flow == "review_request" and rnd.random() < 0.3:
                reviews[review(client, message, rnd.choice(RATINGS))] += 1
        delivery = [pool.submit(deliver_due, now) for _ in range(processes)]
    for future in delivery:
        future.result()
    return {"review_pages": reviews, "waiting": waiting}


def report(args: Any, elapsed: float, figures: dict[str, Any]) -> None:
    from django.db.models import Count
    from saleor.checkout.models import Checkout
    from saleor.order.models import Order

    from saleor_journey.models import DeliveryEvent, Journey, ProductReview, ScheduledMessage

    per_flow: dict[str, Counter[str]] = defaultdict(Counter)
    for flow, state, n in ScheduledMessage.objects.values_list("flow", "state").annotate(n=Count("id")):
        per_flow[flow][state] += n
    triggered = dict(ScheduledMessage.objects.values_list("flow").annotate(n=Count("subject_key", distinct=True)))
    deferred = dict(DeliveryEvent.objects.filter(kind="deferred").values_list("message__flow")
                    .annotate(n=Count("message", distinct=True)))
    converted: Counter[str] = Counter()
    revenue: dict[str, Counter[str]] = defaultdict(Counter)
    for flow, detail in DeliveryEvent.objects.filter(kind="converted").values_list("message__flow", "detail"):
        converted[flow] += 1
        revenue[flow][detail.get("currency")] += Decimal(detail.get("total") or 0)
    requested = ScheduledMessage.objects.filter(flow="review_request", state="sent").values("subject_key")
    reviewed = ProductReview.objects.filter(order_id__in=[k.split(":", 1)[1] for k in requested.values_list(
        "subject_key", flat=True)]).count()
    converted["review_request"] = reviewed
    sent = ScheduledMessage.objects.filter(state="sent").count()
    print(f"simulated {args.days} days of a shop with {args.customers} customers (seed {args.seed}) in {elapsed:.0f} s; "
          f"{Order.objects.count()} orders, {Checkout.objects.count()} checkouts, {sent} messages sent, "
          f"review page answers {dict(figures['review_pages'])}; {figures['waiting']:.0f} s of it waiting for delivery")
    print(f"{'flow':15} {'triggered':>9} {'sent':>6} {'deferred':>8} {'suppressed':>10} {'cancelled':>9} "
          f"{'pending':>7} {'failed':>6} {'converted':>9}  recovered revenue")
    for flow in sorted(per_flow):
        c = per_flow[flow]
        money = ", ".join(f"{amount:.2f} {currency}" for currency, amount in revenue[flow].items()) or "-"
        print(f"{flow:15} {triggered.get(flow, 0):>9} {c['sent']:>6} {deferred.get(flow, 0):>8} {c['suppressed']:>10} "
              f"{c['cancelled']:>9} "
              f"{c['pending'] + c['deferred']:>7} {c['failed']:>6} {converted.get(flow, '-'):>9}  {money}")
    print("deferred: messages held back at least once (frequency cap); pending: not due yet at the month's end")
    print("converted: carts bought after a reminder, customers who ordered within 30 days of a win-back message,"
          " products reviewed after a request")
    stages = dict(Journey.objects.filter(merged_into__isnull=True).values_list("stage").annotate(n=Count("id")))
    print("customers per stage at the end: " + ", ".join(
        f"{s} {stages.get(s, 0)}" for s in ("awareness", "consideration", "purchase", "retention", "advocacy", "lapsed")))


if __name__ == "__main__":
    main()
