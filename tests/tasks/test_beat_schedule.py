"""The plugin's entries under Saleor's beat scheduler (the DatabaseScheduler Saleor documents)."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.worker import celery_beat, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def scheduler() -> Any:
    from saleor.celeryconf import app
    from saleor.schedulers.schedulers import DatabaseScheduler

    app.loader.import_default_modules()  # what `celery beat` does before building its schedule
    return DatabaseScheduler(app=app)


def test_every_entry_keeps_its_expiry_through_the_database_scheduler() -> None:
    from saleor.schedulers.models import CustomPeriodicTask

    from saleor_journey.tasks import ENTRY_EXPIRY

    entries = scheduler().schedule
    for name, seconds in ENTRY_EXPIRY.items():
        assert CustomPeriodicTask.objects.get(name=name).expire_seconds == seconds
        assert entries[name].options["expires"] == seconds  # what beat sends each message with


def test_beat_on_saleors_scheduler_publishes_sweeps_that_expire(settings: Any) -> None:
    """A real beat process, no worker: every sweep it queues carries an expiry, so none piles up for later."""
    import redis
    from saleor.celeryconf import app

    app.control.purge()
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with celery_beat(sweep_seconds=1):
        assert wait_for(lambda: queue.llen("celery") >= 3, timeout=30)
    messages = [json.loads(raw) for raw in queue.lrange("celery", 0, -1)]
    app.control.purge()
    sweeps = [m for m in messages if m["headers"]["task"] == "saleor_journey.dispatch_due_messages"]
    assert len(sweeps) >= 3
    assert all(m["headers"]["expires"] for m in sweeps)


def test_uninstalling_removes_the_plugins_rows_and_nothing_else() -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from saleor_journey.tasks import ENTRY_EXPIRY

    scheduler()
    every_day, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.DAYS)
    PeriodicTask.objects.create(name="delete-expired-checkouts", task="saleor.checkout.tasks.delete_expired_checkouts",
                                interval=every_day)
    listed = StringIO()
    call_command("journey_beat_schedule", stdout=listed)
    assert all(name in listed.getvalue() for name in ENTRY_EXPIRY)
    assert PeriodicTask.objects.filter(name__in=list(ENTRY_EXPIRY)).count() == len(ENTRY_EXPIRY)  # listing removes nothing
    call_command("journey_beat_schedule", "--remove", stdout=StringIO())
    left = set(PeriodicTask.objects.values_list("name", flat=True))
    assert "delete-expired-checkouts" in left
    assert "celery.backend_cleanup" in left
    assert not left & set(ENTRY_EXPIRY)
