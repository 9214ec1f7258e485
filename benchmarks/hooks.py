"""Benchmark: cost of each Saleor hook to the customer's request (SQL queries, microseconds, sockets).

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/hooks.py [--calls 2000]

Creates the database ``journey_bench_hooks`` (dropped first), activates the
plugin through the contract double's manager, and calls every hook on fresh
Saleor objects in autocommit, as Saleor does after its own commit. For each
hook it prints the SQL statements per call (max), the median and p95 wall
time per call in microseconds (including the PostgreSQL round-trips on
loopback), the median CPU time of this process per call, and how many
network connections the hook opened (an audit hook on socket.connect).
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract")]
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["POSTGRES_DB"] = os.environ.get("BENCH_HOOKS_DB", "journey_bench_hooks")

import psycopg  # noqa: E402

_connects = 0
_counting = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    global _connects
    if _counting and event == "socket.connect":
        _connects += 1


def setup_database() -> None:
    import django
    from django.core.management import call_command

    pg = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
    with psycopg.connect(dbname="postgres", autocommit=True, **pg) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{os.environ["POSTGRES_DB"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{os.environ["POSTGRES_DB"]}"')
    django.setup()
    call_command("migrate", "--run-syncdb", verbosity=0)


def measure(name: str, calls: list[Callable[[], Any]]) -> dict[str, Any]:
    global _counting, _connects
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wall: list[float] = []
    cpu: list[float] = []
    queries: list[int] = []
    _connects = 0
    for call in calls:
        connection.queries_log.clear()  # the log is a bounded deque; keep each capture exact
        with CaptureQueriesContext(connection) as captured:
            _counting = True
            c0, w0 = time.process_time_ns(), time.perf_counter_ns()
            call()
            w1, c1 = time.perf_counter_ns(), time.process_time_ns()
            _counting = False
        wall.append((w1 - w0) / 1000)
        cpu.append((c1 - c0) / 1000)
        queries.append(len(captured.captured_queries))
    wall.sort()
    return {
        "hook": name,
        "queries": max(queries),
        "median_us": statistics.median(wall),
        "p95_us": wall[int(len(wall) * 0.95) - 1],
        "cpu_us": statistics.median(cpu),
        "sockets": _connects,
    }


def fresh(plugin: Any) -> Any:
    """Build the plugin as a new request's manager builds it (Saleor instantiates plugins per request)."""
    return type(plugin)(configuration=plugin.configuration, active=True)


def checkout_complete_hooks(plugin: Any, order: Any) -> None:
    """Call the hooks checkoutComplete fires at commit, in Saleor's order, on that request's manager's plugin instance.

    Saleor's order is that of complete_checkout.py:1359 and order/actions.py. The checkout was deleted before them,
    firing nothing.
    """
    request_plugin = fresh(plugin)
    for hook in ("order_created", "order_paid", "order_fully_paid", "order_updated", "order_confirmed"):
        method = getattr(request_plugin, hook, None)
        if method is not None:  # Saleor skips hooks a plugin does not define
            method(order, previous_value=None, webhooks=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    n = args.calls
    setup_database()
    sys.addaudithook(_audit)

    from saleor.account.models import User
    from saleor.channel.models import Channel
    from saleor.checkout.models import Checkout, CheckoutLine
    from saleor.order.models import Fulfillment, Order
    from saleor.plugins.manager import get_plugins_manager
    from saleor.product.models import Product, ProductVariant

    from saleor_journey.plugins.plugin import PLUGIN_ID

    get_plugins_manager(allow_replica=False).save_plugin_configuration(PLUGIN_ID, None, {"active": True})
    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID)
    assert plugin.active
    channel = Channel.objects.create(name="Italia", slug="it", currency_code="EUR", is_active=True)
    variant = ProductVariant.objects.create(product=Product.objects.create(name="Caffè", slug="caffe"), sku="C1")
    users = User.objects.bulk_create(User(email=f"b{i}@example.com") for i in range(n))
    checkouts = Checkout.objects.bulk_create(
        Checkout(user=u, channel=channel, currency="EUR") for u in users
    )
    CheckoutLine.objects.bulk_create(CheckoutLine(checkout=c, variant=variant, quantity=1) for c in checkouts)
    guests = Checkout.objects.bulk_create(
        Checkout(email=f"g{i}@example.com", channel=channel, currency="EUR") for i in range(n)
    )
    orders = Order.objects.bulk_create(
        Order(number=i, user=u, user_email=u.email, channel=channel, currency="EUR", total_gross_amount=30,
              checkout_token=str(c.pk))
        for i, (u, c) in enumerate(zip(users, checkouts, strict=True))
    )
    fulfillments = Fulfillment.objects.bulk_create(Fulfillment(order=o, fulfillment_order=1) for o in orders)
    completed = Order.objects.bulk_create(
        Order(number=n + i, user=u, user_email=u.email, channel=channel, currency="EUR", total_gross_amount=30,
              checkout_token=str(uuid.uuid4()), charge_status="full")
        for i, u in enumerate(users)
    )
    for objs in (checkouts, guests, orders, completed):
        for obj in objs:
            obj.channel = channel  # Saleor's manager reads .channel.slug before calling the hook
    for f, o in zip(fulfillments, orders, strict=True):
        f.order = o

    results = [
        measure("customer_created", [lambda u=u: plugin.customer_created(u, previous_value=None) for u in users]),
        measure("checkout_created (guest)", [lambda c=c: plugin.checkout_created(c, previous_value=None, webhooks=None) for c in guests]),
        measure("checkout_updated (account)", [lambda c=c: plugin.checkout_updated(c, previous_value=None, webhooks=None) for c in checkouts]),
        measure("order_created", [lambda o=o: plugin.order_created(o, previous_value=None, webhooks=None) for o in orders]),
        measure("order_fully_paid", [lambda o=o: plugin.order_fully_paid(o, previous_value=None, webhooks=None) for o in orders]),
        measure("fulfillment_created", [lambda f=f: plugin.fulfillment_created(f, notify_customer=True, calculate_stocks_with_shipping_zones=True, previous_value=None) for f in fulfillments]),
        measure("order_cancelled", [lambda o=o: plugin.order_cancelled(o, previous_value=None, webhooks=None) for o in orders]),
        # A duplicate delivery arrives in another request, on a new plugin instance.
        measure("order_created (duplicate delivery)", [lambda o=o: fresh(plugin).order_created(o, previous_value=None, webhooks=None) for o in orders]),
        measure("checkoutComplete (5 hooks)", [lambda o=o: checkout_complete_hooks(plugin, o) for o in completed]),
    ]
    print(f"machine: {os.cpu_count()} cores; PostgreSQL on 127.0.0.1; {n} calls per hook; run id {uuid.uuid4().hex[:8]}")
    print(f"{'hook':36} {'queries':>7} {'median µs':>10} {'p95 µs':>8} {'cpu µs':>8} {'sockets':>7}")
    for r in results:
        print(f"{r['hook']:36} {r['queries']:>7} {r['median_us']:>10.0f} {r['p95_us']:>8.0f} {r['cpu_us']:>8.0f} {r['sockets']:>7}")
    print(f"checkoutComplete statements {results[-1]['queries']}")


if __name__ == "__main__":
    main()
