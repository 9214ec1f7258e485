"""The hostile suite against a live server: every bad request of tests/hostile.py, over HTTP, thousands of times.

Usage (from the repository root, after scripts/test has made .venv):
    .venv/bin/python benchmarks/hostile.py                  # about 2,000 requests
    .venv/bin/python benchmarks/hostile.py --requests 5000 --seconds 600

It starts the demo (``python -m demo --customers 20 --days 3``) on a free
port, on the PostgreSQL at HOSTILE_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/journey_demo_hostile), with its own
keys in a temporary state directory. This process reads the demo's database
(Django with the demo's settings) for a real unsubscribe link, review link, cart-reason and survey link
and message, and for the digest of every plugin table.

Then: every probe once (the few authentic ones among them may record
something: a valid 253-character sign-up, a Twilio status with look-alike
digits), the digest, rounds of every probe over raw sockets (so a
malformed Content-Length or a 2.6 MB body goes out as written) until
--requests or --seconds, and the digest again. Requests go one at a time,
and each one's CPU is the server process's user+system time before and
after it (/proc, 10 ms ticks; PostgreSQL's own work is not in it).

Prints one line:
    hostile: inputs N, 5xx 0, internal 0, state changes 0, slowest anonymous request X.XX s CPU
then the slowest probes and any answer other than the suite expects (a 429 from a rate limit counts as
expected). Goal: zeros, and the slowest request under 0.5 s of CPU.
"""

import argparse
import itertools
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "contract")]

DATABASE_URL = os.environ.get("HOSTILE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/journey_demo_hostile")
TICKS = os.sysconf("SC_CLK_TCK")
VARIANTS = itertools.count()


def start_demo(state: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEMO_STATE_DIR=str(state), DATABASE_URL=DATABASE_URL)
    process = subprocess.Popen([sys.executable, "-m", "demo", "--customers", "20", "--days", "3", "--port", "8471"],
                               cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit("the demo stopped early:\n" + "".join(lines))
        lines.append(line)
        found = re.search(r"Serving on (http://127\.0\.0\.1:\d+)", line)
        if found:  # keep reading its log, or the server stops once the pipe is full
            threading.Thread(target=lambda: all(process.stdout), daemon=True).start()  # type: ignore[arg-type]
            return process, found.group(1)
    process.kill()
    raise SystemExit("the demo did not start within 5 minutes:\n" + "".join(lines))


def keys_of(state: Path, base: str) -> Any:
    """Read what an honest party holds from the demo's database and state directory."""
    keys = json.loads((state / "keys.json").read_text())
    os.environ.update(DJANGO_SETTINGS_MODULE="demo.settings", DATABASE_URL=DATABASE_URL,
                      DEMO_SECRET_KEY=keys["secret_key"], DEMO_CLOCK_FILE=str(state / "clock"))
    import django

    django.setup()
    from saleor.order.models import OrderLine

    from saleor_journey.delivery.tokens import cart_reason_token, nps_token, review_token, unsubscribe_token
    from saleor_journey.models import ScheduledMessage
    from tests.hostile import Keys

    sent = ScheduledMessage.objects.filter(channel="email", state="sent").order_by("id")
    gone = sent.first()
    kept = sent.exclude(recipient=gone.recipient).last()
    line = OrderLine.objects.select_related("variant").exclude(variant=None).first()
    cart = ScheduledMessage.objects.filter(flow="abandoned_cart", channel="email").order_by("id").last()
    survey = ScheduledMessage.objects.filter(flow="nps_survey").order_by("id").last()
    if survey is None:  # three replayed days are too few for a survey to come due: plan one that never goes
        from django.utils import timezone

        survey = ScheduledMessage.objects.create(
            dedupe_key="hostile:nps", flow="nps_survey", step="survey", subject_key=f"order:{line.order_id}",
            channel="email", recipient=kept.recipient, due_at=timezone.now(), state="cancelled",
            reason="the hostile probes' survey", context={"order": str(line.order_id)})
    return Keys(
        staff_token=(state / "staff-token.txt").read_text().strip(),
        unsubscribe_token=unsubscribe_token(gone.pk),
        review_token=review_token(str(line.order_id), line.variant.product_id, line.variant_id, "it", "it",
                                  product="Moka"),
        twilio_auth_token=keys["twilio_auth_token"],
        public_base=base,
        esp_basic_auth=f"esp:{keys['esp_webhook_password']}",
        message_id=kept.pk,
        cart_reason_token=cart_reason_token(cart.pk),
        nps_token=nps_token(survey.pk),
    )


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def raw_request(port: int, probe: Any) -> tuple[int, dict[str, str], str]:
    """Send one probe as written (its Content-Length, its declared size), read the whole answer."""
    from tests.hostile import BASE

    body = probe.body if probe.declared_length is None else b"x" * probe.declared_length
    if probe.vary:
        document = json.loads(body)
        document["query"] += f"\n# {next(VARIANTS)}"
        body = json.dumps(document).encode()
    headers = {"Host": f"127.0.0.1:{port}", "Connection": "close", **probe.headers}
    if probe.content_type:
        headers["Content-Type"] = probe.content_type
    if probe.method not in ("GET", "HEAD", "DELETE") or body:
        headers.setdefault("Content-Length", str(len(body)))
    head = f"{probe.method} {BASE}{probe.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head.encode("utf-8") + b"\r\n")
        sent = 0
        while sent < len(body):  # stop sending once the server answers (it may refuse before reading)
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sent += sock.send(body[sent:sent + 65536])
            except (BrokenPipeError, ConnectionResetError):
                break
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
        except TimeoutError:
            raise SystemExit(f"no answer within 60 s to {probe.family} / {probe.name}") from None
    raw = b"".join(chunks)
    head_bytes, _, content = raw.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    answer_headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return status, answer_headers, content.decode("utf-8", "replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="journey-hostile-") as state_dir:
        state = Path(state_dir)
        process, base = start_demo(state)
        try:
            run(process.pid, int(base.rsplit(":", 1)[1]), keys_of(state, base), args)
        finally:
            process.terminate()
            process.wait(timeout=60)


def run(pid: int, port: int, keys: Any, args: Any) -> None:
    from tests.hostile import FORM, Answer, Probe, probes, problems, snapshot

    catalogue = probes(keys)
    # The unsubscribe link was used once already; what the probes send is a replay.
    raw_request(port, Probe("setup", "unsubscribe", "POST", f"/unsubscribe/{keys.unsubscribe_token}/",
                            b"List-Unsubscribe=One-Click", FORM, statuses=(200,)))
    for probe in catalogue:  # once, for the authentic probes' own records
        raw_request(port, probe)
    before = snapshot()
    cpu: dict[str, list[float]] = defaultdict(list)
    wrong: Counter[str] = Counter()
    count = server_errors = internal = 0
    started = time.monotonic()
    while count < args.requests and time.monotonic() - started < args.seconds:
        for probe in catalogue:
            spent = cpu_seconds(pid)
            status, headers, body = raw_request(port, probe)
            cpu[f"{probe.family} / {probe.name}"].append(cpu_seconds(pid) - spent)
            count += 1
            server_errors += status >= 500
            internal += "Internal error" in body or "INTERNAL_ERROR" in body
            # A rate limit's 429 is a clear refusal too (the same probe, thousands of times, from one address).
            allowed = replace(probe, statuses=(*probe.statuses, 429))
            for problem in problems(allowed, Answer(status, body, headers)):
                wrong[f"{probe.family} / {probe.name}: {problem}"] += 1
    after = snapshot()
    changed = [table for table in before if before[table] != after.get(table)]
    anonymous = {f"{p.family} / {p.name}" for p in catalogue if p.anonymous}
    slowest_anonymous = max(max(cpu[name]) for name in anonymous)
    print(f"hostile: inputs {count}, 5xx {server_errors}, internal {internal}, state changes {len(changed)}, "
          f"slowest anonymous request {slowest_anonymous:.2f} s CPU")
    print(f"  {len(catalogue)} probes, {count // len(catalogue)} rounds, {time.monotonic() - started:.0f} s; "
          f"server CPU {sum(sum(v) for v in cpu.values()):.1f} s in all")
    print("  slowest (max / median s CPU):")
    for name, values in sorted(cpu.items(), key=lambda kv: -max(kv[1]))[:6]:
        values = sorted(values)
        print(f"    {max(values):.2f} / {values[len(values) // 2]:.2f}  {name}")
    slowdown(port, catalogue, cpu)
    for table in changed:
        print(f"  changed: {table}")
    for problem, times in wrong.most_common(20):
        print(f"  unexpected ({times}x): {problem[:160]}")
    if server_errors or internal or changed or wrong:
        sys.exit("hostile: a 5xx, an internal error, a state change or an unexpected answer (above)")


def slowdown(port: int, catalogue: list[Any], cpu: dict[str, list[float]]) -> None:
    """Measure a cheap request's latency alone, and while three clients send the costliest anonymous probes."""
    health = next(p for p in catalogue if p.path == "/health")
    by_cost = sorted((p for p in catalogue if p.anonymous and p.declared_length is None),
                     key=lambda p: -sorted(cpu[f"{p.family} / {p.name}"])[len(cpu[f"{p.family} / {p.name}"]) // 2])
    heavy = by_cost[:3]

    def latency() -> float:
        started = time.perf_counter()
        raw_request(port, health)
        return time.perf_counter() - started

    alone = sorted(latency() for _ in range(50))[25]
    stop = threading.Event()

    def attack(probe: Any) -> None:
        while not stop.is_set():
            raw_request(port, probe)

    attackers = [threading.Thread(target=attack, args=(p,), daemon=True) for p in heavy]
    for thread in attackers:
        thread.start()
    time.sleep(1)
    busy = sorted(latency() for _ in range(50))[25]
    stop.set()
    for thread in attackers:
        thread.join(timeout=60)
    print(f"  a health check: median {alone * 1000:.1f} ms alone, {busy * 1000:.1f} ms while three clients send "
          f"{', '.join(repr(p.name) for p in heavy)} in a loop ({busy / alone:.1f}x)")


if __name__ == "__main__":
    main()
