"""Benchmark: backfill journeys from a generated shop history, and show memory stays flat.

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/backfill.py                      # 1,000,000 orders / 200,000 customers
    .venv/bin/python benchmarks/backfill.py --orders 100000 --customers 20000

It creates the database ``journey_bench`` (dropped first), fills the contract
double's Saleor tables with SQL ``generate_series``, runs
``manage.py journey_backfill`` in a child process, and prints wall time,
throughput and the child's peak RSS. Run two sizes to see memory is flat.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB = os.environ.get("BENCH_DB", "journey_bench")
PG = {
    "host": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
    "port": os.environ.get("POSTGRES_PORT", "5432"),
    "user": os.environ.get("POSTGRES_USER", "postgres"),
}


def env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "contract")]),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "POSTGRES_DB": DB,
    }


def django_admin(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=ROOT, env=env(), check=True, capture_output=True
    )


def create_database() -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    django_admin("migrate", "--run-syncdb", "-v", "0")


GENERATE = """
INSERT INTO channel_channel (id, name, slug, is_active, currency_code, default_country)
VALUES (1, 'Italia', 'it', true, 'EUR', 'IT');

INSERT INTO account_user (id, password, email, first_name, last_name, is_staff, is_superuser, jwt_token_key, is_active,
                          granted_permissions, is_confirmed, date_joined, updated_at, language_code, number_of_orders,
                          private_metadata, metadata)
SELECT i, '', 'u' || i || '@example.com', '', '', false, false, left(md5(i::text), 12), true, '{{}}', true,
       now() - (random() * interval '1100 days'), now(), 'it', 0, '{{}}'::jsonb, '{{}}'::jsonb
FROM generate_series(1, {users}) AS i;

INSERT INTO order_order (id, number, created_at, updated_at, status, charge_status, origin, user_id, user_email,
                         language_code, channel_id, currency, total_gross_amount, checkout_token, lines_count)
SELECT gen_random_uuid(), i, t, t + interval '2 days',
       CASE WHEN random() < 0.03 THEN 'canceled' ELSE 'fulfilled' END, 'full', 'checkout',
       CASE WHEN c < {users} THEN c + 1 END,
       CASE WHEN c < {users} THEN 'u' || (c + 1) || '@example.com' ELSE 'g' || c || '@example.com' END,
       'it', 1, 'EUR', round((10 + random() * 190)::numeric, 2), gen_random_uuid()::text, 2
FROM (SELECT i, (i::bigint * 7919) % {customers} AS c, now() - (random() * interval '1000 days') AS t
      FROM generate_series(1, {orders}) AS i) s;

INSERT INTO product_product (id, name, slug) SELECT i, 'Prodotto ' || i, 'p-' || i FROM generate_series(1, 100) i;
INSERT INTO product_productvariant (id, product_id, name, sku, track_inventory)
SELECT i, i, '250 g', 'SKU-' || i, true FROM generate_series(1, 100) i;

INSERT INTO checkout_checkout (token, created_at, last_change, user_id, email, channel_id, currency,
                               total_net_amount, total_gross_amount, price_expiration, language_code)
SELECT gen_random_uuid(), t, t, CASE WHEN c < {users} THEN c + 1 END,
       CASE WHEN c < {users} THEN NULL ELSE 'g' || c || '@example.com' END, 1, 'EUR', 0, 0, t, 'it'
FROM (SELECT (i::bigint * 104729) % {customers} AS c, now() - (random() * interval '60 days') AS t
      FROM generate_series(1, {checkouts}) AS i) s;

INSERT INTO checkout_checkoutline (id, created_at, checkout_id, variant_id, quantity, currency)
SELECT gen_random_uuid(), now(), token, 1 + (abs(hashtext(token::text)) % 100), 1, 'EUR' FROM checkout_checkout;

ANALYZE;
"""


def generate(orders: int, customers: int) -> float:
    users = int(customers * 0.75)
    started = time.perf_counter()
    with psycopg.connect(dbname=DB, autocommit=True, **PG) as conn:
        # Integers only, from argparse: formatted into the SQL, which runs as one script.
        script = GENERATE.format(orders=int(orders), customers=int(customers), users=users, checkouts=max(customers // 10, 1))
        conn.execute(script.encode())
    return time.perf_counter() - started


def reset_journeys() -> None:
    with psycopg.connect(dbname=DB, autocommit=True, **PG) as conn:
        conn.execute(
            "TRUNCATE saleor_journey_journey, saleor_journey_journeyevent, saleor_journey_stagetransition,"
            " saleor_journey_backfillrun CASCADE"
        )
        conn.execute("UPDATE account_user SET private_metadata = '{}'::jsonb")
        conn.execute("VACUUM ANALYZE")


def run_backfill() -> tuple[float, float, str]:
    started = time.perf_counter()
    result = django_admin("journey_backfill", "--no-progress", "--restart")
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # largest child so far
    return elapsed, peak_kib / 1024, result.stdout.decode().strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="backfill runs on the same data; the median is reported")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; PostgreSQL at {PG['host']}:{PG['port']}, database {DB}")
    create_database()
    gen = generate(args.orders, args.customers)
    print(f"generated {args.orders:,} orders from {args.customers:,} customers in {gen:.1f} s")
    times = []
    for i in range(args.repeat):
        if i:
            reset_journeys()
        elapsed, peak_mib, summary = run_backfill()
        times.append(elapsed)
        print(f"run {i + 1}: {elapsed:.1f} s")
    print(summary)
    median = statistics.median(times)
    print(
        f"backfill: median {median:.1f} s wall over {len(times)} runs (min {min(times):.1f}, max {max(times):.1f}), "
        f"{args.orders / median:,.0f} orders/s, peak RSS of the backfill process (max over runs) {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
