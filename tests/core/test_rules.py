"""The journey rules, as tables of (history -> stage) and as properties over random histories."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saleor_journey.core.events import EventKind, JourneyEvent, Subject
from saleor_journey.core.rules import (
    JourneyState,
    StagePolicy,
    apply_event,
    evaluate,
    merge_states,
    refine_event,
)
from saleor_journey.core.stages import BUYER_STAGES, Stage

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
POLICY = StagePolicy()
SUBJECT = Subject(email="anna@example.com")


def ev(kind: EventKind, day: float, key: str | None = None, **payload: object) -> JourneyEvent:
    return JourneyEvent(
        kind=kind,
        subject=SUBJECT,
        dedupe_key=key or f"{kind}:{day}:{sorted(payload.items())}",
        occurred_at=T0 + timedelta(days=day),
        payload=dict(payload),
    )


def replay(events: list[JourneyEvent], now: datetime | None = None, policy: StagePolicy = POLICY):
    state = JourneyState()
    history = []
    for event in events:
        state, transitions = apply_event(state, event, event.occurred_at, policy)
        history += transitions
    state, transitions = evaluate(state, now or events[-1].occurred_at, policy, "settle")
    return state, history + transitions


A = EventKind
TABLE = [
    ("account only", [ev(A.ACCOUNT_CREATED, 0)], Stage.AWARENESS),
    ("newsletter", [ev(A.NEWSLETTER_SIGNUP, 0)], Stage.AWARENESS),
    ("checkout without lines", [ev(A.CHECKOUT_CREATED, 0, lines=0)], Stage.AWARENESS),
    ("cart with lines", [ev(A.CART_UPDATED, 0, lines=2)], Stage.CONSIDERATION),
    ("product viewed", [ev(A.PRODUCT_VIEWED, 0)], Stage.CONSIDERATION),
    ("cart emptied stays considered", [ev(A.CART_UPDATED, 0, lines=1), ev(A.CART_EMPTIED, 1)], Stage.CONSIDERATION),
    ("first order", [ev(A.CART_UPDATED, 0, lines=1), ev(A.ORDER_PLACED, 1, key="o1")], Stage.PURCHASE),
    ("paid and fulfilled change nothing", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ORDER_PAID, 1), ev(A.ORDER_FULFILLED, 3)], Stage.PURCHASE),
    ("second order", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ORDER_PLACED, 20, key="o2")], Stage.RETENTION),
    ("only order cancelled", [ev(A.CART_UPDATED, 0, lines=1), ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ORDER_VOIDED, 2)], Stage.CONSIDERATION),
    ("only order cancelled, no cart", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ORDER_VOIDED, 2)], Stage.AWARENESS),
    ("one of two orders refunded", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ORDER_PLACED, 5, key="o2"), ev(A.ORDER_VOIDED, 6)], Stage.PURCHASE),
    ("positive review after purchase", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.REVIEW_SUBMITTED, 9, rating=5)], Stage.ADVOCACY),
    ("4 stars is enough", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.REVIEW_SUBMITTED, 9, rating=4)], Stage.ADVOCACY),
    ("3 stars is not", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.REVIEW_SUBMITTED, 9, rating=3)], Stage.PURCHASE),
    ("NPS 9", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.NPS_SUBMITTED, 9, score=9)], Stage.ADVOCACY),
    ("NPS 8", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.NPS_SUBMITTED, 9, score=8)], Stage.PURCHASE),
    ("referral", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.REFERRAL_MADE, 9)], Stage.ADVOCACY),
    ("review without purchase", [ev(A.REVIEW_SUBMITTED, 1, rating=5)], Stage.AWARENESS),
    ("loyalty after purchase", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.LOYALTY_ENGAGED, 10)], Stage.RETENTION),
    ("loyalty before purchase", [ev(A.LOYALTY_ENGAGED, 0), ev(A.ORDER_PLACED, 1, key="o1")], Stage.PURCHASE),
    ("quiet for lapse_days", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ACCOUNT_UPDATED, 181)], Stage.LAPSED),
    ("quiet one day less", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ACCOUNT_UPDATED, 180.9)], Stage.PURCHASE),
    ("back after lapse", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ORDER_PLACED, 400, key="o2")], Stage.RETENTION),
    ("advocate who lapsed", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.REVIEW_SUBMITTED, 5, rating=5), ev(A.ACCOUNT_UPDATED, 200)], Stage.LAPSED),
    ("old advocate back: retention", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.REVIEW_SUBMITTED, 5, rating=5), ev(A.ORDER_PLACED, 400, key="o2")], Stage.RETENTION),
    ("staff set advocacy", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.STAGE_SET, 2, stage="advocacy")], Stage.ADVOCACY),
    ("override holds over cart activity", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.STAGE_SET, 2, stage="advocacy"),
                                           ev(A.CART_UPDATED, 3, lines=2)], Stage.ADVOCACY),
    ("an order after the override ends it", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.STAGE_SET, 2, stage="advocacy"),
                                             ev(A.ORDER_PLACED, 3, key="o2")], Stage.RETENTION),
    ("a lapse after the override ends it", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.STAGE_SET, 2, stage="retention"),
                                            ev(A.ACCOUNT_UPDATED, 190)], Stage.LAPSED),
    ("staff can revive a lapsed customer", [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ACCOUNT_UPDATED, 190),
                                            ev(A.STAGE_SET, 191, stage="retention"), ev(A.ACCOUNT_UPDATED, 250)], Stage.RETENTION),
    ("no buyer stage without an order", [ev(A.CART_UPDATED, 0, lines=1), ev(A.STAGE_SET, 1, stage="advocacy")],
     Stage.CONSIDERATION),
    ("the latest override wins", [ev(A.STAGE_SET, 1, stage="consideration"), ev(A.STAGE_SET, 2, stage="awareness")],
     Stage.AWARENESS),
]


@pytest.mark.parametrize(("history", "expected"), [(h, s) for _, h, s in TABLE], ids=[n for n, _, _ in TABLE])
def test_stage_table(history: list[JourneyEvent], expected: Stage) -> None:
    state, _ = replay(history)
    assert state.stage is expected


def test_history_records_a_lapse_when_it_happened_and_the_return() -> None:
    _, history = replay([ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ORDER_PLACED, 400, key="o2")])
    moves = [(t.from_stage, t.to_stage, t.cause, t.at) for t in history]
    assert moves == [
        (Stage.AWARENESS, Stage.PURCHASE, "order_placed", T0 + timedelta(days=1)),
        (Stage.PURCHASE, Stage.LAPSED, "lapse", T0 + timedelta(days=181)),
        (Stage.LAPSED, Stage.RETENTION, "order_placed", T0 + timedelta(days=400)),
    ]


def test_lapse_days_is_a_policy() -> None:
    history = [ev(A.ORDER_PLACED, 1, key="o1"), ev(A.ACCOUNT_UPDATED, 40)]
    assert replay(history, policy=StagePolicy(lapse_days=30))[0].stage is Stage.LAPSED
    assert replay(history, policy=StagePolicy(lapse_days=60))[0].stage is Stage.PURCHASE


def test_refine_turns_an_empty_cart_update_into_cart_emptied() -> None:
    assert refine_event(ev(A.CART_UPDATED, 0, lines=0)).kind is A.CART_EMPTIED
    assert refine_event(ev(A.CART_UPDATED, 0, lines=3)).kind is A.CART_UPDATED


def test_state_round_trips_through_json() -> None:
    state, _ = replay([ev(A.CART_UPDATED, 0, lines=1), ev(A.ORDER_PLACED, 1, key="o1"), ev(A.REVIEW_SUBMITTED, 3, rating=5)])
    assert JourneyState.from_json(state.to_json(), state.stage, state.stage_since) == state


@pytest.mark.parametrize(
    ("field", "value"),
    [("lapse_days", 0), ("retention_min_orders", 1), ("advocacy_min_rating", 6), ("advocacy_min_nps", 11)],
)
def test_policy_refuses_nonsense(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        StagePolicy(**{field: value})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        JourneyEvent(kind=A.ORDER_PLACED, subject=SUBJECT, dedupe_key="k", occurred_at=datetime(2026, 1, 1))  # noqa: DTZ001


# Properties ---------------------------------------------------------------

KINDS = st.sampled_from(list(EventKind))


@st.composite
def histories(draw: st.DrawFn) -> list[JourneyEvent]:
    size = draw(st.integers(min_value=1, max_value=25))
    events = []
    for i in range(size):
        kind = draw(KINDS)
        day = draw(st.floats(min_value=0, max_value=800, allow_nan=False))
        payload: dict[str, object] = {}
        if kind in (A.CHECKOUT_CREATED, A.CART_UPDATED):
            payload["lines"] = draw(st.integers(0, 3))
        if kind is A.REVIEW_SUBMITTED:
            payload["rating"] = draw(st.integers(1, 5))
        if kind is A.NPS_SUBMITTED:
            payload["score"] = draw(st.integers(0, 10))
        if kind is A.STAGE_SET:
            payload["stage"] = draw(st.sampled_from([s.value for s in Stage]))
        events.append(ev(kind, day, key=f"e{i}", **payload))
    return events


def voids_within_orders(events: list[JourneyEvent]) -> bool:
    return sum(e.kind is A.ORDER_VOIDED for e in events) <= sum(e.kind is A.ORDER_PLACED for e in events)


@settings(max_examples=300, deadline=None)
@given(histories(), st.randoms())
def test_any_delivery_order_converges_to_the_sorted_replay(events: list[JourneyEvent], rnd) -> None:  # noqa: ANN001
    now = T0 + timedelta(days=900)
    in_time_order = sorted(events, key=lambda e: e.occurred_at)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    state = JourneyState()
    for event in shuffled:  # delivered late and out of order, applied at delivery time `now`
        state, _ = apply_event(state, event, now, POLICY)
    expected, _ = replay(in_time_order, now=now)
    assert state.stage is expected.stage
    assert state.to_json() == expected.to_json()


@settings(max_examples=300, deadline=None)
@given(histories())
def test_never_advocacy_or_other_buyer_stage_without_a_standing_purchase(events: list[JourneyEvent]) -> None:
    state = JourneyState()
    for event in sorted(events, key=lambda e: e.occurred_at):
        state, transitions = apply_event(state, event, event.occurred_at, POLICY)
        for transition in transitions:
            if transition.to_stage in BUYER_STAGES:
                assert state.orders_placed > 0
        if state.stage in BUYER_STAGES and voids_within_orders(events):
            assert state.active_orders > 0 or state.stage is Stage.LAPSED


@settings(max_examples=200, deadline=None)
@given(histories())
def test_history_is_a_chain(events: list[JourneyEvent]) -> None:
    state, history = replay(sorted(events, key=lambda e: e.occurred_at))
    current = Stage.AWARENESS
    for transition in history:
        assert transition.from_stage is current
        assert transition.to_stage is not transition.from_stage
        current = transition.to_stage
    assert current is state.stage


@settings(max_examples=200, deadline=None)
@given(histories(), histories())
def test_merging_two_journeys_equals_one_journey_of_all_events(a: list[JourneyEvent], b: list[JourneyEvent]) -> None:
    now = T0 + timedelta(days=900)
    b = [ev(e.kind, (e.occurred_at - T0).total_seconds() / 86400, key=f"b{i}", **e.payload) for i, e in enumerate(b)]
    left, _ = replay(sorted(a, key=lambda e: e.occurred_at), now=now)
    right, _ = replay(sorted(b, key=lambda e: e.occurred_at), now=now)
    merged, _ = evaluate(merge_states(left, right), now, POLICY, "merge")
    together, _ = replay(sorted(a + b, key=lambda e: e.occurred_at), now=now)
    assert merged.stage is together.stage
    assert merged.to_json() == together.to_json()


def test_log_lines_and_reasons_name_no_address() -> None:
    from saleor_journey.core.identity import redact

    assert redact("newsletter:anna.rossi@example.com") == "newsletter:<email>"
    assert redact("view:bob+x@shop.it:12:2026-11-29T10") == "view:<email>:12:2026-11-29T10"
    assert redact("recipient +39 333 123 4567 refused") == "recipient <phone> refused"
    assert redact("order:5f1c2b9e-1111-2222-3333-444455556666:placed") == "order:5f1c2b9e-1111-2222-3333-444455556666:placed"
