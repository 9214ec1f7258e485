"""Lost hooks: Saleor runs the plugin's hooks after its commit, so a process that dies in between loses them.

The reconciliation sweep reads what Saleor changed and records what is missing.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from saleor_journey.models import JourneyEvent
from tests.conftest import activate_plugin
from tests.simweek import Week, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def week(frozen: Any, **options: Any) -> tuple[Week, dict[str, Any]]:
    from saleor.channel.models import Channel

    call_command("flush", interactive=False, verbosity=0)
    Channel.objects.create(name="Italia", slug="it", currency_code="EUR", is_active=True)
    frozen(START - timedelta(days=1))
    manager = activate_plugin()
    simulated = Week(manager, frozen, START, **options).run()
    return simulated, snapshot()


def test_a_week_with_a_tenth_of_the_hooks_lost_ends_as_a_week_without(frozen: Any) -> None:
    whole, expected = week(frozen)
    assert whole.manager.dropped == 0
    assert whole.swept == 0
    assert len(expected["journeys"]) >= 30
    assert len(expected["outbox"]) >= 50
    assert len(expected["history"]) >= 40

    lossy, found = week(frozen, drop=0.1)
    assert lossy.manager.dropped >= 40  # about one hook call in ten
    assert lossy.swept >= 30
    assert JourneyEvent.objects.filter(source="reconciled").count() == lossy.swept
    for part in ("journeys", "history", "outbox"):
        assert found[part] == expected[part], part

    unswept, broken = week(frozen, drop=0.1, sweep=False)  # the same losses with no sweep: the week differs
    assert unswept.manager.dropped == lossy.manager.dropped
    assert broken["journeys"] != expected["journeys"]
    assert broken["outbox"] != expected["outbox"]
