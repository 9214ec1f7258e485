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
  recipient  checkouts whose email or phone changes between reminders (some claimed just before): sends to
           an address the customer replaced.
  reentry  carts abandoned again after their sequence ended, before and after the cool-down: second
           sequences wrongly started or missing.
  flood    5,000 imported old orders, then lapse_days 180 -> 90, backlog served at 50 an hour: messages
           sent in the next hour beyond that ceiling (and any from the imports themselves).
  consent  customers who refused after opting in through metadata, then updated their account (same
           metadata): marketing sent after the refusal.
  redelivery  every send task delivered twice at once: duplicate sends.
  cap      20 workers claiming marketing for one person at the same moment, many trials: trials over the cap.
Each of the last six ends in ``violations=N``.

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

    from saleor_journey.services.outbox import MessageSpec, schedule

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

    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.models import ScheduledMessage
    from saleor_journey.plugins import runtime
    from saleor_journey.services.outbox import MessageSpec, schedule
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
    twice, never = sum(1 for c in received.values() if c > 1), n - len(received)
    return (f"clock: {n} reminders due 2 h-7 d ahead, clock stepped hourly: sent exactly once {once}/{n}, "
            f"more than once {twice}, never {never}; longest ETA on a published task: {longest_eta[0]:.0f} s, "
            f"violations={twice + never + int(longest_eta[0] > 0)}")


def scenario_trigger(peer: Any, trials: int) -> str:
    from django.db import connection
    from django.utils import timezone

    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.models import ScheduledMessage
    from saleor_journey.plugins import runtime
    from saleor_journey.services.outbox import MessageSpec, schedule

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
    one_row = sum(1 for c in rows.values() if c == 1)
    sent_once = sum(1 for c in sends.values() if c == 1)
    return (f"trigger: {trials} trials of 2-5 concurrent fires: trials with exactly one row {one_row}/{trials}, "
            f"inserts reported per trial {Counter(inserted_per_trial)}, trials sent exactly once {sent_once}/{trials}, "
            f"violations={2 * trials - one_row - sent_once}")


def scenario_optout(peer: Any, n: int, spread: float) -> str:
    from saleor_journey.delivery import preferences
    from saleor_journey.delivery.addresses import address_hash
    from saleor_journey.models import ScheduledMessage, Suppression
    from tests.worker import celery_beat, celery_worker

    reset(peer)
    schedule_many(n, spread, "o", marketing=True)  # an unsubscribe stops marketing (service messages still go)
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
            f"submitted after the opt-out was recorded {late}; states {dict(states)}, violations={late}")


def scenario_forged(peer: Any, n: int) -> str:
    import base64
    import json

    from twilio.request_validator import RequestValidator

    from saleor_journey.delivery.tokens import unsubscribe_token
    from saleor_journey.models import Consent, DeliveryEvent, ScheduledMessage, Suppression
    from tests.browsing import FormClient  # forms posted urlencoded, as Twilio and browsers do

    reset(peer)
    schedule_many(50, 0, "c", marketing=True)
    ids = list(ScheduledMessage.objects.values_list("pk", flat=True))
    for pk in ids:
        ScheduledMessage.objects.filter(pk=pk).update(state="sent", provider_message_id=f"SM{pk}")
    client = FormClient()
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
    distinct = min(n, len(ids))
    violations = (n - refused) + int(forged_changes) + abs(delivered - distinct)
    return (f"forged: {n} forged callbacks refused {refused}/{n}, state changed by them: {forged_changes}; "
            f"{n} replays of {distinct} distinct status callbacks recorded {delivered} events (one each), "
            f"violations={violations}")


def _manager() -> Any:
    from saleor.plugins.manager import get_plugins_manager

    return get_plugins_manager(allow_replica=False)


def _variant() -> Any:
    from decimal import Decimal

    from saleor.channel.models import Channel
    from saleor.product.models import Product, ProductVariant, ProductVariantChannelListing
    from saleor.warehouse.models import Stock, Warehouse

    channel = Channel.objects.get(slug="it")
    n = random.randrange(10**9)
    variant = ProductVariant.objects.create(product=Product.objects.create(name="Caffè", slug=f"caffe-{n}"), sku=f"C{n}")
    ProductVariantChannelListing.objects.create(variant=variant, channel=channel, currency="EUR", price_amount=Decimal(9))
    Stock.objects.create(warehouse=Warehouse.objects.get_or_create(name="W")[0], product_variant=variant, quantity=10**6)
    return variant


def _checkout(email: str, phone: str | None, variant: Any, at: Any) -> Any:
    from saleor.account.models import Address
    from saleor.channel.models import Channel
    from saleor.checkout.models import Checkout, CheckoutLine

    address = Address.objects.create(phone=phone) if phone else None
    checkout = Checkout.objects.create(email=email, channel=Channel.objects.get(slug="it"), currency="EUR",
                                       billing_address=address)
    CheckoutLine.objects.create(checkout=checkout, variant=variant, quantity=1)
    Checkout.objects.filter(pk=checkout.pk).update(last_change=at)
    return Checkout.objects.select_related("channel").get(pk=checkout.pk)


def _send_due(at: Any, limit: int = 500) -> None:
    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.plugins import runtime

    settings = runtime.active_settings()
    dispatcher = Dispatcher(settings, build_channels(settings.delivery), clock=lambda: at)
    while True:
        claim = dispatcher.claim(limit)
        if not claim.ids:
            return
        dispatcher.deliver(claim)


def _sent_to(peer: Any) -> list[tuple[str, float]]:
    with peer.lock:
        return [(r.body.get("To", ""), r.at) for r in peer.received]


def scenario_recipient(peer: Any, n: int) -> str:
    """Each guest corrects the address after the first reminder; a tenth correct it while a reminder is claimed."""
    from django.utils import timezone

    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.plugins import runtime

    reset(peer)
    configure(peer, consent_metadata_key="journey.consent")
    manager, variant, start = _manager(), _variant(), timezone.now()
    checkouts = [_checkout(f"typo{i}@exmaple.com", None, variant, start) for i in range(n)]
    for checkout in checkouts:
        manager.checkout_created(checkout)
    _send_due(start + timedelta(hours=1, minutes=1))  # first reminders went to the typo
    changed_at = time.time()
    settings = runtime.active_settings()
    racing = Dispatcher(settings, build_channels(settings.delivery), clock=lambda: start + timedelta(hours=25))
    claim = racing.claim(n // 10)  # a worker holds some second reminders as the customers fix their address
    for i, checkout in enumerate(checkouts):
        checkout.email = f"fixed{i}@example.com"
        checkout.save()
        manager.checkout_updated(type(checkout).objects.select_related("channel").get(pk=checkout.pk))
    racing.deliver(claim)
    _send_due(start + timedelta(hours=80))
    late = [to for to, at in _sent_to(peer) if at > changed_at and to.startswith("typo")]
    fixed = sum(1 for to, at in _sent_to(peer) if to.startswith("fixed"))
    return (f"recipient: {n} carts whose address changed after the first reminder ({n // 10} claimed meanwhile): "
            f"sent to the corrected address {fixed}, to a replaced address violations={len(late)}")


def scenario_reentry(peer: Any, n: int) -> str:
    """Signed-in carts whose three reminders all went (the last at 72 h) are changed again.

    The change comes 2 days after the last reminder (too soon) or 8 days after it (a new sequence).
    """
    from django.utils import timezone
    from saleor.account.models import User
    from saleor.checkout.models import Checkout, CheckoutLine

    from saleor_journey.models import ScheduledMessage

    reset(peer)
    configure(peer)
    manager, variant, start = _manager(), _variant(), timezone.now()
    from saleor.channel.models import Channel

    channel = Channel.objects.get(slug="it")
    carts = []
    for i in range(n):
        user = User.objects.create(email=f"re{i}-{random.randrange(10**9)}@example.com")
        checkout = Checkout.objects.create(user=user, channel=channel, currency="EUR")
        CheckoutLine.objects.create(checkout=checkout, variant=variant, quantity=1)
        Checkout.objects.filter(pk=checkout.pk).update(last_change=start)
        carts.append(Checkout.objects.select_related("channel", "user").get(pk=checkout.pk))
        manager.checkout_created(carts[-1])
    _send_due(start + timedelta(hours=73))
    violations = 0
    for i, checkout in enumerate(carts):
        again = start + timedelta(hours=73) + timedelta(days=2 if i % 2 else 8)
        Checkout.objects.filter(pk=checkout.pk).update(last_change=again)
        manager.checkout_updated(Checkout.objects.select_related("channel", "user").get(pk=checkout.pk))
        second = ScheduledMessage.objects.filter(subject_key=f"checkout:{checkout.pk}:2").exists()
        violations += second != (i % 2 == 0)  # a new sequence after the cool-down, none before it
    started = ScheduledMessage.objects.filter(subject_key__endswith=":2").values("subject_key").distinct().count()
    return (f"reentry: {n} carts abandoned again ({n - n // 2} after the 7-day cool-down, {n // 2} before): "
            f"second sequences started {started}, violations={violations}")


def scenario_flood(peer: Any, n: int) -> str:
    """Have a shop import old orders, then lower the lapse threshold; the backlog is served at 50 an hour."""
    from django.utils import timezone
    from saleor.channel.models import Channel
    from saleor.order.models import Order

    from saleor_journey.models import ScheduledMessage
    from saleor_journey.tasks import settle_lapsed_journeys

    reset(peer)
    configure(peer, win_back_backlog_per_hour="50")
    manager, start = _manager(), timezone.now()
    channel = Channel.objects.get(slug="it")
    base = random.randrange(10**8)
    orders = Order.objects.bulk_create(
        Order(number=base + i, user_email=f"imp{base + i}@example.com", channel=channel, currency="EUR",
              origin="bulk_create", status="fulfilled", created_at=start - timedelta(days=random.uniform(95, 175)))
        for i in range(n))
    for order in orders:
        order.channel = channel
    manager.order_bulk_created(orders)
    settle_lapsed_journeys.run(limit=10**6)
    from_imports = ScheduledMessage.objects.count()
    configure(peer, win_back_backlog_per_hour="50", lapse_days="90")
    lapsed = settle_lapsed_journeys.run(limit=10**6)
    before = len(_sent_to(peer))
    _send_due(start + timedelta(hours=1))
    sent = len(_sent_to(peer)) - before
    over = max(0, sent - 50) + from_imports
    return (f"flood: {n} imported orders (95-175 days old), then lapse_days 180 -> 90: {lapsed} lapsed, "
            f"messages from the imports {from_imports}, sent in the next hour {sent} (ceiling 50), violations={over}")


def scenario_consent(peer: Any, n: int) -> str:
    """Opted in through metadata, refused through the unsubscribe link, then updated their account."""
    from django.utils import timezone
    from saleor.account.models import User

    from saleor_journey.delivery import preferences
    from saleor_journey.services.outbox import MessageSpec, schedule

    reset(peer)
    configure(peer, email_marketing_policy="opt_in")
    manager, start = _manager(), timezone.now()
    tag = random.randrange(10**9)
    refused = set()
    for i in range(n):
        user = User.objects.create(email=f"cs{tag}-{i}@example.com", metadata={"journey.consent": '{"email": true}'})
        manager.customer_updated(user)
        if i % 2 == 0:
            preferences.suppress("email", user.email, reason="unsubscribed", source="link")
            preferences.record_consent("email", user.email, False, source="unsubscribe link")
            refused.add(user.email)
        user.first_name = "Nuovo"  # an address or name change: Saleor hands over the same metadata again
        user.save()
        manager.customer_updated(user)
        schedule(MessageSpec(flow="notice", step="message", subject_key=f"cs{tag}-{i}", channel="email",
                             recipient=user.email, due_at=start, channel_slug="it", marketing=True,
                             context={"headline": "Offerta", "body": "x"}))
    _send_due(start + timedelta(minutes=1))
    to_refused = sum(1 for to, _ in _sent_to(peer) if to in refused)
    return (f"consent: {n} customers opted in by metadata, {len(refused)} refused by link then updated their account: "
            f"marketing sent {len(_sent_to(peer))}, to those who refused violations={to_refused}")


def scenario_redelivery(peer: Any, n: int) -> str:
    """Every claim's send task runs twice at the same moment (a broker redelivery, a manual retry)."""
    from django.db import connection

    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.plugins import runtime

    reset(peer)
    configure(peer)
    schedule_many(n, 0, "rd")
    settings = runtime.active_settings()
    while True:
        claim = Dispatcher(settings, build_channels(settings.delivery)).claim(25)
        if not claim.ids:
            break

        def deliver(claim: Any = claim) -> None:
            Dispatcher(settings, build_channels(settings.delivery)).deliver(claim)
            connection.close()

        twice = [threading.Thread(target=deliver) for _ in range(2)]
        for t in twice:
            t.start()
        for t in twice:
            t.join()
    counts = peer_counts(peer)
    duplicates = sum(1 for c in counts.values() if c > 1)
    return f"redelivery: {n} messages, every send task delivered twice at once: sent {len(counts)}, violations={duplicates}"


def scenario_cap(peer: Any, trials: int) -> str:
    """Twenty workers claim one message each for the same person at once (cap 3 in 7 days)."""
    from django.db import connection
    from django.utils import timezone

    from saleor_journey.delivery.channels import build_channels
    from saleor_journey.delivery.dispatcher import Dispatcher
    from saleor_journey.services.outbox import MessageSpec, schedule

    reset(peer)
    settings = configure(peer, frequency_cap_count="3", frequency_cap_days="7")
    over = 0
    for trial in range(trials):
        who = f"cap{trial}-{random.randrange(10**9)}@example.com"
        for i in range(20):
            schedule(MessageSpec(flow="notice", step="message", subject_key=f"{who}:{i}", channel="email",
                                 recipient=who, due_at=timezone.now(), channel_slug="it", marketing=True,
                                 context={"headline": "Offerta", "body": "x"}))
        claims = [Dispatcher(settings, build_channels(settings.delivery)).claim(1) for _ in range(20)]
        barrier = threading.Barrier(20)

        def work(claim: Any) -> None:
            dispatcher = Dispatcher(settings, build_channels(settings.delivery))
            barrier.wait()
            dispatcher.deliver(claim)
            connection.close()

        threads = [threading.Thread(target=work, args=(c,)) for c in claims]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        over += sum(1 for to, _ in _sent_to(peer) if to == who) > 3
    return f"cap: {trials} trials of 20 workers sending marketing to one person (cap 3): violations={over}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 2-minute version")
    parser.add_argument("--smoke", action="store_true", help="the smallest sizes, for CI: checks the script still runs")
    parser.add_argument("--only", default="kill,flush,clock,trigger,optout,forged,recipient,reentry,flood,consent,"
                                          "redelivery,cap")
    args = parser.parse_args()
    # Sizes per scenario: (full, --quick, --smoke).
    size = 2 if args.smoke else 1 if args.quick else 0
    setup()
    import logging

    logging.getLogger("saleor_journey").setLevel(logging.WARNING)
    from tests.peers import postmark_answer, serve

    def pick(full: int, quick: int, smoke: int) -> int:
        return (full, quick, smoke)[size]

    print(f"machine: {os.cpu_count()} cores; lease {LEASE:.0f} s, sweep {SWEEP:.0f} s; broker {os.environ['CELERY_BROKER_URL']}")
    with serve(postmark_answer) as peer:
        configure(peer)
        runs = {
            "kill": lambda: scenario_kill(peer, pick(10000, 2000, 200), pick(150, 30, 4)),
            "flush": lambda: scenario_flush(peer, pick(3000, 1000, 200)),
            "clock": lambda: scenario_clock(peer, pick(1000, 200, 20)),
            "trigger": lambda: scenario_trigger(peer, pick(1000, 200, 20)),
            "optout": lambda: scenario_optout(peer, pick(1000, 200, 40), pick(30, 10, 3)),
            "forged": lambda: scenario_forged(peer, pick(1000, 300, 30)),
            "recipient": lambda: scenario_recipient(peer, pick(1000, 200, 20)),
            "reentry": lambda: scenario_reentry(peer, pick(500, 100, 20)),
            "flood": lambda: scenario_flood(peer, pick(5000, 1000, 100)),
            "consent": lambda: scenario_consent(peer, pick(1000, 200, 20)),
            "redelivery": lambda: scenario_redelivery(peer, pick(2000, 500, 50)),
            "cap": lambda: scenario_cap(peer, pick(50, 10, 2)),
        }
        failed = []
        for name in args.only.split(","):
            started = time.monotonic()
            line = runs[name]()
            print(line, f"[{time.monotonic() - started:.0f} s]", flush=True)
            if _violations(line):
                failed.append(name)
    if failed:
        sys.exit(f"scenarios with losses, duplicates or violations: {', '.join(failed)}")


def _violations(line: str) -> int:
    """Add up what a scenario's line reports as gone wrong (lost, duplicates, violations, settled=False)."""
    import re

    counts = sum(int(n) for n in re.findall(r"\b(?:lost|duplicates|violations)=(\d+)", line))
    return counts + line.count("settled=False")

if __name__ == "__main__":
    main()
