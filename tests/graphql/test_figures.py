"""Precomputed figures: the funnel and metrics read the same numbers from the stored rows as computed live."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from saleor_journey.models import JourneyFiguresRun, ProductReview
from saleor_journey.tasks import FIGURES_ENTRY, refresh_journey_figures
from tests.graphql.conftest import MANAGE_ORDERS, MANAGE_USERS
from tests.graphql.test_queries import shop  # noqa: F401 - customers at each stage

BOTH = """query B($channel: String) {
  journeyFunnel(channel: $channel) { asOf periodStart periodEnd lapsed stages { stage customers reached conversionRate } }
  journeyMetrics(channel: $channel) { asOf abandonedCarts remindersSent cartsRecovered recoveredRevenue { currency amount }
    reviewsReceived averageRating promoterShare flows { flow triggered sent suppressed cancelled converted }
    delivery { channel sent delivered } } }"""


def without_as_of(data: dict[str, Any]) -> dict[str, Any]:
    return {name: {k: v for k, v in value.items() if k != "asOf"} for name, value in data.items()}


def test_stored_figures_equal_live_ones_and_stale_ones_are_not_used(
    api: Any, token_for: Any, shop: Any  # noqa: F811
) -> None:
    token = token_for(MANAGE_USERS, MANAGE_ORDERS)
    for i in range(3):
        shop.browser(f"look{i}@example.com")
    shop.buyer("one@example.com")
    shop.buyer("two@example.com", orders=2)
    ProductReview.objects.create(product_id=1, order_id="o1", rating=5)
    live = {channel: api(BOTH, {"channel": channel}, token=token).data for channel in (None, "it", "de")}
    assert live[None]["journeyFunnel"]["stages"][1]["customers"] == 3
    assert live[None]["journeyMetrics"]["abandonedCarts"] == 3
    assert live["de"]["journeyMetrics"]["abandonedCarts"] == 0
    assert live["de"]["journeyMetrics"]["reviewsReceived"] == 1  # reviews have no channel: the whole shop's

    assert refresh_journey_figures.run() > 0
    run = JourneyFiguresRun.objects.get()
    for channel, expected in live.items():
        stored = api(BOTH, {"channel": channel}, token=token).data
        assert stored["journeyFunnel"]["asOf"] == run.refreshed_at.isoformat()
        assert without_as_of(stored) == without_as_of(expected), channel

    shop.browser("late@example.com")  # after the refresh: not in the stored figures yet
    assert api(BOTH, token=token).data["journeyMetrics"]["abandonedCarts"] == 3
    JourneyFiguresRun.objects.update(refreshed_at=timezone.now() - timedelta(hours=2))
    assert api(BOTH, token=token).data["journeyMetrics"]["abandonedCarts"] == 4  # stale: computed live
    refresh_journey_figures.run()  # the next refresh redoes yesterday and today only
    assert api(BOTH, token=token).data["journeyMetrics"]["abandonedCarts"] == 4


def test_periods_are_whole_utc_days(api: Any, token_for: Any, db: Any) -> None:
    answer = api('{ journeyFunnel(period: {gte: "2026-03-01T10:30:00+02:00", lte: "2026-03-02T23:30:00-02:00"}) '
                 "{ periodStart periodEnd } }", token=token_for(MANAGE_USERS))
    assert answer.data["journeyFunnel"] == {"periodStart": "2026-03-01T00:00:00+00:00",
                                            "periodEnd": "2026-03-04T00:00:00+00:00"}


def test_beat_refreshes_the_figures() -> None:
    from celery import current_app

    entry = current_app.conf.beat_schedule[FIGURES_ENTRY]
    assert entry["task"] == "saleor_journey.refresh_journey_figures"
    assert entry["schedule"] == 600


def test_revenue_is_summed_per_currency(db: Any) -> None:
    from saleor_journey.models import DeliveryEvent, ScheduledMessage
    from saleor_journey.services import figures

    now = timezone.now()
    for i, (total, currency) in enumerate([("10.50", "EUR"), ("4.50", "EUR"), ("7", "USD"), ("oops", "EUR")]):
        message = ScheduledMessage.objects.create(
            dedupe_key=f"k{i}", flow="win_back", step="email", subject_key=f"s{i}", channel="email", recipient="a@b.it",
            due_at=now, state="sent", sent_at=now, channel_slug="it")
        DeliveryEvent.objects.create(message=message, kind="converted", provider="journey", provider_event_id=f"c{i}",
                                     at=now, detail={"total": total, "currency": currency})
    found = figures.figures_for(now.date(), now.date(), None)
    assert found.named("revenue:win_back:") == {"EUR": Decimal("15.000"), "USD": Decimal(7)}
    assert found.get("converted:win_back") == 4


def test_a_new_day_s_first_refresh_takes_in_rows_dated_in_the_past(db: Any, make_user: Any) -> None:
    from saleor_journey.models import Journey, StageTransition
    from saleor_journey.services import figures

    journey = Journey.objects.create(key="k", email="a@example.com", stage="lapsed", stage_since=timezone.now(),
                                     state={}, created_at=timezone.now(), updated_at=timezone.now())
    figures.refresh()
    ten_days_ago = timezone.now() - timedelta(days=10)
    StageTransition.objects.create(journey=journey, from_stage="purchase", to_stage="lapsed", cause="lapse", at=ten_days_ago)
    figures.refresh()  # the same day: only yesterday and today are redone
    day = ten_days_ago.date()
    assert figures.figures_for(day, day, None).get("entered:lapsed") == 0
    JourneyFiguresRun.objects.update(refreshed_at=timezone.now() - timedelta(days=1))
    figures.refresh()  # the first refresh of a new day redoes everything
    assert figures.figures_for(day, day, None).get("entered:lapsed") == 1
