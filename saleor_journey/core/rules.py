"""Pure journey rules: (state, event, now) -> (new state, transitions).

The state is a summary built only from commutative pieces (earliest and latest
times, counters), so applying the same events in any order gives the same
state, and the stage is derived from that state and the clock. That is what
makes a journey converge to the stage a replay of its sorted event log gives,
however late or out of order Saleor delivers events.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from .events import EventKind, JourneyEvent
from .stages import BUYER_STAGES, Stage

LAPSE_CAUSE = "lapse"
#: Cause of a change the clock alone brings (an old review no longer counts).
ELAPSED_CAUSE = "elapsed"


@dataclass(frozen=True, slots=True)
class StagePolicy:
    """The thresholds shop owners can tune; defaults follow DESIGN.md."""

    lapse_days: int = 180
    retention_min_orders: int = 2
    retention_window_days: int = 365
    advocacy_min_rating: int = 4
    advocacy_min_nps: int = 9

    def __post_init__(self) -> None:
        if self.lapse_days < 1:
            raise ValueError("lapse_days must be at least 1")
        if self.retention_min_orders < 2:
            raise ValueError("retention_min_orders must be at least 2")
        if self.retention_window_days < 1:
            raise ValueError("retention_window_days must be at least 1")
        if not 1 <= self.advocacy_min_rating <= 5:
            raise ValueError("advocacy_min_rating must be between 1 and 5")
        if not 0 <= self.advocacy_min_nps <= 10:
            raise ValueError("advocacy_min_nps must be between 0 and 10")

    @property
    def lapse(self) -> timedelta:
        return timedelta(days=self.lapse_days)

    @property
    def retention_window(self) -> timedelta:
        return timedelta(days=self.retention_window_days)


@dataclass(frozen=True, slots=True)
class JourneyState:
    """Everything the stage depends on; every field merges commutatively."""

    stage: Stage = Stage.AWARENESS
    stage_since: datetime | None = None
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    considered_at: datetime | None = None
    orders_placed: int = 0
    orders_voided: int = 0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    promoted_at: datetime | None = None
    engaged_at: datetime | None = None
    override_stage: str | None = None  # set by staff; holds until the customer's own next move
    override_at: datetime | None = None

    @property
    def active_orders(self) -> int:
        return max(self.orders_placed - self.orders_voided, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            name: (value.isoformat() if isinstance(value, datetime) else value)
            for name in _FIELDS
            if (value := getattr(self, name)) is not None
        }

    @classmethod
    def from_json(
        cls, data: dict[str, Any], stage: Stage | str, stage_since: datetime | None
    ) -> "JourneyState":
        values: dict[str, Any] = {}
        for name in _FIELDS:
            if name in data:
                raw = data[name]
                if name in _TIME_FIELDS:
                    values[name] = datetime.fromisoformat(raw)
                else:
                    values[name] = str(raw) if name in _TEXT_FIELDS else int(raw)
        return cls(stage=Stage(stage), stage_since=stage_since, **values)


_FIELDS = tuple(name for name in JourneyState.__dataclass_fields__ if name not in ("stage", "stage_since"))
_TIME_FIELDS = frozenset(
    {"first_seen_at", "last_seen_at", "considered_at", "first_order_at", "last_order_at", "promoted_at", "engaged_at",
     "override_at"}
)
_TEXT_FIELDS = frozenset({"override_stage"})


@dataclass(frozen=True, slots=True)
class Transition:
    """One stage change, kept as history."""

    from_stage: Stage
    to_stage: Stage
    cause: str
    at: datetime


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def derive_stage(state: JourneyState, now: datetime, policy: StagePolicy) -> Stage:
    """Return the stage a summary implies at ``now``: staff's override while it holds, else what the rules say.

    An override holds until the customer moves on their own: an order, a
    promoting review or a loyalty action after it, or a lapse that falls after it.
    """
    natural = _natural_stage(state, now, policy)
    if state.override_stage is None or state.override_at is None:
        return natural
    if Stage(state.override_stage) in BUYER_STAGES and state.active_orders == 0:
        return natural  # nobody is a buyer without a standing order, whatever staff say
    own_moves = [t for t in (state.last_order_at, state.promoted_at, state.engaged_at) if t is not None]
    if any(t > state.override_at for t in own_moves):
        return natural
    if natural is Stage.LAPSED and state.last_order_at is not None and state.last_order_at + policy.lapse > state.override_at:
        return natural
    return Stage(state.override_stage)


def _natural_stage(state: JourneyState, now: datetime, policy: StagePolicy) -> Stage:
    if state.active_orders == 0 or state.last_order_at is None:
        return Stage.CONSIDERATION if state.considered_at is not None else Stage.AWARENESS
    if state.last_order_at + policy.lapse <= now:
        return Stage.LAPSED
    if state.promoted_at is not None and state.promoted_at > now - policy.lapse:
        return Stage.ADVOCACY
    if state.active_orders >= policy.retention_min_orders:
        return Stage.RETENTION
    if (
        state.engaged_at is not None
        and state.first_order_at is not None
        and state.engaged_at >= state.first_order_at
        and state.engaged_at > now - policy.retention_window
    ):
        return Stage.RETENTION
    return Stage.PURCHASE


def refine_event(event: JourneyEvent) -> JourneyEvent:
    """Treat a cart update that left no lines as a cart emptied (what reminders stop on)."""
    if event.kind is EventKind.CART_UPDATED and int(event.payload.get("lines", 0)) == 0:
        return replace(event, kind=EventKind.CART_EMPTIED)
    return event


def fold_event(state: JourneyState, event: JourneyEvent, policy: StagePolicy) -> JourneyState:
    """Merge one event into the summary, without deciding the stage."""
    at = event.occurred_at
    payload = event.payload
    changes: dict[str, Any] = {
        "first_seen_at": _earliest(state.first_seen_at, at),
        "last_seen_at": _latest(state.last_seen_at, at),
    }
    kind = event.kind
    if kind is EventKind.PRODUCT_VIEWED or (
        kind in (EventKind.CHECKOUT_CREATED, EventKind.CART_UPDATED)
        and int(payload.get("lines", 0)) > 0
    ):
        changes["considered_at"] = _earliest(state.considered_at, at)
    elif kind is EventKind.ORDER_PLACED:
        changes["orders_placed"] = state.orders_placed + 1
        changes["first_order_at"] = _earliest(state.first_order_at, at)
        changes["last_order_at"] = _latest(state.last_order_at, at)
    elif kind is EventKind.ORDER_VOIDED:
        changes["orders_voided"] = state.orders_voided + 1
    elif (
        (kind is EventKind.REVIEW_SUBMITTED and int(payload.get("rating", 0)) >= policy.advocacy_min_rating)
        or (kind is EventKind.NPS_SUBMITTED and int(payload.get("score", -1)) >= policy.advocacy_min_nps)
        or kind is EventKind.REFERRAL_MADE
    ):
        changes["promoted_at"] = _latest(state.promoted_at, at)
    elif kind is EventKind.LOYALTY_ENGAGED:
        changes["engaged_at"] = _latest(state.engaged_at, at)
    elif kind is EventKind.STAGE_SET:
        stage = str(Stage(payload["stage"]))
        # The latest override wins; two at the same instant are ordered by name, so arrival order never matters.
        if state.override_at is None or (at, stage) > (state.override_at, state.override_stage or ""):
            changes["override_stage"], changes["override_at"] = stage, at
    return replace(state, **changes)


def merge_states(a: JourneyState, b: JourneyState) -> JourneyState:
    """Combine two summaries of one person (a guest journey merged into an account).

    The stage stays ``a``'s until the caller settles it with ``evaluate``.
    """
    return JourneyState(
        stage=a.stage,
        stage_since=a.stage_since,
        first_seen_at=_earliest(a.first_seen_at, b.first_seen_at),
        last_seen_at=_latest(a.last_seen_at, b.last_seen_at),
        considered_at=_earliest(a.considered_at, b.considered_at),
        orders_placed=a.orders_placed + b.orders_placed,
        orders_voided=a.orders_voided + b.orders_voided,
        first_order_at=_earliest(a.first_order_at, b.first_order_at),
        last_order_at=_latest(a.last_order_at, b.last_order_at),
        promoted_at=_latest(a.promoted_at, b.promoted_at),
        engaged_at=_latest(a.engaged_at, b.engaged_at),
        **_later_override(a, b),
    )


def _later_override(a: JourneyState, b: JourneyState) -> dict[str, Any]:
    newest = max((s for s in (a, b) if s.override_at is not None), key=lambda s: (s.override_at, s.override_stage or ""),
                 default=None)
    return {"override_stage": newest.override_stage, "override_at": newest.override_at} if newest else {}


def evaluate(
    state: JourneyState, now: datetime, policy: StagePolicy, cause: str
) -> tuple[JourneyState, list[Transition]]:
    """Move the stage to what the summary implies at ``now``.

    A lapse that happened before ``now`` is recorded at the moment it happened
    (last order + lapse_days), so replayed history shows when a customer went quiet.
    """
    transitions: list[Transition] = []
    current = state
    if state.last_order_at is not None and state.active_orders > 0:
        lapse_at = state.last_order_at + policy.lapse
        if (
            lapse_at <= now
            and state.stage is not Stage.LAPSED
            and (state.stage_since is None or state.stage_since <= lapse_at)
        ):
            transitions.append(Transition(state.stage, Stage.LAPSED, LAPSE_CAUSE, lapse_at))
            current = replace(current, stage=Stage.LAPSED, stage_since=lapse_at)
    target = derive_stage(current, now, policy)
    if target is not current.stage:
        transitions.append(Transition(current.stage, target, cause, now))
        current = replace(current, stage=target, stage_since=now)
    elif current.stage_since is None:
        current = replace(current, stage_since=now)
    return current, transitions


def apply_event(
    state: JourneyState, event: JourneyEvent, now: datetime, policy: StagePolicy
) -> tuple[JourneyState, list[Transition]]:
    """Apply the journey rule: fold the event in, then settle the stage at ``now``.

    A lapse that the clock implies before the event is emitted first, so an
    order after a long silence reads "lapsed" then "retention" in the history.
    """
    settled, before = evaluate(state, min(event.occurred_at, now), policy, ELAPSED_CAUSE)
    folded = fold_event(settled, event, policy)
    after_state, after = evaluate(folded, now, policy, event.kind.value)
    return after_state, [*before, *after]


def replay(
    events: Iterable[JourneyEvent], policy: StagePolicy, now: datetime
) -> tuple[JourneyState, list[Transition]]:
    """Rebuild a journey from its whole log: events in time order, each at its own time, then settled at ``now``."""
    state = JourneyState()
    history: list[Transition] = []
    for event in sorted(events, key=lambda e: e.occurred_at):
        state, transitions = apply_event(state, event, event.occurred_at, policy)
        history += transitions
    state, transitions = evaluate(state, now, policy, ELAPSED_CAUSE)
    return state, history + transitions
