"""Building journeys from a shop's existing history, in committed batches that resume after a stop.

Each customer's past events are folded with the same pure rules the live hooks
use (each event applied at its own time, then settled at ``now``), so a
backfilled journey, its stage and its history read exactly as if the plugin
had been installed from day one. Writes go through COPY into temporary
tables, then into the journey tables with ``ON CONFLICT DO NOTHING`` on the
same dedupe keys the hooks use: re-running the backfill, or a live hook that
recorded the same Saleor event, never doubles anything. Backfilled events are
marked ``source=backfill`` and never trigger a message.
"""

import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone

from ..core.events import EventKind, JourneyEvent, Subject
from ..core.rules import JourneyState, StagePolicy, Transition, replay
from ..models import BackfillRun, JourneyFiguresRun
from ..models.tables import JOURNEY_EVENTS, JOURNEYS, STAGE_TRANSITIONS
from .recording import StageMirror

logger = logging.getLogger(__name__)

BACKFILL_CAUSE = "backfill"


class History(Protocol):
    key: str
    user_id: int | None
    email: str | None
    events: list[JourneyEvent]


@dataclass(slots=True)
class _Folded:
    history: History
    state: JourneyState
    transitions: list[Transition]

    @property
    def journey_key(self) -> str:
        h = self.history
        return f"user:{h.user_id}" if h.user_id is not None else f"email:{h.email}"


@dataclass(frozen=True, slots=True)
class BatchResult:
    customers: int
    skipped: int
    orders: int
    events: int
    last_key: str


_TEMP_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS journey_bf_journey (
  key text, user_id bigint, email text, stage text, stage_since timestamptz,
  last_order_at timestamptz, first_seen_at timestamptz, state jsonb) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS journey_bf_event (
  journey_id bigint, journey_key text, kind text, dedupe_key text, occurred_at timestamptz,
  channel text, payload jsonb) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS journey_bf_transition (
  journey_key text, from_stage text, to_stage text, cause text, at timestamptz) ON COMMIT DELETE ROWS;
"""


class Backfill:
    """Folds and writes customer histories in batches; one instance per run."""

    def __init__(
        self,
        policy: StagePolicy,
        mirror: StageMirror | None,
        name: str = "default",
        batch_size: int = 2000,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.policy = policy
        self.mirror = mirror
        self.name = name
        self.batch_size = batch_size
        self.clock = clock

    def checkpoint(self, restart: bool = False) -> BackfillRun:
        now = self.clock()
        run, created = BackfillRun.objects.get_or_create(
            name=self.name, defaults={"started_at": now, "updated_at": now}
        )
        if restart and not created:
            run.position, run.customers, run.skipped, run.orders, run.events = "", 0, 0, 0, 0
            run.started_at, run.updated_at, run.finished_at = now, now, None
            run.save()
        return run

    def run(self, customers: Iterator[Any], on_batch: Callable[[BatchResult], None] | None = None) -> BackfillRun:
        """Consume ``customers`` (histories, or bare keys for untrackable ones) batch by batch.

        Folding (CPU, this thread) overlaps with writing the previous batch
        (PostgreSQL, one writer thread with its own connection); batches are
        written and checkpointed strictly in order.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="journey-backfill") as writer:
            pending: Future[BatchResult] | None = None
            try:
                for items in _chunks(customers, self.batch_size):
                    folded = self.fold_batch(items)
                    if pending is not None:
                        self._report(pending.result(), on_batch)
                    pending = writer.submit(self._write_in_thread, items, folded)
                if pending is not None:
                    self._report(pending.result(), on_batch)
            finally:
                # Whatever was handed to the writer is committed before we leave, so the checkpoint is exact.
                writer.shutdown(wait=True)
        BackfillRun.objects.filter(name=self.name).update(finished_at=self.clock(), updated_at=self.clock())
        JourneyFiguresRun.objects.all().delete()  # history changed: the next figures refresh recomputes every day
        return BackfillRun.objects.get(name=self.name)

    @staticmethod
    def _report(result: BatchResult, on_batch: Callable[[BatchResult], None] | None) -> None:
        if on_batch is not None:
            on_batch(result)

    def fold_batch(self, items: list[Any]) -> list["_Folded"]:
        now = self.clock()
        return [_Folded(h, *replay(h.events, self.policy, now)) for h in items if not isinstance(h, str)]

    def _write_in_thread(self, items: list[Any], folded: list["_Folded"]) -> BatchResult:
        try:
            return self.write_batch(items, folded)
        finally:
            connection.close()

    def write_batch(self, items: list[Any], folded: list["_Folded"] | None = None) -> BatchResult:
        """Write one batch and move the checkpoint past it, in one transaction."""
        now = self.clock()
        if folded is None:
            folded = self.fold_batch(items)
        histories = [f.history for f in folded]
        last_key = items[-1] if isinstance(items[-1], str) else items[-1].key
        orders = sum(1 for h in histories for e in h.events if e.kind is EventKind.ORDER_PLACED)
        events = sum(len(h.events) for h in histories)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_TEMP_TABLES)
            existing = self._existing(cursor, folded)
            fresh = [f for f in folded if f.journey_key not in existing]
            created = self._create(cursor, fresh)
            # A live hook may have created some of these journeys meanwhile: treat them as existing.
            late = [f for f in fresh if f.journey_key not in created]
            if late:
                existing.update(self._existing(cursor, late))
            ids = {**created, **existing}
            self._insert_events(cursor, folded, ids)
            self._insert_transitions(cursor, [f for f in fresh if f.journey_key in created], created)
            self._mirror(cursor, [f for f in fresh if f.journey_key in created])
            self._refold(cursor, [f for f in folded if f.journey_key in existing], existing, now)
            BackfillRun.objects.filter(name=self.name).update(
                position=last_key,
                customers=_inc("customers", len(histories)),
                skipped=_inc("skipped", len(items) - len(histories)),
                orders=_inc("orders", orders),
                events=_inc("events", events),
                updated_at=now,
            )
        return BatchResult(len(histories), len(items) - len(histories), orders, events, last_key)

    @staticmethod
    def _existing(cursor: Any, folded: list[_Folded]) -> dict[str, int]:
        """Journeys already there (live hooks, an earlier run), keyed by the backfill's journey key."""
        if not folded:
            return {}
        user_ids = [f.history.user_id for f in folded if f.history.user_id is not None]
        emails = [f.history.email for f in folded if f.history.email]
        # Two index lookups; an OR of both would scan the whole table every batch.
        cursor.execute(
            f"SELECT id, user_id, email FROM {JOURNEYS} WHERE merged_into_id IS NULL AND user_id = ANY(%s)"
            f" UNION SELECT id, user_id, email FROM {JOURNEYS} WHERE merged_into_id IS NULL AND email = ANY(%s)",
            [user_ids, emails],
        )
        by_user: dict[int, int] = {}
        by_email: dict[str, int] = {}
        guest_by_email: dict[str, int] = {}
        for journey_id, user_id, email in cursor.fetchall():
            if user_id is not None:
                by_user[user_id] = journey_id
            if email is not None:
                by_email.setdefault(email, journey_id)
                if user_id is None:
                    guest_by_email[email] = journey_id
        found: dict[str, int] = {}
        for f in folded:
            h = f.history
            if h.user_id is not None:
                # An account's journey, or the guest journey it adopts (as the live hooks do).
                journey_id = by_user.get(h.user_id) or guest_by_email.get(h.email or "")
            else:
                journey_id = by_email.get(h.email or "")
            if journey_id is not None:
                found[f.journey_key] = journey_id
        return found

    @staticmethod
    def _create(cursor: Any, fresh: list[_Folded]) -> dict[str, int]:
        if not fresh:
            return {}
        with cursor.cursor.copy(
            "COPY journey_bf_journey (key, user_id, email, stage, stage_since, last_order_at, first_seen_at, state)"
            " FROM STDIN"
        ) as copy:
            for f in fresh:
                s = f.state
                copy.write_row(
                    (f.journey_key, f.history.user_id, f.history.email, s.stage.value, s.stage_since,
                     s.last_order_at, s.first_seen_at, json.dumps(s.to_json()))
                )
        cursor.execute(
            f"INSERT INTO {JOURNEYS} (key, user_id, email, stage, stage_since, last_order_at, first_seen_at, state,"
            " version, created_at, updated_at)"
            " SELECT key, user_id, email, stage, stage_since, last_order_at, first_seen_at, state, 1, now(), now()"
            " FROM journey_bf_journey ON CONFLICT DO NOTHING RETURNING key, id"
        )
        return dict(cursor.fetchall())

    @staticmethod
    def _insert_events(cursor: Any, folded: list[_Folded], ids: dict[str, int]) -> None:
        with cursor.cursor.copy(
            "COPY journey_bf_event (journey_id, kind, dedupe_key, occurred_at, channel, payload) FROM STDIN"
        ) as copy:
            for f in folded:
                journey_id = ids.get(f.journey_key)
                if journey_id is None:
                    continue
                for e in f.history.events:
                    copy.write_row(
                        (journey_id, e.kind.value, e.dedupe_key, e.occurred_at, e.channel,
                         json.dumps(e.payload))
                    )
        cursor.execute(
            f"INSERT INTO {JOURNEY_EVENTS} (journey_id, kind, dedupe_key, occurred_at, recorded_at, channel, source, payload)"
            " SELECT journey_id, kind, dedupe_key, occurred_at, now(), channel, 'backfill', payload"
            " FROM journey_bf_event ON CONFLICT (dedupe_key) DO NOTHING"
        )

    @staticmethod
    def _insert_transitions(cursor: Any, created: list[_Folded], ids: dict[str, int]) -> None:
        if not created:
            return
        with cursor.cursor.copy(f"COPY {STAGE_TRANSITIONS} (journey_id, from_stage, to_stage, cause, at) FROM STDIN") as copy:
            for f in created:
                journey_id = ids[f.journey_key]
                for t in f.transitions:
                    copy.write_row((journey_id, t.from_stage.value, t.to_stage.value, t.cause, t.at))

    def _mirror(self, cursor: Any, created: list[_Folded]) -> None:
        """Write the stage into new users' metadata; ``updated_at`` is left alone for history imports."""
        if self.mirror is None or not any(f.history.user_id is not None for f in created):
            return
        m = self.mirror
        cursor.execute(
            f"UPDATE {m.table} u SET {m.json_column} = COALESCE(u.{m.json_column}, '{{}}'::jsonb)"
            " || jsonb_build_object(%s::text, b.stage)"
            f" FROM journey_bf_journey b WHERE b.user_id IS NOT NULL AND u.{m.pk_column} = b.user_id",
            [m.key],
        )

    def _refold(self, cursor: Any, folded: list[_Folded], ids: dict[str, int], now: datetime) -> None:
        """Journeys that existed before: replay all their stored events and settle the stage once."""
        if not folded:
            return
        journey_ids = sorted({ids[f.journey_key] for f in folded})
        cursor.execute(
            f"SELECT id, stage, stage_since, user_id FROM {JOURNEYS} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [journey_ids],
        )
        current = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT journey_id, kind, occurred_at, payload FROM {JOURNEY_EVENTS} WHERE journey_id = ANY(%s)"
            " ORDER BY journey_id, occurred_at",
            [journey_ids],
        )
        stored: dict[int, list[JourneyEvent]] = {}
        for journey_id, kind, occurred_at, payload in cursor.fetchall():
            stored.setdefault(journey_id, []).append(
                JourneyEvent(kind=EventKind(kind), subject=Subject(), dedupe_key=f"stored:{journey_id}",
                             occurred_at=occurred_at, payload=_json(payload))
            )
        adopting = {ids[f.journey_key]: f.history.user_id for f in folded if f.history.user_id is not None}
        for journey_id in journey_ids:
            stage, stage_since, user_id = current[journey_id]
            if user_id is None and adopting.get(journey_id) is not None:
                user_id = adopting[journey_id]
                cursor.execute(
                    f"UPDATE {JOURNEYS} SET user_id = %s, key = %s WHERE id = %s", [user_id, f"user:{user_id}", journey_id]
                )
            state, _ = replay(stored.get(journey_id, []), self.policy, now)
            changed = state.stage.value != stage
            cursor.execute(
                f"UPDATE {JOURNEYS} SET state = %s::jsonb, last_order_at = %s, first_seen_at = %s, stage = %s,"
                " stage_since = %s, version = version + 1, updated_at = %s WHERE id = %s",
                [json.dumps(state.to_json()), state.last_order_at, state.first_seen_at, state.stage.value,
                 now if changed else stage_since, now, journey_id],
            )
            if changed:
                cursor.execute(
                    f"INSERT INTO {STAGE_TRANSITIONS} (journey_id, from_stage, to_stage, cause, at) VALUES (%s, %s, %s, %s, %s)",
                    [journey_id, stage, state.stage.value, BACKFILL_CAUSE, now],
                )
                if self.mirror is not None and user_id is not None:
                    m = self.mirror
                    cursor.execute(
                        f"UPDATE {m.table} SET {m.json_column} = COALESCE({m.json_column}, '{{}}'::jsonb) || %s::jsonb"
                        f" WHERE {m.pk_column} = %s",
                        [json.dumps({m.key: state.stage.value}), user_id],
                    )


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _json(value: Any) -> dict[str, Any]:
    """Django's psycopg setup hands jsonb to raw cursors as text."""
    return (json.loads(value) if isinstance(value, str) else value) or {}


def _inc(field: str, amount: int) -> Any:
    from django.db.models import F

    return F(field) + amount
