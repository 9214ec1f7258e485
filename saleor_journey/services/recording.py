"""Recording events into journeys in two SQL statements, idempotently and race-free.

Saleor runs plugin hooks inside the customer's checkout and order requests, so
recording must be cheap: one SELECT reads the journeys the event may belong to
(and whether the event was already recorded), the rules run in Python, and one
statement made of CTEs writes the journey, the event, the stage history, any
guest merge and the stage mirror on the Saleor user. Concurrent writers are
kept apart by the journey's ``version`` and the event's unique ``dedupe_key``:
a lost race writes nothing and is retried. The writes join the caller's
transaction, so an event of a rolled-back transaction is never recorded.
"""

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction

from .. import clock as journey_clock
from ..core.events import EventKind, EventSource, JourneyEvent, Subject
from ..core.flows import Action, FlowSettings, Recipient, plan
from ..core.identity import redact
from ..core.rules import (
    ELAPSED_CAUSE,
    JourneyState,
    StagePolicy,
    Transition,
    apply_event,
    evaluate,
    merge_states,
    refine_event,
)
from ..core.stages import Stage
from ..models import Journey
from ..models.tables import JOURNEY_EVENTS, JOURNEYS, STAGE_TRANSITIONS
from .db import savepoint_if_in_transaction
from .flow_sql import flow_ctes

logger = logging.getLogger(__name__)

#: Lock-free attempts before a writer that keeps losing races takes row locks instead.
OPTIMISTIC_ATTEMPTS = 3
MAX_ATTEMPTS = 8

#: Events about a cart: its reminders follow the cart's own address.
CART_KINDS = frozenset({EventKind.CHECKOUT_CREATED, EventKind.CART_UPDATED, EventKind.CART_EMPTIED})
#: Events that carry the account's own, current email address.
ACCOUNT_KINDS = frozenset({EventKind.ACCOUNT_CREATED, EventKind.ACCOUNT_UPDATED})



@dataclass(frozen=True, slots=True)
class StageMirror:
    """Where the current stage is copied for Saleor's own API: a JSON column of the user table.

    In Saleor that is ``account_user.private_metadata`` under a configurable key,
    updated with ``||`` (JSON concatenate) as Saleor's ``update_private_metadata`` does.
    """

    table: str
    pk_column: str
    json_column: str
    key: str
    touch_column: str | None = None


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What recording an event did; ``recorded`` is False for a duplicate or an unknown subject."""

    recorded: bool
    duplicate: bool = False  # the event had been recorded before
    journey_id: int | None = None
    stage: Stage | None = None
    transitions: list[Transition] = field(default_factory=list)


@dataclass(slots=True)
class _Row:
    id: int
    key: str
    user_id: int | None
    email: str | None
    version: int
    state: JourneyState

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "_Row":
        since = datetime.fromisoformat(raw["stage_since"]) if raw["stage_since"] else None
        return cls(
            id=raw["id"],
            key=raw["key"],
            user_id=raw["user_id"],
            email=raw["email"],
            version=raw["version"],
            state=JourneyState.from_json(raw["state"] or {}, raw["stage"], since),
        )


@dataclass(frozen=True, slots=True)
class ExtraRead:
    """A subquery returning one JSON object, added to the read and merged into the event payload.

    It lets a hook learn what it needs from Saleor's tables (a checkout's lines)
    inside the same round-trip instead of a third query.
    """

    sql: str
    params: tuple[Any, ...] = ()


_READ_SQL = """
SELECT
  EXISTS (SELECT 1 FROM {JOURNEY_EVENTS} WHERE dedupe_key = %s),
  COALESCE((
    SELECT json_agg(json_build_object(
      'id', j.id, 'key', j.key, 'user_id', j.user_id, 'email', j.email, 'stage', j.stage,
      'stage_since', j.stage_since, 'version', j.version, 'state', j.state))
    FROM {JOURNEYS} j
    WHERE j.merged_into_id IS NULL
      AND (j.user_id = %s OR j.email = %s
           OR j.id = (SELECT journey_id FROM {JOURNEY_EVENTS} WHERE dedupe_key = %s))
  ), '[]'){extra}
"""


def _decode(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _key_for(user_id: int | None, email: str | None) -> str:
    return f"user:{user_id}" if user_id is not None else f"email:{email}"


class JourneyRecorder:
    """Applies events to journeys; one instance per plugin configuration."""

    def __init__(
        self,
        policy: StagePolicy,
        mirror: StageMirror | None = None,
        clock: Callable[[], datetime] = journey_clock.now,
        flows: FlowSettings | None = None,
    ) -> None:
        self.policy = policy
        self.mirror = mirror
        self.clock = clock
        self.flows = flows

    def record(self, event: JourneyEvent, reads: tuple[ExtraRead, ...] = ()) -> RecordResult:
        """Record one event and settle the stage; a duplicate changes nothing."""
        subject = event.subject
        if not subject.is_identified():
            logger.info("journey: %s %s has no user or email; not tracked", event.kind, redact(event.dedupe_key))
            return RecordResult(recorded=False)
        for attempt in range(MAX_ATTEMPTS):
            locked = attempt >= OPTIMISTIC_ATTEMPTS
            try:
                with transaction.atomic() if locked else savepoint_if_in_transaction():
                    if locked:
                        self._lock(subject)
                    outcome = self._attempt(event, reads)
            except IntegrityError:
                outcome = None  # a concurrent writer recorded this event or created the journey
            if outcome is not None:
                return outcome
        logger.warning("journey: gave up recording %s after %d conflicting attempts", redact(event.dedupe_key),
                       MAX_ATTEMPTS)
        return RecordResult(recorded=False)

    @staticmethod
    def _lock(subject: Subject) -> None:
        """Take the journeys' row locks, so a writer under heavy contention stops losing races."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {JOURNEYS} WHERE merged_into_id IS NULL AND (user_id = %s OR email = %s"
                f" OR id = (SELECT journey_id FROM {JOURNEY_EVENTS} WHERE dedupe_key = %s)) ORDER BY id FOR UPDATE",
                [subject.user_id, subject.email, subject.anchor_key],
            )

    def _attempt(self, event: JourneyEvent, reads: tuple[ExtraRead, ...]) -> RecordResult | None:
        subject = event.subject
        sql = _READ_SQL.format(JOURNEY_EVENTS=JOURNEY_EVENTS, JOURNEYS=JOURNEYS, extra="".join(f", ({r.sql})" for r in reads))
        params: list[Any] = [event.dedupe_key, subject.user_id, subject.email, subject.anchor_key]
        for read in reads:
            params += read.params
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            seen, rows_json, *extra = cursor.fetchone()
        if seen:
            logger.debug("journey: %s already recorded", redact(event.dedupe_key))
            return RecordResult(recorded=False, duplicate=True)
        if reads:
            payload = dict(event.payload)
            for value in extra:
                payload.update(_decode(value) or {})
            event = refine_event(replace(event, payload=payload))
        rows = [_Row.from_json(r) for r in _decode(rows_json)]
        target, guest = self._choose(rows, event)
        if target is None and subject.user_id is None and not subject.email:
            logger.info("journey: %s refers to %s, which has no journey; not tracked", redact(event.dedupe_key),
                        redact(subject.anchor_key or ""))
            return RecordResult(recorded=False)

        now = self.clock()
        state = target.state if target is not None else JourneyState()
        if guest is not None:
            state = merge_states(state, guest.state)
        if event.source in (EventSource.RECONCILED, EventSource.BACKFILL) and event.occurred_at < now:
            # Found late (a lost hook) or history (an import): the stage moves when it happened, then settles now.
            new_state, transitions = apply_event(state, event, event.occurred_at, self.policy)
            new_state, later = evaluate(new_state, now, self.policy, ELAPSED_CAUSE)
            transitions += later
        else:
            new_state, transitions = apply_event(state, event, now, self.policy)
        user_id = subject.user_id if subject.user_id is not None else (target.user_id if target else None)
        email = self._email_for(target, subject.email, event.kind in ACCOUNT_KINDS)
        attaches_user = user_id is not None and (target is None or target.user_id != user_id)
        key = _key_for(user_id, email) if user_id is not None or target is None else target.key
        actions = self._plan(event, transitions, key, email, now, self._lapse_moment(new_state))
        journey_id, event_id = self._write(
            target=target,
            guest=guest,
            user_id=user_id,
            email=email,
            state=new_state,
            transitions=transitions,
            event=event,
            now=now,
            mirror_stage=user_id is not None and (bool(transitions) or attaches_user or guest is not None),
            actions=actions,
        )
        if journey_id is None:
            return None
        if guest is not None:
            logger.info("journey: merged guest journey %s into %s", guest.id, journey_id)
        return RecordResult(recorded=True, journey_id=journey_id, stage=new_state.stage, transitions=transitions)

    def _plan(
        self, event: JourneyEvent | None, transitions: list[Transition], key: str, email: str | None, now: datetime,
        lapsed_at: datetime | None = None,
    ) -> list[Action]:
        if self.flows is None:
            return []
        payload = event.payload if event is not None else {}
        if event is not None and event.kind in CART_KINDS and event.subject.email:
            email = event.subject.email  # a cart's reminders go to the address on the cart, as it is now
        who = Recipient(
            key=key, email=email, phone=payload.get("phone"), language=payload.get("language"),
            channel_slug=event.channel if event is not None else None,
        )
        return plan(event, transitions, who, self.flows, now, lapsed_at)

    def _lapse_moment(self, state: JourneyState) -> datetime | None:
        """When the customer went quiet under today's threshold (their last order + lapse_days)."""
        return state.last_order_at + self.policy.lapse if state.last_order_at is not None else None

    @staticmethod
    def _choose(rows: list[_Row], event: JourneyEvent) -> tuple[_Row | None, _Row | None]:
        """Pick the journey to update and a guest journey to merge into it, if any."""
        subject = event.subject
        by_user = next((r for r in rows if subject.user_id is not None and r.user_id == subject.user_id), None)
        by_email = next((r for r in rows if subject.email and r.email == subject.email), None)
        by_anchor = next(
            (r for r in rows if r is not by_user and r is not by_email),
            None,
        )
        if subject.user_id is not None:
            guest = by_email if by_email is not None and by_email.user_id is None else None
            if by_user is None:
                return guest, None  # adopt the guest journey (or create one)
            return by_user, (guest if guest is not None and guest.id != by_user.id else None)
        return by_email or by_anchor, None

    @staticmethod
    def _email_for(target: _Row | None, email: str | None, from_account: bool) -> str | None:
        """Choose the journey's address: the account's own on account events, else the first one seen."""
        if target is None or target.email is None:
            return email
        if email and from_account:
            return email
        return target.email

    def settle(self, journey_id: int, cause: str) -> RecordResult:
        """Re-derive a journey's stage at the current time (lapse), without an event."""
        with savepoint_if_in_transaction():
            journey = Journey.objects.filter(pk=journey_id, merged_into__isnull=True).first()
            if journey is None:
                return RecordResult(recorded=False)
            state = JourneyState.from_json(journey.state, journey.stage, journey.stage_since)
            now = self.clock()
            new_state, transitions = evaluate(state, now, self.policy, cause)
            if not transitions:
                return RecordResult(recorded=False, journey_id=journey.pk, stage=state.stage)
            target = _Row(journey.pk, journey.key, journey.user_id, journey.email, journey.version, state)
            actions = self._plan(None, transitions, journey.key, journey.email, now, self._lapse_moment(new_state))
            written, _ = self._write(
                target=target,
                guest=None,
                user_id=journey.user_id,
                email=journey.email,
                state=new_state,
                transitions=transitions,
                event=None,
                now=now,
                mirror_stage=journey.user_id is not None,
                actions=actions,
            )
        return RecordResult(recorded=written is not None, journey_id=journey.pk, stage=new_state.stage, transitions=transitions)

    def _write(
        self,
        *,
        target: _Row | None,
        guest: _Row | None,
        user_id: int | None,
        email: str | None,
        state: JourneyState,
        transitions: list[Transition],
        event: JourneyEvent | None,
        now: datetime,
        mirror_stage: bool,
        actions: Sequence[Action] = (),
    ) -> tuple[int | None, int | None]:
        """One statement: journey upsert, event, history, guest merge, stage mirror, flow messages."""
        params: list[Any] = []
        ctes: list[str] = []
        values = [user_id, email, state.stage.value, state.stage_since, state.last_order_at, state.first_seen_at,
                  json.dumps(state.to_json()), now]
        if target is None:
            ctes.append(
                f"j AS (INSERT INTO {JOURNEYS} (key, user_id, email, stage, stage_since, last_order_at, first_seen_at,"
                " state, version, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, 1, %s, %s)"
                " ON CONFLICT (key) DO NOTHING RETURNING id)"
            )
            params += [_key_for(user_id, email), *values, now]
        else:
            guest_guard = ""
            if guest is not None:
                guest_guard = f" AND EXISTS (SELECT 1 FROM {JOURNEYS} g WHERE g.id = %s AND g.version = %s AND g.merged_into_id IS NULL)"
            ctes.append(
                f"j AS (UPDATE {JOURNEYS} SET key = %s, user_id = %s, email = %s, stage = %s, stage_since = %s,"
                " last_order_at = %s, first_seen_at = %s, state = %s::jsonb, updated_at = %s, version = version + 1"
                f" WHERE id = %s AND version = %s{guest_guard} RETURNING id)"
            )
            key = _key_for(user_id, email) if user_id is not None else target.key
            params += [key, *values, target.id, target.version]
            if guest is not None:
                params += [guest.id, guest.version]
        if event is not None:
            ctes.append(
                f"e AS (INSERT INTO {JOURNEY_EVENTS} (journey_id, kind, dedupe_key, occurred_at, recorded_at, channel, source, payload)"
                " SELECT j.id, %s, %s, %s, %s, %s, %s, %s::jsonb FROM j RETURNING id, journey_id)"
            )
            params += [
                event.kind.value,
                event.dedupe_key,
                event.occurred_at,
                now,
                event.channel,
                event.source.value,
                json.dumps(event.payload, default=str),
            ]
        if transitions:
            rows = ", ".join(["(%s, %s, %s, %s::timestamptz)"] * len(transitions))
            event_id = "(SELECT id FROM e)" if event is not None else "NULL::bigint"
            ctes.append(
                f"t AS (INSERT INTO {STAGE_TRANSITIONS} (journey_id, event_id, from_stage, to_stage, cause, at)"
                f" SELECT j.id, {event_id}, v.f, v.t, v.c, v.a FROM j, (VALUES {rows}) AS v(f, t, c, a))"
            )
            for tr in transitions:
                params += [tr.from_stage.value, tr.to_stage.value, tr.cause, tr.at]
        if guest is not None:
            ctes.append(
                f"mg AS (UPDATE {JOURNEYS} SET merged_into_id = j.id, user_id = NULL, state = '{{}}'::jsonb,"
                f" updated_at = %s, version = {JOURNEYS}.version + 1 FROM j WHERE {JOURNEYS}.id = %s)"
            )
            ctes.append(f"me AS (UPDATE {JOURNEY_EVENTS} SET journey_id = j.id FROM j WHERE {JOURNEY_EVENTS}.journey_id = %s)")
            ctes.append(f"mt AS (UPDATE {STAGE_TRANSITIONS} SET journey_id = j.id FROM j WHERE {STAGE_TRANSITIONS}.journey_id = %s)")
            params += [now, guest.id, guest.id, guest.id]
        if mirror_stage and self.mirror is not None and user_id is not None:
            m = self.mirror
            touch = f", {m.touch_column} = %s" if m.touch_column else ""
            ctes.append(
                f"mirror AS (UPDATE {m.table} SET {m.json_column} ="
                f" COALESCE({m.json_column}, '{{}}'::jsonb) || %s::jsonb{touch}"
                f" WHERE {m.pk_column} = %s AND EXISTS (SELECT 1 FROM j))"
            )
            params.append(json.dumps({m.key: state.stage.value}))
            if m.touch_column:
                params.append(now)
            params.append(user_id)
        flow_ctes(actions, ctes, params, now)
        event_select = "(SELECT id FROM e)" if event is not None else "NULL"
        sql = f"WITH {', '.join(ctes)} SELECT (SELECT id FROM j), {event_select}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            journey_id, event_id = cursor.fetchone()
        return journey_id, event_id
