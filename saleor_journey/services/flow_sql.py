"""The flows' outbox writes as CTEs, joined to the journey row ``j`` of the recorder's single statement."""

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ..core.flows import FLOWS, Action, Cancel, Convert, Schedule, Uncredit
from ..models.tables import DELIVERY_EVENTS, MESSAGES


def flow_ctes(actions: Sequence[Action], ctes: list[str], params: list[Any], now: datetime) -> None:
    """Outbox writes for the flows, joined to the journey row ``j`` of the same statement."""
    for i, a in enumerate(x for x in actions if isinstance(x, Schedule) and x.pace is not None):
        # Paced (a backlog): due after the latest waiting message of this flow's step that was paced too.
        ctes.append(
            f"p{i} AS (INSERT INTO {MESSAGES} (dedupe_key, flow, step, subject_key, journey_id, channel, recipient,"
            " language, channel_slug, marketing, context, due_at, state, reason, attempts, created_at, updated_at)"
            " SELECT %s, %s, %s, %s, j.id, %s, %s, COALESCE(%s, 'en'), %s, %s, %s::jsonb,"
            f" GREATEST(%s::timestamptz, (SELECT max(due_at) FROM {MESSAGES} WHERE flow = %s AND step = %s"
            "   AND (context ->> 'backlog') = 'true' AND state IN ('pending', 'deferred')) + %s::interval),"
            " 'pending', '', 0, %s, %s FROM j ON CONFLICT (dedupe_key) DO NOTHING)"
        )
        params += [f"{a.flow}:{a.subject_key}:{a.step.name}:{a.step.channel}", a.flow, a.step.name, a.subject_key,
                   a.step.channel, a.recipient, a.language, a.channel_slug, a.step.marketing,
                   json.dumps(a.context, default=str), a.due_at, a.flow, a.step.name, a.pace, now, now]
    for restart in (True, False):
        rows = [a for a in actions if isinstance(a, Schedule) and a.restart is restart and a.pace is None]
        if not rows:
            continue
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s::boolean, %s::jsonb, %s::timestamptz)"] * len(rows))
        # A restart (the cart changed) moves what still waits, and follows the cart: a corrected address,
        # another language or channel replaces the old one, so nothing goes where the customer no longer is.
        conflict = (
            "DO UPDATE SET due_at = EXCLUDED.due_at, context = EXCLUDED.context, updated_at = EXCLUDED.updated_at,"
            " recipient = EXCLUDED.recipient, language = EXCLUDED.language, channel_slug = EXCLUDED.channel_slug,"
            f" journey_id = EXCLUDED.journey_id WHERE {MESSAGES}.state IN ('pending', 'deferred')"
            if restart else "DO NOTHING"
        )
        ctes.append(
            f"s{int(restart)} AS (INSERT INTO {MESSAGES} (dedupe_key, flow, step, subject_key, journey_id, channel, recipient,"
            " language, channel_slug, marketing, context, due_at, state, reason, attempts, created_at, updated_at)"
            " SELECT v.dk, v.flow, v.step, v.subject, j.id, v.channel, v.recipient, COALESCE(v.lang, 'en'), v.slug,"
            f" v.marketing, v.ctx, v.due, 'pending', '', 0, %s, %s FROM j, (VALUES {values})"
            " AS v(dk, flow, step, subject, channel, recipient, lang, slug, marketing, ctx, due)"
            f" ON CONFLICT (dedupe_key) {conflict})"
        )
        params += [now, now]
        for a in rows:
            params += [f"{a.flow}:{a.subject_key}:{a.step.name}:{a.step.channel}", a.flow, a.step.name,
                       a.subject_key, a.step.channel, a.recipient, a.language, a.channel_slug, a.step.marketing,
                       json.dumps(a.context, default=str), a.due_at]
    for i, cancel in enumerate(x for x in actions if isinstance(x, Cancel)):
        subject, subject_params = _subject(f"{MESSAGES}.subject_key", cancel.subject_key, cancel.all_sequences)
        if cancel.subject_key is None:
            subject = f"{MESSAGES}.journey_id = j.id"
        channel = f" AND {MESSAGES}.channel = %s" if cancel.channel is not None else ""
        ctes.append(
            f"c{i} AS (UPDATE {MESSAGES} SET state = 'cancelled', reason = %s, updated_at = %s FROM j"
            f" WHERE {MESSAGES}.flow = %s AND {subject}{channel} AND {MESSAGES}.state IN ('pending', 'deferred'))"
        )
        params += [cancel.reason, now, cancel.flow, *subject_params]
        params += [cancel.channel] if cancel.channel is not None else []
    for i, convert in enumerate(x for x in actions if isinstance(x, Convert)):
        if convert.subject_key is not None:
            subject, which_params = _subject("m.subject_key", convert.subject_key, convert.all_sequences)
            which = f"{subject} AND EXISTS (SELECT 1 FROM j)"
        else:
            # Within the window, and only the first order after the message: a sequence earns one conversion.
            # Sent within the window before the order was placed, and only the first order after the message:
            # a sequence earns one conversion.
            ordered_at = convert.ordered_at or now
            which = ("m.journey_id = (SELECT id FROM j) AND m.sent_at >= %s AND m.sent_at <= %s AND NOT EXISTS ("
                     f"SELECT 1 FROM {DELIVERY_EVENTS} c JOIN {MESSAGES} s ON s.id = c.message_id WHERE c.kind = 'converted'"
                     " AND s.flow = m.flow AND s.subject_key = m.subject_key)")
            which_params = [ordered_at - (convert.window or timedelta(0)), ordered_at]
        ctes.append(
            f"v{i} AS (INSERT INTO {DELIVERY_EVENTS} (message_id, kind, provider, provider_event_id, at, detail)"
            f" SELECT m.id, 'converted', 'journey', %s, %s, %s::jsonb FROM {MESSAGES} m"
            f" WHERE m.flow = %s AND {which} AND m.state = 'sent'"
            " ORDER BY m.sent_at DESC LIMIT 1 ON CONFLICT DO NOTHING)"
        )
        # One conversion per order and flow (the key is unique per provider).
        detail = {"order": convert.order, "total": convert.total, "currency": convert.currency}
        params += [f"converted:{convert.flow}:{convert.order}", now, json.dumps(detail), convert.flow, *which_params]
    for i, uncredit in enumerate(x for x in actions if isinstance(x, Uncredit)):
        ctes.append(
            f"u{i} AS (DELETE FROM {DELIVERY_EVENTS} WHERE kind = 'converted' AND provider = 'journey'"
            " AND provider_event_id = ANY(%s) AND EXISTS (SELECT 1 FROM j))"
        )
        params.append([f"converted:{flow}:{uncredit.order}" for flow in FLOWS])


def _subject(column: str, subject_key: str | None, all_sequences: bool) -> tuple[str, list[Any]]:
    """Match one subject, or (``all_sequences``) it and its later sequences ``<key>:<n>`` (an index range)."""
    if subject_key is None:
        return "", []
    if not all_sequences:
        return f"{column} = %s", [subject_key]
    return f"({column} = %s OR ({column} > %s AND {column} <= %s))", [subject_key, f"{subject_key}:", f"{subject_key}:~"]
