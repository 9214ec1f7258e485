"""Every hostile request family gets a clear refusal, no crash, the security headers, and changes nothing."""

import logging
from typing import Any

import pytest

from tests.hostile import (
    Keys,
    Probe,
    esp_probes,
    form_probes,
    graphql_probes,
    limit_probes,
    page_probes,
    problems,
    send,
    snapshot,
    twilio_probes,
)

FAMILIES = {
    "graphql": graphql_probes,
    "forms": form_probes,
    "twilio": twilio_probes,
    "esp": esp_probes,
    "pages": page_probes,
    "limits": limit_probes,
}


def run(client: Any, probes: list[Probe], caplog: Any) -> list[str]:
    """Send each probe; what was wrong with each answer, and whether it changed anything it must not."""
    found = []
    for probe in probes:
        before = snapshot()
        with caplog.at_level(logging.ERROR):
            answer = send(client, probe)
        # graphql-core's own resolver log is dropped by Saleor (tests/settings.py LOGGING, as saleor/settings.py).
        crashes = [r.getMessage() for r in caplog.records
                   if r.levelno >= logging.ERROR and not r.name.startswith("graphql.execution")]
        caplog.clear()
        wrong = problems(probe, answer) + [f"logged as a crash: {c}" for c in crashes]
        if not probe.changes and snapshot() != before:
            wrong.append("changed the plugin's tables")
        found += [f"{probe.family} / {probe.name}: {w}" for w in wrong]
    return found


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_bad_request_is_refused_clearly_and_changes_nothing(family: str, shop: Keys, client: Any,
                                                                   caplog: Any) -> None:
    found = run(client, FAMILIES[family](shop), caplog)
    assert not found, "\n".join(found)


def test_the_catalogue_covers_what_the_probing_found(shop: Keys) -> None:
    """The families the report listed are all in the suite (so the benchmark sends them too)."""
    names = " ".join(p.name for f in FAMILIES.values() for p in f(shop))
    for found in ("3,000 times", "300 levels", "JSON nested", "fragment cycle", "2.6 MB", "unknown operationName",
                  "wrong type", "out of Int's range", "NUL in a string filter", "lone surrogate", "[null, 1]",
                  "year 1", "300-character channel", "253-character address", "without a boundary", "1,500 fields",
                  "replayed one-click", "full-width"):
        assert found in names
