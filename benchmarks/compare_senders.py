"""Benchmark: the same emails through the same local ESP peer, by four senders, one after the other.

Usage (from the repository root, after scripts/test has made .venv; django-mailer comes with the
``bench`` extra: .venv/bin/pip install -e ".[test,bench]"):
    .venv/bin/python benchmarks/compare_senders.py [--messages 2000] [--rounds 1]

  (a) this plugin's dispatcher in one worker process: claims due messages in batches and sends them
      exactly once (the claim, the submit stamp, the answer), keeping the HTTP connection per claim;
  (b) django-mailer's database queue, ``send_all()`` (messages queued already rendered);
  (c) one Celery task per message that renders and sends it on a new connection (how Saleor's own
      email plugin sends), one ``celery worker --pool=solo``;
  (d) a plain loop that renders and sends on one reused connection, with no queue and no guarantee:
      the ceiling for this peer on this machine.

The peer is anymail's Postmark API stand-in (tests/peers.py) in its own process, answering at once.
Prints messages per second for each, our ratio to the faster of (b) and (c), and our ratio to (d).
Database: journey_bench_senders.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract")]
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.compare_settings"
os.environ["POSTGRES_DB"] = os.environ.get("BENCH_SENDERS_DB", "journey_bench_senders")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/11")


def start_peer() -> tuple[subprocess.Popen[str], str]:
    peer = subprocess.Popen([sys.executable, "-m", "tests.peers", "postmark"], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = peer.stdout.readline().strip() if peer.stdout else ""
    os.environ["PEER_URL"] = url
    return peer, url


def setup() -> None:
    import django
    import psycopg
    from django.core.management import call_command

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{os.environ["POSTGRES_DB"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{os.environ["POSTGRES_DB"]}"')
    django.setup()
    call_command("migrate", "--run-syncdb", verbosity=0)


def configure(url: str) -> None:
    from saleor.channel.models import Channel
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.plugins import runtime
    from saleor_journey.routes import PLUGIN_ID

    Channel.objects.get_or_create(slug="it", defaults={"name": "Italia", "currency_code": "EUR"})
    values = {"public_base_url": "https://api.shop.example.com", "email_esp": "postmark", "email_api_key": "bench-token",
              "email_api_url": url, "default_sender": "Bottega <shop@example.com>", "quiet_hours": "off"}
    get_plugins_manager(allow_replica=False).save_plugin_configuration(
        PLUGIN_ID, None, {"active": True, "configuration": [{"name": k, "value": v} for k, v in values.items()]})
    runtime.forget()


def ours(n: int, tag: str) -> float:
    """Run sender (a): schedule n messages due now, then time one process claiming and sending them all."""
    from django.utils import timezone

    from saleor_journey.models import ScheduledMessage
    from saleor_journey.services.outbox import MessageSpec, schedule
    from saleor_journey.tasks.dispatch import CLAIM_SIZE, worker_dispatcher

    now = timezone.now()
    for i in range(n):
        schedule(MessageSpec(flow="notice", step="message", subject_key=f"{tag}{i}", channel="email",
                             recipient=f"{tag}{i}@example.com", due_at=now, channel_slug="it", language="it",
                             marketing=False, context={"headline": "Ciao", "body": f"Messaggio {i}"}))
    started = time.perf_counter()
    sent = 0
    while True:  # what one worker does with the sweep's claims, one send task after another
        dispatcher = worker_dispatcher()
        claim = dispatcher.claim(CLAIM_SIZE)
        if not claim.ids:
            break
        sent += dispatcher.deliver(claim).sent
    elapsed = time.perf_counter() - started
    assert sent == n, sent
    assert ScheduledMessage.objects.filter(state="sent").count() >= n, sent
    return n / elapsed


def django_mailer(n: int, tag: str) -> float:
    """(b) Queue n rendered messages with django-mailer, then time send_all()."""
    from mailer import send_html_mail
    from mailer.engine import send_all
    from mailer.models import Message

    from saleor_journey.delivery import rendering

    for i in range(n):
        rendered = rendering.render("notice", "message", {"headline": "Ciao", "body": f"Messaggio {i}",
                                                          "shop_name": "Bottega"}, ["it"], None)
        send_html_mail(rendered.subject, rendered.text, rendered.html, "shop@example.com", [f"{tag}{i}@example.com"])
    started = time.perf_counter()
    send_all()
    elapsed = time.perf_counter() - started
    assert not Message.objects.exists(), "django-mailer left messages in its queue"
    return n / elapsed


def celery_per_message(n: int, tag: str) -> float:
    """(c) Publish one task per message; time one solo worker rendering and sending them all."""
    import redis
    from saleor.celeryconf import app

    from benchmarks.sender_tasks import COUNTER, send_one
    from tests.worker import celery_env

    store = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    app.control.purge()
    store.delete(COUNTER)
    for i in range(n):
        send_one.delay(f"{tag}{i}@example.com", i)
    env = {**celery_env(), "DJANGO_SETTINGS_MODULE": "benchmarks.compare_settings", "PEER_URL": os.environ["PEER_URL"]}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "saleor.celeryconf:app", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--include", "benchmarks.sender_tasks"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while int(store.get(COUNTER) or 0) == 0:  # the clock starts with the worker's first send
            if worker.poll() is not None:
                raise RuntimeError("the Celery worker exited")
            time.sleep(0.01)
        started = time.perf_counter()
        first = int(store.get(COUNTER) or 0)
        while int(store.get(COUNTER) or 0) < n:
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return (n - first) / elapsed


def plain_loop(n: int, tag: str) -> float:
    """(d) Render and send each message on one reused connection; nothing recorded, nothing guaranteed."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    from saleor_journey.delivery import rendering

    connection = get_connection("anymail.backends.postmark.EmailBackend", server_token="bench-token",
                                api_url=os.environ["PEER_URL"])
    connection.open()
    started = time.perf_counter()
    for i in range(n):
        rendered = rendering.render("notice", "message", {"headline": "Ciao", "body": f"Messaggio {i}",
                                                          "shop_name": "Bottega"}, ["it"], None)
        message = EmailMultiAlternatives(rendered.subject, rendered.text, "shop@example.com",
                                         [f"{tag}{i}@example.com"], connection=connection)
        message.attach_alternative(rendered.html, "text/html")
        message.send()
    elapsed = time.perf_counter() - started
    connection.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1, help="run every sender this many times; medians are printed")
    parser.add_argument("--senders", default="abcd", help="which senders to run, e.g. ad (ratios need b, c and d)")
    args = parser.parse_args()
    peer, url = start_peer()
    try:
        setup()
        configure(url)
        import logging
        import statistics

        logging.getLogger("saleor_journey").setLevel(logging.WARNING)
        senders = {"a": ("this dispatcher, 1 worker process", ours),
                   "b": ("django-mailer send_all", django_mailer),
                   "c": ("Celery task per message, 1 solo worker", celery_per_message),
                   "d": ("plain loop, one connection, no queue", plain_loop)}
        senders = {k: v for k, v in senders.items() if k in args.senders}
        rates: dict[str, list[float]] = {k: [] for k in senders}
        for round_ in range(args.rounds):
            for key, (_label, run) in senders.items():
                rates[key].append(run(args.messages, f"r{round_}{key}-"))
        median = {k: statistics.median(v) for k, v in rates.items()}
        print(f"machine: {os.cpu_count()} cores; {args.messages} emails per sender, {args.rounds} round(s); "
              f"Postmark API peer in its own process on 127.0.0.1")
        for key, (label, _run) in senders.items():
            print(f"({key}) {label:42} {median[key]:7.0f} msg/s")
        if {"a", "b", "c"} <= median.keys():
            best_queue = max(median["b"], median["c"])
            print(f"ours / fastest of (b),(c): {median['a'] / best_queue:.2f}  (goal >= 2)")
        if {"a", "d"} <= median.keys():
            print(f"ours / plain loop (d):     {median['a'] / median['d']:.2f}  (goal >= 0.7)")
    finally:
        peer.terminate()
        peer.wait(timeout=10)


if __name__ == "__main__":
    main()
