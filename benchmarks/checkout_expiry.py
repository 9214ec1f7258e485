"""Benchmark: Saleor's nightly checkout expiry with the plugin installed and active, against without it.

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/checkout_expiry.py [--checkouts 2000] [--rounds 5]

Creates the database ``journey_bench_expiry`` (dropped first). Each round
makes ``--checkouts`` checkouts with an email and a line, last changed 91 days
ago, and times Saleor's ``delete_expired_checkouts`` (the contract double's
copy of its delete path: one locking transaction, ``QuerySet.delete()``)
deleting them in one batch, alternating: plugin installed and active (its
apps ready, its receivers connected), then without the plugin (its receivers
disconnected, the plugin inactive). Prints each side's median seconds and SQL
statements and ``expiry ratio X.XX`` (with / without; goal at most 1.2).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract")]
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["POSTGRES_DB"] = os.environ.get("BENCH_EXPIRY_DB", "journey_bench_expiry")

from benchmarks.hooks import setup_database  # noqa: E402


def make_expired(count: int, channel: object, variant: object) -> None:
    from django.utils import timezone
    from saleor.checkout.models import Checkout, CheckoutLine

    checkouts = Checkout.objects.bulk_create(
        Checkout(email=f"c{i}@example.com", channel=channel, currency="EUR") for i in range(count)
    )
    CheckoutLine.objects.bulk_create(CheckoutLine(checkout=c, variant=variant, quantity=1) for c in checkouts)
    Checkout.objects.filter(pk__in=[c.pk for c in checkouts]).update(last_change=timezone.now() - timedelta(days=91))


def run_expiry() -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from saleor.checkout.tasks import delete_expired_checkouts

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        deleted, _ = delete_expired_checkouts(batch_size=10**6, batch_count=1)
        elapsed = time.perf_counter() - started
    return elapsed, len(captured.captured_queries), deleted


def set_plugin(installed: bool) -> None:
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.plugins import receivers, runtime
    from saleor_journey.routes import PLUGIN_ID

    get_plugins_manager(allow_replica=False).save_plugin_configuration(PLUGIN_ID, None, {"active": installed})
    runtime.forget()
    if installed:
        receivers.connect()
    else:
        from django.db.models.signals import post_delete

        post_delete.disconnect(sender=receivers.USER_MODEL, dispatch_uid="journey-user-deleted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkouts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_database()

    from saleor.channel.models import Channel
    from saleor.product.models import Product, ProductVariant

    channel = Channel.objects.create(name="Italia", slug="it", currency_code="EUR", is_active=True)
    variant = ProductVariant.objects.create(product=Product.objects.create(name="Caffè", slug="caffe"), sku="C1")
    results: dict[bool, list[tuple[float, int]]] = {True: [], False: []}
    for _ in range(args.rounds):
        for installed in (True, False):
            set_plugin(installed)
            make_expired(args.checkouts, channel, variant)
            elapsed, statements, deleted = run_expiry()
            assert deleted == args.checkouts, deleted
            results[installed].append((elapsed, statements))
    with_s = statistics.median(t for t, _ in results[True])
    without_s = statistics.median(t for t, _ in results[False])
    print(f"machine: {os.cpu_count()} cores; PostgreSQL on 127.0.0.1; {args.checkouts} expired checkouts per run, "
          f"{args.rounds} rounds alternating")
    print(f"with plugin:    median {with_s:.3f} s, {max(s for _, s in results[True])} SQL statements")
    print(f"without plugin: median {without_s:.3f} s, {max(s for _, s in results[False])} SQL statements")
    print(f"expiry ratio {with_s / without_s:.2f}")


if __name__ == "__main__":
    main()
