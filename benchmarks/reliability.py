"""Reliability figures for message delivery, with real Celery workers, beat, Redis and PostgreSQL.

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/reliability.py                 # all scenarios, full sizes
    .venv/bin/python benchmarks/reliability.py --quick         # smaller sizes
    .venv/bin/python benchmarks/reliability.py --only kill,replay

Scenarios (each prints one line of figures):
  kill     N messages due over a few minutes, a worker SIGKILLed every few seconds:
           lost, duplicates, and the unknown window (provider called, outcome not recorded).
  flush    the broker's Redis database flushed mid-run: lost, and time to recover.
  clock    reminders 2 h to 7 d ahead, a fake clock stepping through them: each sent once,
           and the longest ETA/countdown on any published task.
  trigger  the same trigger fired 2-5 times concurrently, many trials: rows and sends per trial.
  optout   opt-outs arriving while messages are pending: submits after the opt-out was recorded.
  forged   forged and replayed callbacks: state changes from forged ones, replays processed once.

The ESP is a local HTTP peer on 127.0.0.1 (tests/peers.py). Database: journey_reliability.
"""

import argparse
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract")]
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["POSTGRES_DB"] = os.environ.get("RELIABILITY_DB", "journey_reliability")
SWEEP, LEASE = 2.0, 10.0
os.environ["JOURNEY_SWEEP_SECONDS"] = str(SWEEP)
os.environ["JOURNEY_LEASE_SECONDS"] = str(LEASE)
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")

import psycopg  # noqa: E402


def setup() -> None:
    import django
    from django.core.management import call_command

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{os.environ["POSTGRES_DB"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{os.environ["POSTGRES_DB"]}"')
    django.setup()
    from django.conf import settings

    settings.JOURNEY_LEASE_SECONDS = LEASE
    call_command("migrate", "--run-syncdb", verbosity=0)


def reset(peer: Any) -> None:
    from saleor_journey.models import Consent, DeliveryEvent, ScheduledMessage, Suppression

    DeliveryEvent.objects.all().delete()
    ScheduledMessage.objects.all().delete()
    Suppression.objects.all().delete()
    Consent.objects.all().delete()
    with peer.lock:
        peer.received.clear()
        peer.plan.clear()
    import redis

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()


def configure(peer: Any, **extra: str) -> Any:
    from saleor.channel.models import Channel
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.plugins import runtime
    from saleor_journey.routes import PLUGIN_ID

    Channel.objects.get_or_create(slug="it", defaults={"name": "Italia", "currency_code": "EUR"})
    config = {
        "public_base_url": "https://api.shop.example.com", "email_esp": "postmark", "email_api_key": "token",
        "email_api_url": peer.url, "email_webhook_secret": "esp:secret", "quiet_hours": "off",
        "frequency_cap_count": "0", "twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": "tw-token",
        "twilio_sms_from": "+390212345678", **extra,
    }
    get_plugins_manager(allow_replica=False).save_plugin_configuration(
        PLUGIN_ID, None, {"active": True, "configuration": [{"name": k, "value": v} for k, v in config.items()]}
    )
    runtime.forget()
    return runtime.active_settings()


def schedule_many(n: int, spread: float, prefix: str, marketing: bool = False) -> None:
    from django.utils import timezone

    from saleor_journey.delivery.outbox import MessageSpec, schedule

    start = timezone.now()
    for i in range(n):
        schedule(MessageSpec(
            flow="notice", step="message", subject_key=f"{prefix}{i}", channel="email",
            recipient=f"{prefix}{i}@example.com", due_at=start + timedelta(seconds=spread * i / max(n, 1)),
            channel_slug="it", marketing=marketing, context={"headline": "Ciao", "body": "x"},
        ))


def peer_counts(peer: Any) -> Counter[str]:
    with peer.lock:
        return Counter(r.body.get("Metadata", {}).get("journey_message_id", "?") for r in peer.received)


def wait_settled(timeout: float) -> bool:
    from saleor_journey.models import ScheduledMessage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not ScheduledMessage.objects.filter(state__in=["pending", "deferred", "sending"]).exists():
            return True
        time.sleep(0.5)
    return False


def outcome(peer: Any) -> dict[str, Any]:
    from saleor_journey.models import ScheduledMessage

    states = Counter(ScheduledMessage.objects.values_list("state", flat=True))
    received = peer_counts(peer)
    unknown_ids = {str(i) for i in ScheduledMessage.objects.filter(state="unknown").values_list("pk", flat=True)}
    duplicates = {mid: c for mid, c in received.items() if c > 1}
    all_ids = {str(i) for i in ScheduledMessage.objects.values_list("pk", flat=True)}
    lost = [mid for mid in all_ids if mid not in received and mid not in unknown_ids]
    return {
        "states": dict(states), "lost": len(lost), "duplicates": len(duplicates),
        "duplicates_outside_unknown": len(set(duplicates) - unknown_ids),
        "unknown": len(unknown_ids), "unknown_received_by_provider": len(unknown_ids & set(received)),
    }


def scenario_kill(peer: Any, n: int, spread: float) -> str:
    from tests.worker import celery_beat, start_celery, stop

    reset(peer)
    schedule_many(n, spread, "k")
    workers = [start_celery("worker", "--pool=solo", "--without-gossip", "--without-mingle")[0] for _ in range(2)]
    kills = 0
    with celery_beat(sweep_seconds=SWEEP):
        deadline = time.monotonic() + spread + 5
        while time.monotonic() < deadline:
            time.sleep(random.uniform(3, 6))
            victim = random.randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            kills += 1
            workers[victim] = start_celery("worker", "--pool=solo", "--without-gossip", "--without-mingle")[0]
        settled = wait_settled(LEASE * 3 + 60)
    for w in workers:
        stop(w)
    o = outcome(peer)
    return (f"kill: {n} messages over {spread:.0f} s, {kills} SIGKILLs of 2 workers: settled={settled} lost={o['lost']} "
            f"duplicates={o['duplicates']} (outside the unknown window: {o['duplicates_outside_unknown']}) "
            f"unknown={o['unknown']} (of which the provider had received {o['unknown_received_by_provider']}) "
            f"states={o['states']}")


def scenario_flush(peer: Any, n: int) -> str:
    import redis

    from tests.worker import celery_beat, celery_worker

    reset(peer)
    peer.delay = 0.005  # a provider that takes 5 ms, so the queue is busy when the broker is flushed
    schedule_many(n, 0, "f")
    with celery_worker(), celery_beat(sweep_seconds=SWEEP):
        while peer.count < n // 4:
            time.sleep(0.05)
        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
        flushed_at, at_flush = time.monotonic(), peer.count
        settled = wait_settled(LEASE * 3 + 60)
        recovered = time.monotonic() - flushed_at
    peer.delay = 0.0
    o = outcome(peer)
    return (f"flush: {n} messages, broker flushed after {at_flush} sends: settled={settled} lost={o['lost']} "
            f"duplicates={o['duplicates']} all sent {recovered:.1f} s after the flush "
            f"(bound: lease {LEASE:.0f} s + sweep {SWEEP:.0f} s + sending time)")


def scenario_clock(peer: Any, n: int) -> str:
    from celery.signals import before_task_publish
    from django.utils import timezone

    from saleor_journey.delivery.outbox import MessageSpec, schedule
    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.models import ScheduledMessage
    from saleor_journey.plugins import runtime
    from saleor_journey.tasks import dispatch

    from tests.worker import celery_worker

    reset(peer)
    start = timezone.now()
    for i in range(n):
        delay = timedelta(hours=2) + timedelta(seconds=random.uniform(0, (timedelta(days=7) - timedelta(hours=2)).total_seconds()))
        schedule(MessageSpec(flow="notice", step="message", subject_key=f"r{i}", channel="email",
                             recipient=f"r{i}@example.com", due_at=start + delay, channel_slug="it", marketing=False,
                             context={"headline": "Promemoria", "body": "x"}))
    longest_eta: list[float] = [0.0]

    def watch(sender: Any = None, headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        eta = (headers or {}).get("eta")
        if eta:
            from datetime import datetime

            longest_eta[0] = max(longest_eta[0], (datetime.fromisoformat(eta) - timezone.now()).total_seconds())

    settings = runtime.active_settings()
    fake = [start]
    # The sweep runs here on a fake clock that steps an hour at a time; the real worker sends.
    sweeper = Dispatcher(settings, build_channels(settings.delivery), clock=lambda: fake[0])
    before_task_publish.connect(watch)
    try:
        with celery_worker():
            while fake[0] < start + timedelta(days=7, hours=1):
                fake[0] += timedelta(hours=1)
                while True:
                    claim = sweeper.claim(dispatch.CLAIM_SIZE)
                    if not claim.ids:
                        break
                    dispatch.send_messages.delay(claim.ids, str(claim.token))
            deadline = time.monotonic() + 60
            while ScheduledMessage.objects.exclude(state="sent").exists() and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        before_task_publish.disconnect(watch)
    received = peer_counts(peer)
    once = sum(1 for c in received.values() if c == 1)
    return (f"clock: {n} reminders due 2 h-7 d ahead, clock stepped hourly: sent exactly once {once}/{n}, "
            f"more than once {sum(1 for c in received.values() if c > 1)}, never {n - len(received)}; "
            f"longest ETA on a published task: {longest_eta[0]:.0f} s")


def scenario_trigger(peer: Any, trials: int) -> str:
    from django.db import connection
    from django.utils import timezone

    from saleor_journey.delivery.outbox import MessageSpec, schedule
    from saleor_journey.models import ScheduledMessage
    from saleor_journey.plugins import runtime
    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher

    reset(peer)
    inserted_per_trial: list[int] = []
    for trial in range(trials):
        fires = random.randint(2, 5)
        barrier = threading.Barrier(fires)
        results: list[bool] = []
        spec = MessageSpec(flow="notice", step="message", subject_key=f"t{trial}", channel="email",
                           recipient=f"t{trial}@example.com", due_at=timezone.now(), channel_slug="it",
                           marketing=False, context={"headline": "x", "body": "y"})

        def fire() -> None:
            barrier.wait()
            results.append(schedule(spec))
            connection.close()

        threads = [threading.Thread(target=fire) for _ in range(fires)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        inserted_per_trial.append(sum(results))
    settings = runtime.active_settings()
    dispatcher = Dispatcher(settings, build_channels(settings.delivery))
    while True:
        claim = dispatcher.claim(100)
        if not claim.ids:
            break
        dispatcher.deliver(claim)
    rows = Counter(ScheduledMessage.objects.values_list("subject_key", flat=True))
    sends = peer_counts(peer)
    return (f"trigger: {trials} trials of 2-5 concurrent fires: trials with exactly one row {sum(1 for c in rows.values() if c == 1)}/{trials}, "
            f"inserts reported per trial {Counter(inserted_per_trial)}, trials sent exactly once {sum(1 for c in sends.values() if c == 1)}/{trials}")


def scenario_optout(peer: Any, n: int, spread: float) -> str:
    from saleor_journey.delivery import preferences
    from saleor_journey.delivery.addresses import address_hash
    from saleor_journey.models import ScheduledMessage, Suppression

    from tests.worker import celery_beat, celery_worker

    reset(peer)
    schedule_many(n, spread, "o", marketing=False)
    targets = random.sample(range(n), n // 2)
    with celery_worker(), celery_beat(sweep_seconds=SWEEP):
        for i in targets:
            time.sleep(spread / len(targets))
            preferences.suppress("email", f"o{i}@example.com", reason="unsubscribed", source="reliability")
        wait_settled(LEASE * 3 + 60)
    late = 0
    for message in ScheduledMessage.objects.filter(submitting_at__isnull=False):
        row = Suppression.objects.filter(channel="email", address_hash=address_hash("email", message.recipient)).first()
        if row is not None and message.submitting_at > row.created_at:
            late += 1
    states = Counter(ScheduledMessage.objects.values_list("state", flat=True))
    return (f"optout: {n} messages over {spread:.0f} s, {len(targets)} recipients opted out meanwhile: "
            f"submitted after the opt-out was recorded {late}; states {dict(states)}")


def scenario_forged(peer: Any, n: int) -> str:
    import base64
    import json

    from django.test import Client
    from twilio.request_validator import RequestValidator

    from saleor_journey.delivery.tokens import unsubscribe_token
    from saleor_journey.models import Consent, DeliveryEvent, ScheduledMessage, Suppression

    reset(peer)
    schedule_many(50, 0, "c", marketing=True)
    ids = list(ScheduledMessage.objects.values_list("pk", flat=True))
    for pk in ids:
        ScheduledMessage.objects.filter(pk=pk).update(state="sent", provider_message_id=f"SM{pk}")
    client = Client()
    base = "/plugins/global/saleor.journey"
    public = "https://api.shop.example.com/plugins/global/saleor.journey"

    def snapshot() -> tuple[int, ...]:
        return (Suppression.objects.count(), Consent.objects.count(), DeliveryEvent.objects.count(),
                ScheduledMessage.objects.exclude(state="sent").count())

    before = snapshot()
    refused = 0
    for i in range(n):
        kind = i % 3
        if kind == 0:
            r = client.post(f"{base}/unsubscribe/{unsubscribe_token(ids[i % len(ids)])}x/")
        elif kind == 1:
            params = {"MessageSid": f"SM{i}", "From": "+393331234567", "Body": "STOP"}
            r = client.post(f"{base}/twilio/inbound/", params, HTTP_X_TWILIO_SIGNATURE="forged" + str(i))
        else:
            auth = "Basic " + base64.b64encode(b"esp:wrong").decode()
            r = client.post(f"{base}/esp/tracking/", json.dumps({"RecordType": "Bounce", "ID": i, "MessageID": "m",
                            "Email": "c0@example.com", "BouncedAt": "2026-11-24T10:00:00Z", "Type": "HardBounce"}),
                            content_type="application/json", HTTP_AUTHORIZATION=auth)
        refused += r.status_code in (400, 403)
    forged_changes = snapshot() != before
    validator = RequestValidator("tw-token")
    for i in range(n):
        sid = f"SM{ids[i % len(ids)]}"
        params = {"MessageSid": sid, "MessageStatus": "delivered"}
        client.post(f"{base}/twilio/status/", params,
                    HTTP_X_TWILIO_SIGNATURE=validator.compute_signature(f"{public}/twilio/status/", params))
    delivered = DeliveryEvent.objects.filter(kind="delivered").count()
    return (f"forged: {n} forged callbacks refused {refused}/{n}, state changed by them: {forged_changes}; "
            f"{n} replays of {len(ids)} distinct status callbacks recorded {delivered} events (one each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="kill,flush,clock,trigger,optout,forged")
    args = parser.parse_args()
    quick = args.quick
    setup()
    import logging

    logging.getLogger("saleor_journey").setLevel(logging.WARNING)
    from tests.peers import postmark_answer, serve

    print(f"machine: {os.cpu_count()} cores; lease {LEASE:.0f} s, sweep {SWEEP:.0f} s; broker {os.environ['CELERY_BROKER_URL']}")
    with serve(postmark_answer) as peer:
        configure(peer)
        runs = {
            "kill": lambda: scenario_kill(peer, 2000 if quick else 10000, 30 if quick else 150),
            "flush": lambda: scenario_flush(peer, 1000 if quick else 3000),
            "clock": lambda: scenario_clock(peer, 200 if quick else 1000),
            "trigger": lambda: scenario_trigger(peer, 200 if quick else 1000),
            "optout": lambda: scenario_optout(peer, 200 if quick else 1000, 10 if quick else 30),
            "forged": lambda: scenario_forged(peer, 300 if quick else 1000),
        }
        for name in args.only.split(","):
            started = time.monotonic()
            print(runs[name](), f"[{time.monotonic() - started:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
