"""Benchmark: messages per second per worker, lateness (sent - due), and worker memory.

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/dispatch.py [--messages 5000] [--sweep 30]

One ``celery worker --pool=solo`` process and ``celery beat`` with the plugin's
own schedule send email through anymail's Postmark backend to a local peer that
answers at once. Two runs: all messages due at once (throughput), then the same
number due evenly over two sweep intervals (lateness at the default sweep).
Database: journey_bench_dispatch.
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
os.environ["POSTGRES_DB"] = os.environ.get("BENCH_DISPATCH_DB", "journey_bench_dispatch")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")


def rss_peak_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(n: int, spread: float, sweep: float, peer) -> dict[str, float]:  # noqa: ANN001
    import redis
    from django.utils import timezone

    from saleor_journey.models import DeliveryEvent, ScheduledMessage
    from saleor_journey.services.outbox import MessageSpec, schedule
    from tests.worker import celery_beat, start_celery, stop

    DeliveryEvent.objects.all().delete()
    ScheduledMessage.objects.all().delete()
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    with peer.lock:
        peer.received.clear()
    worker, _ = start_celery("worker", "--pool=solo", "--without-gossip", "--without-mingle")
    time.sleep(3)  # the worker is up before anything is due
    start = timezone.now() + timedelta(seconds=1)
    for i in range(n):
        schedule(MessageSpec(flow="notice", step="message", subject_key=f"b{i}", channel="email",
                             recipient=f"b{i}@example.com", due_at=start + timedelta(seconds=spread * i / n),
                             channel_slug="it", marketing=True, context={"headline": "Ciao", "body": "x"}))
    with celery_beat(sweep_seconds=sweep):
        deadline = time.monotonic() + spread + 10 * sweep + n / 20
        while ScheduledMessage.objects.filter(state="sent").count() < n and time.monotonic() < deadline:
            time.sleep(0.5)
    memory = rss_peak_mib(worker.pid)
    stop(worker)
    rows = list(ScheduledMessage.objects.filter(state="sent").values_list("due_at", "sent_at"))
    lateness = [(sent - due).total_seconds() for due, sent in rows]
    first, last = min(s for _, s in rows), max(s for _, s in rows)
    return {
        "sent": len(rows), "rate": len(rows) / max((last - first).total_seconds(), 1e-9) if spread == 0 else float("nan"),
        "p50": percentile(lateness, 0.5), "p95": percentile(lateness, 0.95), "p99": percentile(lateness, 0.99),
        "memory": memory, "median_lateness": statistics.median(lateness),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--sweep", type=float, default=30.0)
    args = parser.parse_args()
    os.environ["JOURNEY_SWEEP_SECONDS"] = str(args.sweep)
    sys.argv = sys.argv[:1]
    import logging

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import reliability  # the same database set-up and plugin configuration

    reliability.setup()
    logging.getLogger("saleor_journey").setLevel(logging.WARNING)
    from tests.peers import postmark_answer, serve

    with serve(postmark_answer) as peer:
        reliability.configure(peer)
        burst = run(args.messages, 0, args.sweep, peer)
        spread = run(args.messages, 2 * args.sweep, args.sweep, peer)
    print(f"machine: {os.cpu_count()} cores; 1 worker (--pool=solo), beat sweep every {args.sweep:.0f} s; "
          "email via anymail's Postmark backend to a local peer answering at once")
    print(f"burst: {burst['sent']} messages due at once: {burst['rate']:.0f} messages/s sustained; "
          f"worker peak RSS {burst['memory']:.0f} MiB")
    print(f"spread: {spread['sent']} messages due over {2 * args.sweep:.0f} s: lateness p50 {spread['p50']:.1f} s, "
          f"p95 {spread['p95']:.1f} s, p99 {spread['p99']:.1f} s (sweep interval {args.sweep:.0f} s); "
          f"worker peak RSS {spread['memory']:.0f} MiB")


if __name__ == "__main__":
    main()
