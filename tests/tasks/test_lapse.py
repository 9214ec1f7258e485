"""The lapse check runs in a real Celery worker and moves quiet buyers to lapsed."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saleor_journey.core.events import EventKind, JourneyEvent, Subject
from saleor_journey.models import Journey
from saleor_journey.plugins import runtime
from saleor_journey.plugins.plugin import stage_mirror
from saleor_journey.services.recording import JourneyRecorder
from saleor_journey.tasks import settle_lapsed_journeys
from tests.conftest import activate_plugin
from tests.worker import celery_worker


def placed(user_id: int, email: str, days_ago: int) -> JourneyEvent:
    return JourneyEvent(
        kind=EventKind.ORDER_PLACED,
        subject=Subject(user_id=user_id, email=email),
        dedupe_key=f"order:{email}:placed",
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_lapses_quiet_buyers_only(make_user: Any) -> None:
    activate_plugin([{"name": "lapse_days", "value": "90"}])
    settings = runtime.active_settings()
    quiet, recent = make_user("quiet@example.com"), make_user("recent@example.com")
    for user, days_ago in ((quiet, 120), (recent, 10)):
        event = placed(user.pk, user.email, days_ago)
        # Recorded when it happened, as the live hook did back then.
        recorder = JourneyRecorder(settings.policy, stage_mirror(settings.metadata_key), clock=lambda e=event: e.occurred_at)
        recorder.record(event)
    assert Journey.objects.get(user_id=quiet.pk).stage == "purchase"

    with celery_worker():
        moved = settle_lapsed_journeys.delay().get(timeout=30)

    assert moved == 1
    assert Journey.objects.get(user_id=quiet.pk).stage == "lapsed"
    assert Journey.objects.get(user_id=recent.pk).stage == "purchase"
    quiet.refresh_from_db()
    assert quiet.private_metadata["journey.stage"] == "lapsed"
    lapse = Journey.objects.get(user_id=quiet.pk).transitions.get(to_stage="lapsed")
    assert lapse.cause == "lapse"


def test_inactive_plugin_skips_the_lapse_check(db: Any) -> None:
    runtime.forget()
    assert settle_lapsed_journeys.run() == 0


def test_lapse_check_is_on_the_beat_schedule() -> None:
    from saleor.celeryconf import app

    from saleor_journey.tasks import LAPSE_CHECK_ENTRY

    app.loader.import_default_modules()  # what `celery beat` does before building its schedule
    entry = app.conf.beat_schedule[LAPSE_CHECK_ENTRY]
    assert entry["task"] == "saleor_journey.settle_lapsed_journeys"
