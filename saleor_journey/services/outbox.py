"""Scheduling and cancelling messages: rows in the outbox, written in the caller's transaction."""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from .. import clock as journey_clock
from ..models import MessageState, ScheduledMessage
from ..models.delivery import DUE_STATES
from ..models.tables import MESSAGES

logger = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class MessageSpec:
    """What a flow wants sent: one step of one flow to one subject, on one channel, when due."""

    flow: str
    step: str
    subject_key: str
    channel: str
    recipient: str
    due_at: datetime
    journey_id: int | None = None
    language: str = "en"
    channel_slug: str | None = None
    marketing: bool = True
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        return f"{self.flow}:{self.subject_key}:{self.step}:{self.channel}"


def schedule(spec: MessageSpec) -> bool:
    """Insert the message unless its (flow, subject, step, channel) already exists; True when inserted.

    One statement with ``ON CONFLICT DO NOTHING``: firing the same trigger
    twice, concurrently or after a retry, leaves one row. It joins the
    caller's transaction, so a rolled-back trigger schedules nothing.
    """
    if spec.due_at.tzinfo is None:
        raise ValueError("MessageSpec.due_at must be timezone-aware")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MESSAGES} (dedupe_key, flow, step, subject_key, journey_id, channel, recipient, language, channel_slug,"
            " marketing, context, due_at, state, reason, attempts, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, 'pending', '', 0, now(), now())"
            " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            [spec.dedupe_key, spec.flow, spec.step, spec.subject_key, spec.journey_id, spec.channel, spec.recipient, spec.language,
             spec.channel_slug, spec.marketing, json.dumps(spec.context, default=str), spec.due_at],
        )
        return cursor.fetchone() is not None


def cancel(flow: str, subject_key: str, reason: str, steps: list[str] | None = None) -> int:
    """Cancel a flow's pending messages for a subject (a state change, never a delete)."""
    pending = ScheduledMessage.objects.filter(flow=flow, subject_key=subject_key, state__in=DUE_STATES)
    if steps is not None:
        pending = pending.filter(step__in=steps)
    return pending.update(state=MessageState.CANCELLED, reason=reason[:255], updated_at=journey_clock.now())


def cancel_overdue(now: datetime, reason: str) -> int:
    """Cancel every message that came due before ``now`` and still waits (the plugin was off when it was due)."""
    overdue = ScheduledMessage.objects.filter(state__in=DUE_STATES, due_at__lt=now)
    return overdue.update(state=MessageState.CANCELLED, reason=reason[:255], updated_at=now)


def stop_pending(
    recipients: list[str], channels: list[str], state: str, reason: str, marketing_only: bool = False
) -> int:
    """Move what still waits for these recipients to ``state`` (an opt-out, a bounce): never sent, never deleted."""
    pending = ScheduledMessage.objects.filter(recipient__in=recipients, channel__in=channels, state__in=DUE_STATES)
    if marketing_only:
        pending = pending.filter(marketing=True)
    return pending.update(state=state, reason=reason[:255], updated_at=journey_clock.now())
