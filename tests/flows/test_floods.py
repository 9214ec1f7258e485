"""Never a flood: history does not send, a backlog goes out paced, and a surging flow waits for a human."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saleor_journey.core.events import EventKind
from saleor_journey.models import FlowPause, Journey, ScheduledMessage
from saleor_journey.plugins import runtime
from saleor_journey.plugins.events import order_event
from saleor_journey.plugins.plugin import recorder_for, stage_mirror
from saleor_journey.services.recording import JourneyRecorder
from saleor_journey.tasks import settle_lapsed_journeys
from tests.browsing import FormClient as Client
from tests.conftest import activate_plugin, delivery_configuration
from tests.graphql.conftest import MANAGE_USERS, URL, token_for  # noqa: F401


def buyer(make_user: Any, make_order: Any, email: str, bought_days_ago: float) -> Any:
    """Make a customer whose last order the plugin recorded live, back when it was placed."""
    user = make_user(email)
    past = timezone.now() - timedelta(days=bought_days_ago)
    settings = runtime.active_settings()
    recorder = JourneyRecorder(settings.policy, stage_mirror("journey.stage"), clock=lambda: past, flows=settings.flows)
    recorder.record(order_event(make_order(user=user, created_at=past), EventKind.ORDER_PLACED, past))
    return user


def test_lowering_lapse_days_does_not_mail_the_backlog(esp: Any, twilio: Any, make_user: Any, make_order: Any) -> None:
    activate_plugin(delivery_configuration(esp, twilio))
    for i in range(20):
        buyer(make_user, make_order, f"old{i}@example.com", bought_days_ago=120)
    fresh = buyer(make_user, make_order, "fresh@example.com", bought_days_ago=90 - 1 / 24)  # crosses 90 in an hour
    assert settle_lapsed_journeys.run() == 0  # at 180 days nobody has lapsed
    activate_plugin(delivery_configuration(esp, twilio, lapse_days="90"))  # the owner lowers it
    assert settle_lapsed_journeys.run() == 20
    assert set(Journey.objects.filter(email__startswith="old").values_list("stage", flat=True)) == {"lapsed"}
    assert not ScheduledMessage.objects.filter(flow="win_back").exists()  # history: no backlog mailed
    later = timezone.now() + timedelta(hours=2)  # the next hourly checks: her 90 days pass after the change
    recorder = recorder_for(runtime.active_settings())
    recorder.clock = lambda: later
    recorder.settle(Journey.objects.get(user_id=fresh.pk).pk, "lapse")
    assert list(ScheduledMessage.objects.filter(flow="win_back", channel="email").values_list("recipient", flat=True)) \
        == ["fresh@example.com"]  # served as usual


def test_imported_order_history_never_sends(esp: Any, twilio: Any, make_order: Any) -> None:
    manager = activate_plugin(delivery_configuration(esp, twilio))
    old = timezone.now() - timedelta(days=300)
    manager.order_bulk_created([make_order(email=f"imported{i}@example.com", created_at=old, origin="bulk_create")
                                for i in range(30)])
    settle_lapsed_journeys.run()
    assert set(Journey.objects.values_list("stage", flat=True)) == {"lapsed"}
    assert not ScheduledMessage.objects.exists()


def test_a_backlog_the_owner_wants_served_goes_out_paced(esp: Any, twilio: Any, make_user: Any, make_order: Any) -> None:
    activate_plugin(delivery_configuration(esp, twilio, win_back_backlog_per_hour="10"))
    for i in range(25):
        buyer(make_user, make_order, f"old{i}@example.com", bought_days_ago=200)
    assert settle_lapsed_journeys.run() == 25
    dues = sorted(ScheduledMessage.objects.filter(flow="win_back", channel="email").values_list("due_at", flat=True))
    assert len(dues) == 25
    gaps = [b - a for a, b in zip(dues, dues[1:], strict=False)]
    assert min(gaps) >= timedelta(minutes=6)  # at most 10 an hour
    assert sum(1 for due in dues if due < dues[0] + timedelta(hours=1)) == 10


@pytest.mark.django_db(transaction=True)
def test_a_surging_flow_pauses_tells_staff_and_resumes_only_when_they_confirm(
    esp: Any, twilio: Any, channel: Any, token_for: Any  # noqa: F811
) -> None:
    from saleor.celeryconf import app

    from saleor_journey.services.outbox import MessageSpec, schedule
    from saleor_journey.tasks import dispatch_due_messages

    activate_plugin(delivery_configuration(esp, twilio, flood_ceiling="50", review_alert_email="owner@bottega.example"))
    now = timezone.now()
    for i in range(60):  # a bug or an import: sixty win-backs in a minute, where the shop usually has none
        schedule(MessageSpec(flow="win_back", step="email", subject_key=f"user:{i}:lapse", channel="email",
                             recipient=f"c{i}@example.com", due_at=now, channel_slug="it", language="it",
                             context={"headline": "Ci manchi", "body": "Torna a trovarci."}))
    schedule(MessageSpec(flow="post_purchase", step="thank_you", subject_key="order:1", channel="email",
                         recipient="anna@example.com", due_at=now, channel_slug="it", language="it", marketing=False))
    app.control.purge()
    try:
        dispatch_due_messages.run()
    finally:
        app.control.purge()
    pause = FlowPause.objects.get(flow="win_back", resumed_at__isnull=True)
    assert "60 messages scheduled in an hour" in pause.reason
    assert not ScheduledMessage.objects.filter(flow="win_back").exclude(state="pending").exists()  # all wait
    assert ScheduledMessage.objects.get(flow="post_purchase").state == "sending"  # other flows go on
    alert = ScheduledMessage.objects.get(flow="flood_alert")
    assert alert.recipient == "owner@bottega.example"
    assert alert.context["flow"] == "win_back"

    from tests.graphql.conftest import MANAGE_ORDERS

    token = token_for(MANAGE_USERS, MANAGE_ORDERS, email="owner@example.com")
    shown = Client().get("/plugins/global/saleor.journey/report/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert 'id="paused-win_back"' in shown.content.decode()
    assert "60 messages scheduled" in shown.content.decode()
    customer = Client().post(URL, {"query": 'mutation { journeyFlowResume(flow: "win_back") { resumed } }'},
                             content_type="application/json")
    assert customer.status_code == 401
    assert FlowPause.objects.filter(resumed_at__isnull=True).exists()
    answer = Client().post(URL, {"query": 'mutation { journeyFlowResume(flow: "win_back") { resumed errors { code } } }'},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert answer["data"]["journeyFlowResume"] == {"resumed": True, "errors": []}
    app.control.purge()
    try:
        dispatch_due_messages.run()
    finally:
        app.control.purge()
    assert not ScheduledMessage.objects.filter(flow="win_back", state="pending").exists()  # handed out now
    assert FlowPause.objects.filter(resumed_at__isnull=True).count() == 0  # the same surge does not pause again
