"""Recording events on the real PostgreSQL: idempotency, transactions, races, merges, the mirror."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from saleor_journey.core.events import EventKind, EventSource, JourneyEvent, Subject
from saleor_journey.core.rules import StagePolicy
from saleor_journey.core.stages import Stage
from saleor_journey.models import Journey, StageTransition
from saleor_journey.models import JourneyEvent as EventRow
from saleor_journey.plugins.plugin import stage_mirror
from saleor_journey.services.recording import JourneyRecorder, StageMirror


def order_placed(key: str, now: Any, user_id: int | None = None, email: str | None = "anna@example.com") -> JourneyEvent:
    return JourneyEvent(
        kind=EventKind.ORDER_PLACED,
        subject=Subject(user_id=user_id, email=email),
        dedupe_key=f"order:{key}:placed",
        occurred_at=now,
        payload={"total": "10.00", "currency": "EUR"},
    )


@pytest.fixture
def recorder() -> JourneyRecorder:
    return JourneyRecorder(StagePolicy(), stage_mirror("journey.stage"))


def test_guest_order_creates_a_journey_in_purchase(recorder: JourneyRecorder, now: Any, db: Any) -> None:
    result = recorder.record(order_placed("1", now))
    assert result.recorded
    assert result.stage is Stage.PURCHASE
    journey = Journey.objects.get()
    assert (journey.email, journey.user_id, journey.stage) == ("anna@example.com", None, "purchase")
    assert list(journey.transitions.values_list("from_stage", "to_stage", "cause")) == [
        ("awareness", "purchase", "order_placed")
    ]


def test_same_event_twice_is_one_event_and_one_stage_change(recorder: JourneyRecorder, now: Any, db: Any) -> None:
    first = recorder.record(order_placed("1", now))
    second = recorder.record(order_placed("1", now + timedelta(seconds=5)))
    assert first.recorded
    assert not second.recorded
    assert EventRow.objects.count() == 1
    assert StageTransition.objects.count() == 1
    assert Journey.objects.get().state["orders_placed"] == 1


def test_nothing_is_recorded_in_a_transaction_that_rolls_back(recorder: JourneyRecorder, now: Any, db: Any) -> None:
    def saleor_mutation() -> None:
        with transaction.atomic():
            recorder.record(order_placed("1", now))
            raise RuntimeError("Saleor's mutation failed after the hook")

    with pytest.raises(RuntimeError):
        saleor_mutation()
    assert not Journey.objects.exists()
    assert not EventRow.objects.exists()


def test_a_failing_write_does_not_poison_the_callers_transaction(now: Any, make_user: Any, db: Any) -> None:
    broken = JourneyRecorder(StagePolicy(), StageMirror("no_such_table", "id", "meta", "k"))
    user = make_user("anna@example.com")
    with transaction.atomic():
        with pytest.raises(ProgrammingError):
            broken.record(order_placed("1", now, user_id=user.pk))
        # Saleor's own work in the same transaction still runs.
        user.first_name = "Anna"
        user.save()
    user.refresh_from_db()
    assert user.first_name == "Anna"
    assert not Journey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_hook_write_costs_two_queries_in_autocommit(recorder: JourneyRecorder, now: Any, make_user: Any) -> None:
    user = make_user("anna@example.com")
    with CaptureQueriesContext(connection) as first:
        recorder.record(order_placed("1", now, user_id=user.pk))
    with CaptureQueriesContext(connection) as duplicate:
        recorder.record(order_placed("1", now, user_id=user.pk))
    assert len(first.captured_queries) == 2
    assert len(duplicate.captured_queries) == 1


def test_stage_is_mirrored_into_private_metadata_atomically(recorder: JourneyRecorder, now: Any, make_user: Any) -> None:
    user = make_user("anna@example.com", private_metadata={"erp.id": "A-17"}, metadata={"public": "x"})
    before = user.updated_at
    recorder.record(order_placed("1", now, user_id=user.pk))
    user.refresh_from_db()
    assert user.private_metadata == {"erp.id": "A-17", "journey.stage": "purchase"}
    assert user.metadata == {"public": "x"}
    assert user.updated_at > before


def test_guest_journey_is_adopted_when_the_account_appears(recorder: JourneyRecorder, now: Any, make_user: Any) -> None:
    recorder.record(order_placed("1", now))  # guest checkout
    user = make_user("anna@example.com")
    recorder.record(
        JourneyEvent(
            kind=EventKind.ACCOUNT_CREATED,
            subject=Subject(user_id=user.pk, email="anna@example.com"),
            dedupe_key=f"user:{user.pk}:created",
            occurred_at=now + timedelta(minutes=1),
        )
    )
    journey = Journey.objects.get()
    assert journey.user_id == user.pk
    assert journey.key == f"user:{user.pk}"
    assert journey.stage == "purchase"
    user.refresh_from_db()
    assert user.private_metadata["journey.stage"] == "purchase"
    # A later guest checkout under the same address lands on the account's journey.
    recorder.record(order_placed("2", now + timedelta(days=3), email="anna@example.com"))
    journey.refresh_from_db()
    assert Journey.objects.count() == 1
    assert journey.stage == "retention"


def test_guest_journey_is_merged_when_the_user_takes_its_email(recorder: JourneyRecorder, now: Any, make_user: Any) -> None:
    user = make_user("old@example.com")
    recorder.record(order_placed("1", now, user_id=user.pk, email="old@example.com"))
    recorder.record(order_placed("2", now, email="new@example.com"))  # same person, as a guest
    assert Journey.objects.filter(merged_into__isnull=True).count() == 2
    recorder.record(
        JourneyEvent(
            kind=EventKind.ACCOUNT_UPDATED,
            subject=Subject(user_id=user.pk, email="new@example.com"),
            dedupe_key=f"user:{user.pk}:updated:1",
            occurred_at=now + timedelta(minutes=1),
        )
    )
    journey = Journey.objects.get(user_id=user.pk)
    assert journey.email == "new@example.com"
    assert journey.stage == "retention"  # the guest's order counts for the account
    assert journey.events.count() == 3
    guest = Journey.objects.get(merged_into=journey)
    assert guest.user_id is None
    assert guest.events.count() == 0


def test_an_event_about_nobody_is_not_recorded(recorder: JourneyRecorder, now: Any, db: Any) -> None:
    event = JourneyEvent(kind=EventKind.ORDER_PAID, subject=Subject(), dedupe_key="order:x:paid", occurred_at=now)
    assert not recorder.record(event).recorded
    anchored = JourneyEvent(
        kind=EventKind.FULFILLMENT_CREATED,
        subject=Subject(anchor_key="order:unknown:placed"),
        dedupe_key="fulfillment:1:created",
        occurred_at=now,
    )
    assert not recorder.record(anchored).recorded
    assert not EventRow.objects.exists()


def test_anchor_finds_the_orders_journey(recorder: JourneyRecorder, now: Any, db: Any) -> None:
    recorder.record(order_placed("1", now))
    result = recorder.record(
        JourneyEvent(
            kind=EventKind.FULFILLMENT_CREATED,
            subject=Subject(anchor_key="order:1:placed"),
            dedupe_key="fulfillment:9:created",
            occurred_at=now,
            source=EventSource.LIVE,
        )
    )
    assert result.recorded
    assert EventRow.objects.get(dedupe_key="fulfillment:9:created").journey.email == "anna@example.com"


def test_lapse_settles_without_an_event(now: Any, make_user: Any) -> None:
    user = make_user("anna@example.com")
    clock = [now]
    recorder = JourneyRecorder(StagePolicy(lapse_days=30), stage_mirror("journey.stage"), clock=lambda: clock[0])
    journey_id = recorder.record(order_placed("1", now, user_id=user.pk)).journey_id
    clock[0] = now + timedelta(days=31)
    result = recorder.settle(journey_id, "lapse_check")
    assert result.stage is Stage.LAPSED
    transition = StageTransition.objects.get(to_stage="lapsed")
    assert transition.at == now + timedelta(days=30)
    assert transition.event is None
    user.refresh_from_db()
    assert user.private_metadata["journey.stage"] == "lapsed"


def _race(n: int, work: Any) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_record_it_once(recorder: JourneyRecorder, now: Any) -> None:
    errors = _race(6, lambda i: recorder.record(order_placed("1", now)))
    assert errors == []
    assert EventRow.objects.count() == 1
    assert StageTransition.objects.count() == 1
    assert Journey.objects.get().state["orders_placed"] == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_different_events_of_a_new_guest_share_one_journey(recorder: JourneyRecorder, now: Any) -> None:
    errors = _race(10, lambda i: recorder.record(order_placed(str(i), now)))
    assert errors == []
    journey = Journey.objects.get()
    assert journey.events.count() == 10
    assert journey.state["orders_placed"] == 10
    assert journey.stage == "retention"
