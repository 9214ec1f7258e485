"""GraphQL API over a large shop: funnel, metrics and a page of journeys, timed through the real view.

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/api.py                      # 1,000,000 customers, 5,000,000 events
    .venv/bin/python benchmarks/api.py --customers 100000   # a smaller shop
    .venv/bin/python benchmarks/api.py --reuse              # keep the data from the last run

Data is generated inside PostgreSQL (generate_series): per customer 5 events
(half in channel "it", half "de", over the last year), 2 stage changes, one
scheduled message (60% sent, 30% cancelled, 10% pending), and for a sent
message a delivery event (half delivered, a fifth opened, 5% converted with a
total); 100,000 reviews. Each query is sent as an HTTP POST through Django's
test client to the plugin route with a staff token, 3 warm-up calls, then the
median and p95 of 20. Before timing, the precomputed figures are refreshed
as the beat task does (its duration is printed): the funnel and metrics read
them. Database: journey_api_bench.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract")]
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["POSTGRES_DB"] = os.environ.get("API_BENCH_DB", "journey_api_bench")

import psycopg  # noqa: E402

URL = "/plugins/global/saleor.journey/graphql/"
STAGES = "ARRAY['awareness','consideration','consideration','purchase','purchase','retention','advocacy','lapsed']"

GENERATE = [
    # Customers: 60% with an account, stage spread over the funnel, changed some time in the last year.
    f"""INSERT INTO saleor_journey_journey (key, user_id, email, stage, stage_since, last_order_at, first_seen_at,
          state, version, created_at, updated_at)
        SELECT 'email:c' || i || '@example.com', CASE WHEN i % 5 < 3 THEN i END, 'c' || i || '@example.com',
               ({STAGES})[1 + i % 8], now() - (i % 365) * interval '1 day' - (i % 1440) * interval '1 minute',
               CASE WHEN i % 8 >= 3 THEN now() - (i % 365) * interval '1 day' END,
               now() - interval '400 days' + (i % 400) * interval '1 day', '{{}}'::jsonb, 1,
               now() - interval '400 days' + (i % 400) * interval '1 day', now()
        FROM generate_series(1, %(customers)s) i""",
    """INSERT INTO saleor_journey_journeyevent (journey_id, kind, dedupe_key, occurred_at, recorded_at, channel, source,
          payload)
        SELECT j.id, (ARRAY['checkout_created','cart_updated','order_placed','order_fulfilled','account_updated'])[n],
               'e:' || j.id || ':' || n, now() - ((j.id * 7 + n * 13) % 365) * interval '1 day',
               now(), CASE WHEN (j.id + n) % 2 = 0 THEN 'it' ELSE 'de' END, 'live', '{}'::jsonb
        FROM saleor_journey_journey j, generate_series(1, 5) n""",
    """INSERT INTO saleor_journey_stagetransition (journey_id, from_stage, to_stage, cause, at)
        SELECT j.id, 'awareness', 'consideration', 'checkout_created', j.stage_since - interval '3 days'
        FROM saleor_journey_journey j WHERE j.stage <> 'awareness'
        UNION ALL
        SELECT j.id, 'consideration', j.stage, 'order_placed', j.stage_since
        FROM saleor_journey_journey j WHERE j.stage NOT IN ('awareness', 'consideration')""",
    """INSERT INTO saleor_journey_scheduledmessage (dedupe_key, flow, step, subject_key, channel, recipient, language,
          channel_slug, marketing, context, due_at, state, reason, attempts, sent_at, created_at, updated_at, journey_id)
        SELECT 'm:' || j.id, (ARRAY['abandoned_cart','post_purchase','review_request','win_back','abandoned_cart'])[1 + j.id % 5],
               'reminder_1', 'checkout:' || j.id, 'email', j.email, 'it', CASE WHEN j.id % 2 = 0 THEN 'it' ELSE 'de' END,
               true, '{}'::jsonb, now() - (j.id % 365) * interval '1 day',
               (ARRAY['sent','sent','sent','sent','sent','sent','cancelled','cancelled','cancelled','pending'])[1 + j.id % 10],
               '', 1, CASE WHEN j.id % 10 < 6 THEN now() - (j.id % 365) * interval '1 day' END,
               now() - (j.id % 365) * interval '1 day' - interval '1 hour', now(), j.id
        FROM saleor_journey_journey j""",
    """INSERT INTO saleor_journey_deliveryevent (message_id, kind, provider, provider_event_id, at, detail)
        SELECT m.id, CASE WHEN m.id % 20 = 0 THEN 'converted' WHEN m.id % 5 = 1 THEN 'opened' ELSE 'delivered' END,
               'postmark', 'd:' || m.id, m.sent_at + interval '10 minutes',
               CASE WHEN m.id % 20 = 0 THEN '{"total": "42.50", "currency": "EUR"}'::jsonb ELSE '{}'::jsonb END
        FROM saleor_journey_scheduledmessage m WHERE m.state = 'sent' AND m.id % 2 = 0""",
    """INSERT INTO saleor_journey_productreview (product_id, variant_id, order_id, rating, title, text, language, status,
          created_at, journey_id)
        SELECT 1 + i % 500, NULL, 'o' || i, 1 + (i * 7) % 5, 'Titolo', 'Testo', 'it',
               (ARRAY['approved','approved','pending'])[1 + i % 3], now() - (i % 365) * interval '1 day',
               1 + (i - 1) % %(customers)s
        FROM generate_series(1, LEAST(100000, %(customers)s / 10)) i""",
]

QUERIES = {
    "journeyFunnel, last 30 days": ("{ journeyFunnel { lapsed stages { stage customers reached conversionRate } } }", {}),
    "journeyFunnel, channel it": ('{ journeyFunnel(channel: "it") { stages { stage customers reached } } }', {}),
    "journeyMetrics, last 30 days": (
        "{ journeyMetrics { abandonedCarts remindersSent cartsRecovered recoveredRevenue { currency amount } "
        "reviewsReceived averageRating flows { flow sent converted } delivery { channel sent delivered opened } } }", {}),
    "customerJourneys, page of 100": (
        "{ customerJourneys(first: 100) { edges { cursor node { id user email stage stageSince } } } }", {}),
    "customerJourneys, page of 100 with totalCount": (
        "{ customerJourneys(first: 100) { totalCount edges { cursor node { id user email stage stageSince } } } }", {}),
    "customerJourneys, page of 100 with history and events": (
        "{ customerJourneys(first: 100) { edges { node { email stage history { toStage at } events { kind } } } } }", {}),
    "customerJourneys, purchase stage, page of 100": (
        "{ customerJourneys(first: 100, filter: {stage: [PURCHASE]}) { edges { node { email stageSince } } } }", {}),
}


def generate(customers: int) -> None:
    import django
    from django.core.management import call_command

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{os.environ["POSTGRES_DB"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{os.environ["POSTGRES_DB"]}"')
    django.setup()
    call_command("migrate", "--run-syncdb", verbosity=0)
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=os.environ["POSTGRES_DB"], autocommit=True) as conn:
        for statement in GENERATE:
            started = time.monotonic()
            rows = conn.execute(statement.replace("%(customers)s", str(int(customers)))).rowcount
            print(f"  generated {rows:>10,} rows in {time.monotonic() - started:6.1f} s: {statement.split()[2]}")
        conn.execute("VACUUM ANALYZE")


def timed(client: Any, token: str, query: str, variables: dict[str, Any], runs: int) -> list[float]:
    times = []
    for i in range(runs + 3):
        started = time.perf_counter()
        response = client.post(URL, {"query": query, "variables": variables}, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {token}")
        elapsed = (time.perf_counter() - started) * 1000
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise SystemExit(f"query failed: {response.status_code} {body.get('errors')}")
        if i >= 3:
            times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the generated data of the last run")
    args = parser.parse_args()
    if args.reuse:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
    else:
        print(f"generating {args.customers:,} customers and {5 * args.customers:,} events…")
        generate(args.customers)
    from django.test import Client
    from saleor.account.models import User
    from saleor.core.jwt import create_access_token
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.plugins import runtime
    from saleor_journey.routes import PLUGIN_ID

    get_plugins_manager(allow_replica=False).save_plugin_configuration(PLUGIN_ID, None, {"active": True, "configuration": []})
    runtime.forget()
    staff, _ = User.objects.get_or_create(
        email="bench-staff@example.com",
        defaults={"is_staff": True, "granted_permissions": ["account.manage_users", "order.manage_orders"]},
    )
    token = create_access_token(staff)
    client = Client()
    from saleor_journey.models import JourneyFiguresRun
    from saleor_journey.tasks import refresh_journey_figures

    JourneyFiguresRun.objects.all().delete()
    for label in ("first (all history)", "next (yesterday and today)"):
        started = time.monotonic()
        rows = refresh_journey_figures.run()
        print(f"figures refresh, {label}: {time.monotonic() - started:.1f} s, {rows:,} rows")
    print(f"{'query':55} {'median ms':>9} {'p95 ms':>7}   ({args.runs} runs, 2 cores, PostgreSQL 15 on loopback)")
    for name, (query, variables) in QUERIES.items():
        times = sorted(timed(client, token, query, variables, args.runs))
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"{name:55} {statistics.median(times):9.1f} {p95:7.1f}")


if __name__ == "__main__":
    main()
