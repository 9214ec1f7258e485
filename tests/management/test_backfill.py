"""The backfill command on a shop with history: stages, no duplicates, resumable, nothing sent."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from saleor_journey.models import BackfillRun, Journey, JourneyEvent, JourneyFiguresRun, StageTransition
from saleor_journey.plugins import history
from saleor_journey.plugins.plugin import stage_mirror
from saleor_journey.services.backfill import Backfill
from tests.conftest import activate_plugin

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(make_user: Any, make_order: Any, make_checkout: Any) -> dict[str, Any]:
    """Make a small shop's past: accounts, guests, repeat buyers, a cancellation, a cart, bad data."""
    now = timezone.now()
    anna = make_user("anna@example.com", date_joined=now - timedelta(days=400))
    bruno = make_user("bruno@example.com")
    carla = make_user("carla@example.com")
    make_user("dino@example.com")  # registered, never bought
    make_order(user=anna, created_at=now - timedelta(days=300))
    make_order(user=anna, created_at=now - timedelta(days=20))
    make_order(email="ANNA@example.com", created_at=now - timedelta(days=10))  # guest order, same person
    make_order(user=bruno, created_at=now - timedelta(days=250))  # lapsed
    make_order(user=carla, created_at=now - timedelta(days=5), status="canceled")
    make_checkout(user=carla, email=None)  # open cart
    make_order(email="guest@example.com", created_at=now - timedelta(days=3))
    make_order(email="not-an-email", created_at=now - timedelta(days=3))
    make_order(email="ugo@example.com", status="draft")
    return {"anna": anna, "bruno": bruno, "carla": carla}


def stage_of(**lookup: Any) -> str:
    return Journey.objects.get(**lookup).stage


def backfill(*args: str) -> str:
    out = StringIO()
    call_command("journey_backfill", "--no-progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_backfill_builds_every_journey_and_sends_nothing(shop: dict[str, Any]) -> None:
    output = backfill()
    assert "Nothing was sent" in output
    anna, bruno, carla = shop["anna"], shop["bruno"], shop["carla"]
    assert stage_of(user_id=anna.pk) == "retention"
    assert Journey.objects.get(user_id=anna.pk).state["orders_placed"] == 3  # the guest order joined her account
    assert stage_of(user_id=bruno.pk) == "lapsed"
    assert stage_of(user_id=carla.pk) == "consideration"  # cancelled order, open cart
    assert stage_of(email="dino@example.com") == "awareness"
    assert stage_of(email="guest@example.com") == "purchase"
    assert not Journey.objects.filter(email__in=["not-an-email", "ugo@example.com"]).exists()
    assert set(JourneyEvent.objects.values_list("source", flat=True)) == {"backfill"}
    anna.refresh_from_db()
    assert anna.private_metadata == {"journey.stage": "retention"}
    # History reads as if the plugin had been there: Bruno bought, then lapsed 180 days later.
    moves = list(
        StageTransition.objects.filter(journey__user_id=bruno.pk).order_by("at").values_list("to_stage", "cause")
    )
    assert moves == [("purchase", "order_placed"), ("lapsed", "lapse")]
    run = BackfillRun.objects.get()
    assert (run.customers, run.skipped, run.orders) == (5, 1, 6)
    assert run.finished_at is not None


def test_the_funnel_figures_take_in_the_imported_history(shop: dict[str, Any]) -> None:
    from saleor_journey.services import figures
    from saleor_journey.tasks import refresh_journey_figures

    refresh_journey_figures.run()  # figures of a shop with no history yet
    backfill()
    assert not JourneyFiguresRun.objects.exists()  # so the next refresh recomputes every day
    refresh_journey_figures.run()
    bruno_bought = StageTransition.objects.get(journey__user_id=shop["bruno"].pk, to_stage="purchase").at.date()
    assert figures.figures_for(bruno_bought, bruno_bought, None).get("entered:purchase") >= 1


def test_running_again_changes_nothing(shop: dict[str, Any]) -> None:
    backfill()
    before = (Journey.objects.count(), JourneyEvent.objects.count(), StageTransition.objects.count())
    assert "already finished" in backfill()
    backfill("--restart")
    assert (Journey.objects.count(), JourneyEvent.objects.count(), StageTransition.objects.count()) == before


def test_live_events_and_backfill_do_not_double_count(shop: dict[str, Any], make_order: Any) -> None:
    manager = activate_plugin()
    anna = shop["anna"]
    live_order = anna.orders.order_by("created_at").last()
    manager.order_created(live_order)  # recorded live before the backfill ran
    backfill()
    journey = Journey.objects.get(user_id=anna.pk)
    assert journey.events.filter(kind="order_placed").count() == 3
    assert journey.state["orders_placed"] == 3
    assert journey.stage == "retention"
    manager.order_created(live_order)  # and again after: a duplicate
    assert journey.events.filter(kind="order_placed").count() == 3


def test_an_interrupted_run_resumes_where_it_stopped(shop: dict[str, Any]) -> None:
    plugin = activate_plugin().get_plugin("saleor.journey")
    runner = Backfill(plugin.settings.policy, stage_mirror("journey.stage"), batch_size=2)
    runner.checkpoint()

    def interrupted(limit: int) -> Any:
        for i, item in enumerate(history.iter_customers()):
            if i == limit:
                raise KeyboardInterrupt
            yield item

    with pytest.raises(KeyboardInterrupt):
        runner.run(interrupted(5))
    run = BackfillRun.objects.get()
    assert run.finished_at is None
    assert run.customers + run.skipped == 4
    output = backfill()
    assert "Resuming" in output
    run.refresh_from_db()
    assert (run.customers, run.skipped, run.orders) == (5, 1, 6)
    assert JourneyEvent.objects.filter(kind="order_placed").count() == 6
    assert stage_of(user_id=shop["anna"].pk) == "retention"
