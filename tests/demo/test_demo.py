"""The README's first command: the demo shop comes up on its own embedded PostgreSQL and shows what it did."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psutil
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def demo(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """Start the demo; at the README's size (300 customers, 21 days) unless ``args`` say otherwise."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL",
                                                                    "DJANGO_SETTINGS_MODULE")}
    return subprocess.Popen([sys.executable, "-m", "demo", *args], cwd=ROOT,
                            env={**environment, "DEMO_STATE_DIR": str(tmp_path), **env}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def embedded_postgres(state: Path) -> list[psutil.Process]:
    """Return the embedded PostgreSQL servers still running on a demo's data directory."""
    running = []
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and str(state / "pgdata") in cmdline:
            running.append(process)
    return running


def figures(output: str) -> dict[str, dict[str, int]]:
    """Return what the demo printed, by row: the funnel, each flow and delivery channel, the review KPIs."""
    rows: dict[str, dict[str, int]] = {}
    for stage, now, reached in re.findall(r"^  (awareness|consideration|purchase|retention|advocacy) +(\d+) / +(\d+)",
                                          output, re.MULTILINE):
        rows[stage] = {"customers": int(now), "reached": int(reached)}
    for name, rest in re.findall(r"^  (\w+) +((?:started|sent) .*)$", output, re.MULTILINE):
        rows[name] = {key: int(value) for key, value in re.findall(r"(\w+) +(\d+)", rest)}
    reviews = re.search(r"reviews (\d+) \(\d+%\), average rating ([\d.]+|None)", output)
    assert reviews, output
    rows["reviews"] = {"received": int(reviews.group(1)), "rated": reviews.group(2) != "None"}
    carts = re.search(r"carts with an item (\d+), abandoned (\d+) \(abandonment rate (\d+)%\); why, from (\d+) answers: (.*)$",
                      output, re.MULTILINE)
    assert carts, output
    rows["carts"] = {"with_items": int(carts.group(1)), "abandoned": int(carts.group(2)), "rate": int(carts.group(3)),
                     "answers": int(carts.group(4))}
    rows["reasons"] = {reason: int(n) for reason, n in re.findall(r"(\w+) (\d+)", carts.group(5))}
    nps = re.search(r"NPS (-?[\d.]+|None) from (\d+) answers to (\d+) surveys \(.*?\): promoters (\d+), passives (\d+),"
                    r" detractors (\d+)", output)
    assert nps, output
    rows["nps"] = {"score": float(nps.group(1)) if nps.group(1) != "None" else None,
                   **{k: int(nps.group(i)) for i, k in enumerate(("answers", "sent", "promoters", "passives",
                                                                  "detractors"), start=2)}}
    revenue = re.search(r"recovered revenue ([\d.]+) EUR", output)
    rows["recovered"] = {"cents": round(float(revenue.group(1)) * 100) if revenue else 0}
    return rows


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_the_demo_replays_a_shop_prints_the_funnel_and_serves_its_pages(tmp_path: Path) -> None:
    process = demo(tmp_path, "--port", "8391")
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line, "the demo stopped early:\n" + "".join(lines)
            lines.append(line)
            if line.startswith("Serving on"):
                break
        output = "".join(lines)
        base = re.search(r"Serving on (http://127\.0\.0\.1:\d+)", output).group(1)  # type: ignore[union-attr]
        assert "embedded PostgreSQL" in output
        funnel = dict(re.findall(r"^  (awareness|consideration|purchase|retention|advocacy|lapsed) +(\d+)", output, re.MULTILINE))
        assert set(funnel) == {"awareness", "consideration", "purchase", "retention", "advocacy", "lapsed"}
        # The shop window: every flow and figure the README promises comes out filled.
        shown = figures(output)
        for stage in ("awareness", "consideration", "purchase", "retention", "advocacy"):
            assert shown[stage]["customers"] > 0, f"nobody in {stage}:\n{output}"
            assert shown[stage]["reached"] > 0, f"nobody reached {stage} in the period:\n{output}"
        assert int(funnel["lapsed"]) > 0, output
        for flow in ("abandoned_cart", "post_purchase", "review_request", "win_back", "welcome", "nps_survey"):
            assert shown[flow]["started"] > 0, f"{flow} started nothing:\n{output}"
            assert shown[flow]["sent"] > 0, f"{flow} sent nothing:\n{output}"
        for flow in ("abandoned_cart", "win_back"):
            assert shown[flow]["converted"] > 0, f"{flow} converted nobody:\n{output}"
        assert shown["recovered"]["cents"] > 0, output
        assert 0 < shown["carts"]["abandoned"] < shown["carts"]["with_items"], f"no abandonment rate:\n{output}"
        assert 0 < shown["carts"]["rate"] < 100, output
        assert shown["carts"]["answers"] == sum(shown["reasons"].values()) > 0, f"no cart reasons:\n{output}"
        assert len([n for n in shown["reasons"].values() if n]) >= 3, f"too few reasons given:\n{output}"
        assert shown["reviews"]["received"] > 0, f"no reviews:\n{output}"
        assert shown["reviews"]["rated"], output
        nps = shown["nps"]
        assert nps["answers"] > 0, f"no NPS answers:\n{output}"
        assert nps["answers"] == nps["promoters"] + nps["passives"] + nps["detractors"], output
        assert min(nps["promoters"], nps["detractors"]) > 0, f"NPS without promoters or detractors:\n{output}"
        assert nps["score"] == round((nps["promoters"] - nps["detractors"]) * 100 / nps["answers"], 1), output
        for event in ("delivered", "opened", "clicked", "bounced"):
            assert shown["email"][event] > 0, f"no email {event}:\n{output}"
        assert shown["sms"]["delivered"] > 0, f"no text delivered:\n{output}"
        assert shown["sms"]["failed"] > 0, f"no undelivered text:\n{output}"
        for path in ("/plugins/global/saleor.journey/report/", "/plugins/global/saleor.journey/graphql/", "/outbox/"):
            assert f"{base}{path}" in output
        status, index = fetch(f"{base}/")
        assert status == 200
        assert "owner@demo.example" in index
        # The credentials are shown in the terminal only; the links are signed with this demo's own key.
        password = re.search(r"sign in: owner@demo\.example / (\S+)\)", output).group(1)  # type: ignore[union-attr]
        staff_token = (tmp_path / "staff-token.txt").read_text().strip()
        assert password not in index
        assert staff_token not in index
        keys = json.loads((tmp_path / "keys.json").read_text())
        assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600
        assert len(keys["secret_key"]) >= 50
        assert "tests-only-secret-key" not in keys.values()
        status, outbox = fetch(f"{base}/outbox/")
        assert status == 200
        assert "abandoned_cart / reminder_1" in outbox
        status, email = fetch(f"{base}/outbox/1/")
        assert status == 200
        assert "<iframe" in email
        status, sign_in = fetch(f"{base}/plugins/global/saleor.journey/report/")
        assert status == 200
        assert 'type="password"' in sign_in
        status, explorer = fetch(f"{base}/plugins/global/saleor.journey/graphql/")
        assert status == 200
        assert "Customer journey API" in explorer
        token = (tmp_path / "staff-token.txt").read_text().strip()
        request = urllib.request.Request(f"{base}/plugins/global/saleor.journey/report/",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            report = response.read().decode()
        assert f'data-key="purchase" data-value="{funnel["purchase"]}"' in report
        assert f'<b id="cart-reasons-given">{shown["carts"]["answers"]}</b>' in report  # the report says what the API says
        assert "The reason given most: " in report
        assert f'<b id="nps-answers">{nps["answers"]}</b>' in report
        assert report.count('class="point"') >= 1  # the weekly NPS line has points
        # The provider's delivery reports came back through the plugin's tracking webhook.
        email_row = re.search(r"<tr><td>email</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", report)
        assert email_row
        assert 0 < int(email_row.group(3)) <= int(email_row.group(2)) <= int(email_row.group(1))
    finally:
        process.send_signal(signal.SIGTERM)  # as a container stop or a service manager ends it
        try:
            rest, _ = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()  # never leave a demo (and its database) running after the test
            process.communicate()
            raise
        finally:
            for server in embedded_postgres(tmp_path):
                server.kill()
    assert process.returncode == 0, rest
    assert "stopped" in rest, rest
    # The embedded PostgreSQL stopped with the demo.
    assert f"embedded PostgreSQL in {tmp_path / 'pgdata'} stopped" in rest
    assert not list(tmp_path.glob("pgdata/postmaster.pid"))


def test_the_demo_stops_its_database_however_it_ends(tmp_path: Path) -> None:
    small = ("--customers", "20", "--days", "1")
    try:
        output, _ = demo(tmp_path, *small, "--no-serve").communicate(timeout=120)
        assert "embedded PostgreSQL in" in output
        assert embedded_postgres(tmp_path) == [], output
        assert "Not serving (--no-serve)" in output
        assert "Open in a browser" not in output  # nothing is served at those addresses
        assert "http://127.0.0.1" not in output
        # A demo killed outright (SIGKILL, out of memory) cannot stop anything; the next run stops its server.
        for stop in (signal.SIGKILL, signal.SIGINT):
            process = demo(tmp_path, *small, "--port", "8392")
            while not (line := process.stdout.readline()).startswith("Serving on"):  # type: ignore[union-attr]
                assert line, "the demo stopped early"
            process.send_signal(stop)
            rest, _ = process.communicate(timeout=120)
            if stop == signal.SIGKILL:
                assert len(embedded_postgres(tmp_path)) == 1  # left behind
            else:
                assert process.returncode == 0, rest
                assert "stopped" in rest
                assert embedded_postgres(tmp_path) == [], rest
    finally:
        for server in embedded_postgres(tmp_path):
            server.kill()


def database_url(name: str) -> str:
    """Return the URL of a database on the suite's PostgreSQL (a TCP address, or a socket directory)."""
    host, port = os.environ.get("POSTGRES_HOST", "127.0.0.1"), os.environ.get("POSTGRES_PORT", "5432")
    user = os.environ.get("POSTGRES_USER", "postgres")
    if host.startswith("/"):
        return f"postgresql://{user}@/{name}?host={quote(host, safe='')}&port={port}"
    return f"postgresql://{user}@{host}:{port}/{name}"


def test_with_a_database_url_and_a_broker_the_demo_sends_through_a_celery_worker(tmp_path: Path) -> None:
    broker = urlunsplit(urlsplit(settings.CELERY_BROKER_URL)._replace(path="/11"))  # the suite's Redis
    process = demo(tmp_path, "--no-serve", "--customers", "80", "--days", "7", DATABASE_URL=database_url("journey_demo_test"),
                   CELERY_BROKER_URL=broker)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert "embedded PostgreSQL" not in output
    assert "database journey_demo_test created" in output
    assert f"Celery worker started on {broker}" in output
    sent = {flow: int(n) for flow, n in re.findall(r"^  (\w+) +started +\d+ +sent +(\d+)", output, re.MULTILINE)}
    assert sent["abandoned_cart"] > 0, output
    assert sent["welcome"] > 0, output
    log = (tmp_path / "worker.log").read_text()
    assert "saleor_journey.send_messages" in log
    assert "succeeded" in log


def test_the_demo_refuses_to_recreate_a_database_it_did_not_make(tmp_path: Path) -> None:
    process = demo(tmp_path, "--no-serve", DATABASE_URL=database_url("postgres"))
    output, _ = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "the demo only recreates databases named journey_demo*" in output
