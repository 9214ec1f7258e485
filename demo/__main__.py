"""``python -m demo`` (run it through scripts/demo): a generated shop, the real plugin, and a local web server.

What it does, in order: starts an embedded PostgreSQL in .demo/ (or uses
DATABASE_URL), creates Saleor's tables (the contract double the tests use) and
the plugin's, starts local stand-ins for the email provider (Postmark's API)
and Twilio, enables the plugin with a shop's configuration, replays a few weeks
of a shop through Saleor's plugin hooks on a simulated clock (see demo/shop.py),
prints the funnel and KPIs from the plugin's GraphQL API, and serves the API's
explorer, the staff report and the outbox until stopped with Ctrl+C.

Without CELERY_BROKER_URL the plugin's Celery tasks run inside this process;
with it (e.g. redis://127.0.0.1:6379/0) they go through that broker to a
``celery worker`` this command starts and stops.
"""

import argparse
import html
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import warnings
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("DEMO_STATE_DIR") or ROOT / ".demo")  # the embedded database, clock, token, worker log
OWNER = "owner@demo.example"
CONFIGURATION = {
    "default_sender": "Bottega Demo <ciao@bottega.example>",
    "email_esp": "postmark", "email_api_key": "demo-server-token",
    "twilio_account_sid": "AC" + "0" * 32, "twilio_sms_from": "+390212345678",
    "welcome_enabled": "true", "abandoned_cart_voucher": "TORNA10", "win_back_voucher": "BENTORNATO15",
    "review_alert_email": "staff@bottega.example",
    # The survey goes sooner than the default 21 days, so three replayed weeks show its answers.
    "nps_survey_enabled": "true", "nps_survey_delay": "4d",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=300, help="customers of the generated shop (default 300)")
    parser.add_argument("--days", type=int, default=21, help="days replayed, ending now (default 21)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8000, help="web server port (default 8000; the next free one if taken)")
    parser.add_argument("--no-serve", action="store_true", help="print the figures and stop, without the web server")
    args = parser.parse_args()
    if not 20 <= args.customers <= 5000 or not 1 <= args.days <= 60:
        parser.error("--customers must be 20-5000 and --days 1-60")

    sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo.settings"
    STATE.mkdir(exist_ok=True)
    keys = _keys()
    os.environ["DEMO_SECRET_KEY"] = keys["secret_key"]
    os.environ["DEMO_CLOCK_FILE"] = str(STATE / "clock")
    (STATE / "clock").unlink(missing_ok=True)
    port = _free_port(args.port)
    started = time.monotonic()
    # SIGTERM (a container stop, a service manager, `kill`) and a closed terminal end the demo as Ctrl+C does:
    # through the stack below, which stops what the demo started.
    for stop in STOP_SIGNALS:
        signal.signal(stop, _interrupt)
    try:
        _run(args, keys, port, started)
    except KeyboardInterrupt:
        print("\nstopped", flush=True)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, frame: Any) -> None:
    """End the demo; a second signal while it stops what it started is ignored, so the stopping finishes."""
    for stop in STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)
    raise KeyboardInterrupt


def _run(args: argparse.Namespace, keys: dict[str, str], port: int, started: float) -> None:
    with ExitStack() as stack:
        print("==> database")
        embedded = _database(stack)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", "--run-syncdb", verbosity=0)  # the contract double has no migrations
        print("==> local email and SMS sinks, plugin configuration")
        from tests.peers import postmark_answer, serve, twilio_answer

        from . import web

        sinks = argparse.Namespace(email=stack.enter_context(serve(postmark_answer)),
                                   twilio=stack.enter_context(serve(twilio_answer)))
        web.STATE["sinks"] = sinks
        base = f"http://127.0.0.1:{port}"
        manager, password = _configure(sinks, base, keys)
        deliver = _in_process if not os.environ.get("CELERY_BROKER_URL") else _worker(stack)
        tally = _replay(manager, sinks, args, deliver, keys)
        _report(tally, base, password, started, serving=not args.no_serve)
        if not args.no_serve:
            _serve(port, base, embedded)


def _keys() -> dict[str, str]:
    """Return this demo's own secrets, made on its first run and kept in .demo/keys.json (readable by you only).

    They are Django's SECRET_KEY (which signs the unsubscribe and review links), the tracking webhook's secret and
    the Twilio auth token. Nothing in the repository can forge this demo's links or callbacks.
    """
    path = STATE / "keys.json"
    try:
        keys = json.loads(path.read_text())
        if isinstance(keys, dict) and all(isinstance(keys.get(k), str) and len(keys[k]) >= 32 for k in KEYS):
            return keys
    except (OSError, ValueError):
        pass
    keys = {k: secrets.token_urlsafe(48) for k in KEYS}
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(json.dumps(keys))
    return keys


KEYS = ("secret_key", "esp_webhook_password", "twilio_auth_token")


def _free_port(wanted: int) -> int:
    for port in range(wanted, wanted + 50):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port from {wanted} to {wanted + 49}; pass --port")


def _database(stack: ExitStack) -> bool:
    """DATABASE_URL, else an embedded PostgreSQL in .demo/pgdata (True); the demo's database is made afresh."""
    import psycopg

    url = os.environ.get("DATABASE_URL")
    embedded = not url
    if embedded:
        warnings.filterwarnings("ignore", module="platformdirs")  # it falls back to /tmp without XDG_RUNTIME_DIR
        import pgserver

        # The demo stops its server itself: pgserver's own count of the processes using it keeps the pid of any
        # run that was killed, and then never stops the server again.
        server = pgserver.get_server(STATE / "pgdata", cleanup_mode=None)
        stack.callback(_stop_embedded, server)
        parts = urlsplit(server.get_uri())
        url = urlunsplit(parts._replace(path="/journey_demo"))
        os.environ["DATABASE_URL"] = url
        print(f"    embedded PostgreSQL in {STATE / 'pgdata'} (set DATABASE_URL to use your own)")
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not name.startswith("journey_demo"):
            raise SystemExit(f"database {name!r} exists; the demo only recreates databases named journey_demo*")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"    database {name} created")
    return embedded


def _stop_embedded(server: Any) -> None:
    """Stop the embedded PostgreSQL (whoever started it: a killed run leaves its server to the next one)."""
    import pgserver

    server.cleanup()
    if (server.pgdata / "postmaster.pid").exists():
        pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
    (server.pgdata / ".handle_pids.json").unlink(missing_ok=True)
    print(f"    embedded PostgreSQL in {server.pgdata} stopped", flush=True)


def _configure(sinks: Any, base: str, keys: dict[str, str]) -> tuple[Any, str]:
    """Enable the plugin as a shop owner would in the Dashboard, and create that owner's staff account."""
    from saleor.account.models import User
    from saleor.channel.models import Channel
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.plugins import runtime
    from saleor_journey.routes import PLUGIN_ID

    Channel.objects.create(slug="it", name="Italia", currency_code="EUR")
    values = {
        **CONFIGURATION, "public_base_url": base, "email_api_url": sinks.email.url, "twilio_api_url": sinks.twilio.url,
        "email_webhook_secret": f"esp:{keys['esp_webhook_password']}", "twilio_auth_token": keys["twilio_auth_token"],
        "channel_settings": (
            '{"it": {"sender_name": "Bottega Demo", "sender_email": "ciao@bottega.example", "language": "it",'
            ' "timezone": "Europe/Rome", "country": "IT", "storefront_url": "https://bottega.example/cart",'
            ' "product_url": "https://bottega.example/p/{slug}"}}'
        ),
    }
    get_plugins_manager(allow_replica=False).save_plugin_configuration(
        PLUGIN_ID, None, {"active": True, "configuration": [{"name": k, "value": v} for k, v in values.items()]}
    )
    runtime.forget()
    password = secrets.token_urlsafe(9)
    owner = User(email=OWNER, is_staff=True, granted_permissions=[
        "account.manage_users", "order.manage_orders", "product.manage_products"])
    owner.set_password(password)
    owner.save()
    return get_plugins_manager(allow_replica=False), password


def _in_process(now: Any) -> None:
    """Run the beat sweep, with its send tasks executed right here (Celery eager): what a worker would do this hour."""
    from saleor_journey.tasks.dispatch import dispatch_due_messages

    dispatch_due_messages.delay()


def _worker(stack: ExitStack) -> Any:
    """Start a Celery worker on CELERY_BROKER_URL; each hour publish the sweep and wait for the hour's sends."""
    from saleor_journey.models import ScheduledMessage
    from saleor_journey.tasks.dispatch import dispatch_due_messages

    log = open(STATE / "worker.log", "w")  # noqa: SIM115 - closed by the stack
    stack.callback(log.close)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "contract")])}
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "saleor.celeryconf:app", "worker", "--pool=solo",
                               "--loglevel=INFO"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    stack.callback(lambda: (worker.terminate(), worker.wait(timeout=15)))
    print(f"    Celery worker started on {os.environ['CELERY_BROKER_URL']} (log: {STATE / 'worker.log'})")

    def deliver(now: Any) -> None:
        dispatch_due_messages.delay()
        deadline = time.monotonic() + 60
        while ScheduledMessage.objects.filter(state__in=["pending", "sending"], due_at__lte=now).exists():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"the Celery worker did not send this hour's messages; see {STATE / 'worker.log'}")
            time.sleep(0.05)

    return deliver


def _replay(manager: Any, sinks: Any, args: Any, deliver: Any, keys: dict[str, str]) -> Any:
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from . import clock
    from .shop import Shop

    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=args.days)
    clock.set_now(start)
    shop = Shop(manager, Client(), random.Random(args.seed), args.customers, start, consent_key="journey.consent",
                esp_webhook_auth=f"esp:{keys['esp_webhook_password']}", twilio_auth_token=keys["twilio_auth_token"])
    shop.history()
    print(f"==> the shop installs the plugin: backfill of {len(shop.users)} customers and their orders")
    call_command("journey_backfill", "--no-progress", stdout=open(os.devnull, "w"))  # noqa: SIM115
    shop.consent_known()
    print(f"==> replaying {args.days} days of {args.customers} customers (a simulated clock, hour by hour)")
    tally = shop.replay(args.days, args.customers, sinks, deliver)
    clock.set_now(None)
    return tally


def _report(tally: Any, base: str, password: str, started: float, serving: bool) -> None:
    from django.test import Client
    from saleor.account.models import User
    from saleor.core.jwt import create_access_token

    from saleor_journey.tasks.figures import refresh_journey_figures

    from . import web

    refresh_journey_figures.delay()
    token = create_access_token(User.objects.get(email=OWNER), ttl=timedelta(hours=12))
    answer = Client().post("/plugins/global/saleor.journey/graphql/", {"query": SUMMARY}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}").json()["data"]
    print(f"\n==> done in {time.monotonic() - started:.0f} s: " + ", ".join(f"{n} {what}" for what, n in tally.counts.items()))
    funnel = answer["journeyFunnel"]
    print("\nFunnel (customers now / reached in the last 30 days):")
    for stage in funnel["stages"]:
        print(f"  {stage['stage'].lower():14} {stage['customers']:>5} / {stage['reached']:>5}")
    print(f"  {'lapsed':14} {funnel['lapsed']:>5}")
    m = answer["journeyMetrics"]
    revenue = ", ".join(f"{r['amount']} {r['currency']}" for r in m["recoveredRevenue"]) or "0"
    print("\nKPIs (last 30 days):")
    print(f"  abandoned carts {m['abandonedCarts']}, reminders sent {m['remindersSent']}, recovered {m['cartsRecovered']}"
          f" ({_pct(m['recoveryRate'])}), recovered revenue {revenue}")
    n = m["nps"]
    print(f"  NPS {n['score']} from {n['answers']} answers to {n['surveysSent']} surveys ({_pct(n['responseRate'])}):"
          f" promoters {n['promoters']}, passives {n['passives']}, detractors {n['detractors']}")
    reasons = ", ".join(f"{r['reason'].lower()} {r['answers']}" for r in sorted(m["cartReasons"], key=lambda r: -r["answers"]))
    print(f"  carts with an item {m['cartsWithItems']}, abandoned {m['abandonedCheckouts']}"
          f" (abandonment rate {_pct(m['abandonmentRate'])}); why, from {m['cartReasonsGiven']} answers: {reasons}")
    print(f"  review requests {m['reviewRequestsSent']}, reviews {m['reviewsReceived']} ({_pct(m['reviewRate'])}),"
          f" average rating {m['averageRating']}")
    for flow in m["flows"]:
        print(f"  {flow['flow']:15} started {flow['triggered']:>4}  sent {flow['sent']:>4}  suppressed {flow['suppressed']:>3}"
              f"  cancelled {flow['cancelled']:>4}  converted {flow['converted']:>3}")
    for channel in m["delivery"]:
        print(f"  {channel['channel']:8} sent {channel['sent']:>4}  delivered {channel['delivered']:>4}"
              f"  opened {channel['opened']:>4}  clicked {channel['clicked']:>3}  bounced {channel['bounced']:>3}"
              f"  failed {channel['failed']:>3}")
    # The password and token are shown in the terminal only: this page is open to anyone who reaches the port.
    web.STATE["index"] = {
        "Staff report": f"<a href='/plugins/global/saleor.journey/report/'>{base}/plugins/global/saleor.journey/report/</a>"
                        f" (sign in as <code>{OWNER}</code> with the password the demo printed in its terminal)",
        "GraphQL explorer": f"<a href='/plugins/global/saleor.journey/graphql/'>{base}/plugins/global/saleor.journey/graphql/</a>"
                            f" (paste the staff token from <code>{html.escape(str(STATE / 'staff-token.txt'))}</code>)",
        "Outbox": f"<a href='/outbox/'>{base}/outbox/</a>: every email and text the shop sent",
    }
    token_file = STATE / "staff-token.txt"
    token_file.touch(mode=0o600)
    token_file.chmod(0o600)
    token_file.write_text(token + "\n")
    if not serving:
        print("\nNot serving (--no-serve): run without it to browse the report, the GraphQL explorer and the outbox.")
        return
    print(f"""
Open in a browser:
  {base}/                                        this demo's index
  {base}/plugins/global/saleor.journey/report/   staff report (sign in: {OWNER} / {password})
  {base}/plugins/global/saleor.journey/graphql/  GraphQL explorer (staff token in {STATE / 'staff-token.txt'})
  {base}/outbox/                                  emails and texts the shop sent""")


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _serve(port: int, base: str, embedded: bool) -> None:
    from django.core.servers.basehttp import (
        WSGIServer,
        get_internal_wsgi_application,
        run,
    )

    also = " (the embedded database stops with it)" if embedded else ""
    print(f"\nServing on {base} - press Ctrl+C to stop{also}.", flush=True)
    run("127.0.0.1", port, get_internal_wsgi_application(), threading=True, server_cls=WSGIServer)


SUMMARY = """{ journeyFunnel { stages { stage customers reached } lapsed }
  journeyMetrics { abandonedCarts remindersSent cartsRecovered recoveryRate recoveredRevenue { currency amount }
    cartsWithItems abandonedCheckouts abandonmentRate cartReasonsGiven cartReasons { reason answers }
    nps { score promoters passives detractors answers surveysSent responseRate }
    reviewRequestsSent reviewsReceived reviewRate averageRating
    flows { flow triggered sent suppressed cancelled converted }
    delivery { channel sent delivered opened clicked bounced failed } } }"""


if __name__ == "__main__":
    main()
