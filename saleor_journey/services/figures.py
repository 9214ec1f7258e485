"""The funnel's and the metrics' figures: per UTC day and channel, computed by SQL, stored or live.

One set of statements computes every additive figure for a range of days;
``refresh`` stores their output (and a snapshot of customers per stage) for
the API to sum, and ``figures_for`` either sums the stored rows or, when they
are missing or stale, runs the same statements live, so both paths agree by
construction. A figure is a (day, channel, name) -> value row; names:

  entered:<stage>                 customers moving into the stage (transition time; the causing event's channel),
                                  and into awareness, the first, when they become known (no channel)
  started:<flow>                  sequences started (distinct subjects of the day's new messages)
  abandoned:abandoned_cart        carts abandoned: the first reminder's delay passed without an order (or the
                                  cart being emptied) first; counted on that reminder's due day
  abandoned_checkouts             the same, for a checkout's first reminder sequence only (each checkout once)
  carts                           checkouts with an item, on the day they first held one (each checkout once)
  cart_reason:<reason>            reasons customers gave for leaving a cart (by the day of the first answer;
                                  a changed answer counts as its latest reason)
  nps:<score>                     NPS survey answers 0-10 (by the day of the first answer, at its latest score)
  suppressed:<flow>, cancelled:<flow>   new messages that ended so (by creation day)
  sent:<flow>, sent_via:<channel> messages sent (by send day); requests_sent: review requests (first step)
  converted:<flow>, revenue:<flow>:<currency>   orders credited to a flow and their totals
  delivery:<channel>:<kind>       provider events (delivered, opened, clicked, bounced, complained, failed)
  reviews:<rating>                reviews written (no channel)
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from .. import clock as journey_clock
from ..models import (
    JourneyFigure,
    JourneyFiguresRun,
    JourneyStageCount,
)
from ..models.tables import (
    CART_REASONS,
    DELIVERY_EVENTS,
    JOURNEY_EVENTS,
    JOURNEYS,
    MESSAGES,
    NPS_ANSWERS,
    REVIEWS,
    STAGE_TRANSITIONS,
)

logger = logging.getLogger(__name__)

ALL = "*"
#: Figures without a channel (reviews), counted for the whole shop whichever channel is asked for.
SHOP_WIDE = "reviews:"
#: Stored figures older than this are not used; the query is computed live instead.
STALE_AFTER = timedelta(hours=1)

_DAY = "(({col}) AT TIME ZONE 'UTC')::date"

DAILY = [
    f"""SELECT {_DAY.format(col='t.at')}, COALESCE(e.channel, ''), 'entered:' || t.to_stage, count(*)
        FROM {STAGE_TRANSITIONS} t JOIN {JOURNEYS} j ON j.id = t.journey_id AND j.merged_into_id IS NULL
        LEFT JOIN {JOURNEY_EVENTS} e ON e.id = t.event_id
        WHERE t.at >= %(start)s AND t.at < %(end)s GROUP BY 1, 2, 3""",
    # Becoming known is the entry into the first stage: it has no transition of its own (a journey starts there).
    f"""SELECT {_DAY.format(col='first_seen_at')}, '', 'entered:awareness', count(*) FROM {JOURNEYS}
        WHERE merged_into_id IS NULL AND first_seen_at >= %(start)s AND first_seen_at < %(end)s GROUP BY 1, 2, 3""",
    f"""SELECT d, c, unnest(ARRAY['started:' || flow, 'suppressed:' || flow, 'cancelled:' || flow]),
               unnest(ARRAY[started, suppressed, cancelled])
        FROM (SELECT {_DAY.format(col='created_at')} d, COALESCE(channel_slug, '') c, flow,
                     count(DISTINCT subject_key) started, count(*) FILTER (WHERE state = 'suppressed') suppressed,
                     count(*) FILTER (WHERE state = 'cancelled') cancelled
              FROM {MESSAGES} WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1, 2, 3) x""",
    # A cart is abandoned once its first reminder is due (or was already handled) and nothing ended the
    # sequence before that moment; a cart bought a minute after it was started never was.
    f"""SELECT {_DAY.format(col='m.due_at')}, COALESCE(m.channel_slug, ''),
               unnest(ARRAY['abandoned:' || m.flow, 'abandoned_checkouts']),
               unnest(ARRAY[count(*), count(*) FILTER (WHERE m.subject_key NOT LIKE 'checkout:%%:%%')])
        FROM {MESSAGES} m
        WHERE m.flow = 'abandoned_cart' AND m.due_at >= %(start)s AND m.due_at < %(end)s
          AND (m.due_at <= %(now)s OR m.state NOT IN ('pending', 'deferred', 'cancelled'))
          AND NOT (m.state = 'cancelled' AND m.updated_at <= m.due_at)
          AND NOT EXISTS (SELECT 1 FROM {MESSAGES} e WHERE e.subject_key = m.subject_key AND e.flow = m.flow
                          AND (e.due_at, e.id) < (m.due_at, m.id))
        GROUP BY 1, 2, m.flow""",
    # A cart counts once, on the day it first held an item (its checkout's first event with lines).
    f"""SELECT {_DAY.format(col='e.occurred_at')}, COALESCE(e.channel, ''), 'carts', count(DISTINCT e.payload ->> 'checkout')
        FROM {JOURNEY_EVENTS} e
        WHERE e.kind IN ('checkout_created', 'cart_updated') AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
          AND e.payload ->> 'lines' ~ '^[1-9][0-9]*$'
          AND NOT EXISTS (SELECT 1 FROM {JOURNEY_EVENTS} p
                          WHERE p.dedupe_key > split_part(e.dedupe_key, ':', 1) || ':' || split_part(e.dedupe_key, ':', 2) || ':'
                            AND p.dedupe_key < split_part(e.dedupe_key, ':', 1) || ':' || split_part(e.dedupe_key, ':', 2) || ':~'
                            AND split_part(p.dedupe_key, ':', 2) = split_part(e.dedupe_key, ':', 2)
                            AND p.kind IN ('checkout_created', 'cart_updated') AND p.payload ->> 'lines' ~ '^[1-9][0-9]*$'
                            AND (p.occurred_at, p.id) < (e.occurred_at, e.id))
        GROUP BY 1, 2, 3""",
    f"""SELECT {_DAY.format(col='created_at')}, COALESCE(channel_slug, ''), 'cart_reason:' || reason, count(*)
        FROM {CART_REASONS} WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1, 2, 3""",
    f"""SELECT {_DAY.format(col='created_at')}, COALESCE(channel_slug, ''), 'nps:' || score, count(*)
        FROM {NPS_ANSWERS} WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1, 2, 3""",
    f"""SELECT d, c, unnest(ARRAY['sent:' || flow, 'sent_via:' || channel, 'requests_sent']),
               unnest(ARRAY[n, n, requests])
        FROM (SELECT {_DAY.format(col='sent_at')} d, COALESCE(channel_slug, '') c, flow, channel, count(*) n,
                     count(*) FILTER (WHERE flow = 'review_request' AND step = 'request') requests
              FROM {MESSAGES} WHERE state = 'sent' AND sent_at >= %(start)s AND sent_at < %(end)s GROUP BY 1, 2, 3, 4) x""",
    f"""SELECT {_DAY.format(col='v.at')}, COALESCE(m.channel_slug, ''), 'converted:' || m.flow, count(*)
        FROM {DELIVERY_EVENTS} v JOIN {MESSAGES} m ON m.id = v.message_id
        WHERE v.kind = 'converted' AND v.at >= %(start)s AND v.at < %(end)s GROUP BY 1, 2, 3""",
    f"""SELECT {_DAY.format(col='v.at')}, COALESCE(m.channel_slug, ''),
               'revenue:' || m.flow || ':' || (v.detail ->> 'currency'), sum((v.detail ->> 'total')::numeric)
        FROM {DELIVERY_EVENTS} v JOIN {MESSAGES} m ON m.id = v.message_id
        WHERE v.kind = 'converted' AND v.at >= %(start)s AND v.at < %(end)s
          AND v.detail ->> 'currency' IS NOT NULL AND v.detail ->> 'total' ~ '^[0-9]+(\\.[0-9]+)?$'
        GROUP BY 1, 2, 3""",
    f"""SELECT {_DAY.format(col='v.at')}, COALESCE(m.channel_slug, ''), 'delivery:' || m.channel || ':' ||
               CASE v.kind WHEN 'undelivered' THEN 'failed' WHEN 'read' THEN 'delivered' ELSE v.kind END,
               count(DISTINCT v.message_id)
        FROM {DELIVERY_EVENTS} v JOIN {MESSAGES} m ON m.id = v.message_id
        WHERE v.kind IN ('delivered', 'read', 'opened', 'clicked', 'bounced', 'complained', 'failed', 'undelivered')
          AND v.at >= %(start)s AND v.at < %(end)s GROUP BY 1, 2, 3""",
    f"""SELECT {_DAY.format(col='created_at')}, '', 'reviews:' || rating, count(*)
        FROM {REVIEWS} WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1, 2, 3""",
]

STAGE_COUNTS_ALL = f"SELECT '{ALL}', stage, count(*) FROM {JOURNEYS} WHERE merged_into_id IS NULL GROUP BY 1, 2"
#: Per channel: the channel of the event that moved each customer into their current stage.
STAGE_COUNTS_BY_CHANNEL = f"""
    SELECT COALESCE(e.channel, ''), j.stage, count(*)
    FROM {JOURNEYS} j
    LEFT JOIN LATERAL (SELECT event_id FROM {STAGE_TRANSITIONS} t WHERE t.journey_id = j.id ORDER BY t.at DESC, t.id DESC LIMIT 1) last
      ON true
    LEFT JOIN {JOURNEY_EVENTS} e ON e.id = last.event_id
    WHERE j.merged_into_id IS NULL AND (%(channel)s::text IS NULL OR COALESCE(e.channel, '') = %(channel)s)
    GROUP BY 1, 2"""


@dataclass(frozen=True, slots=True)
class Figures:
    """Summed figures of a period (and channel), and customers per stage now."""

    values: dict[str, Decimal]
    stage_counts: dict[str, int]
    as_of: datetime
    stored: bool

    def get(self, name: str) -> Decimal:
        return self.values.get(name, Decimal(0))

    def named(self, prefix: str) -> dict[str, Decimal]:
        return {name[len(prefix):]: value for name, value in self.values.items() if name.startswith(prefix)}


def _bounds(first: date, last: date) -> dict[str, datetime]:
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return {"start": start, "end": start + timedelta(days=(last - first).days + 1), "now": journey_clock.now()}


def daily(first: date, last: date) -> list[tuple[date, str, str, Decimal]]:
    """Every figure for each day from ``first`` to ``last`` (inclusive), computed from the tables.

    A figure two statements count (entered:awareness) is their sum.
    """
    rows: dict[tuple[date, str, str], Decimal] = defaultdict(Decimal)
    with connection.cursor() as cursor:
        for statement in DAILY:
            cursor.execute(statement, _bounds(first, last))
            for d, c, n, v in cursor.fetchall():
                if n is not None and v:
                    rows[(d, c, n)] += Decimal(v)
    return [(d, c, n, v) for (d, c, n), v in rows.items()]


def stage_counts(channel: str | None, every_channel: bool = False) -> dict[tuple[str, str], int]:
    """Count customers per stage now: for ``channel``, or every channel together (``ALL``) and, if asked, each one."""
    rows: list[tuple[str, str, int]] = []
    with connection.cursor() as cursor:
        if channel is None:
            cursor.execute(STAGE_COUNTS_ALL)
            rows += cursor.fetchall()
        if channel is not None or every_channel:
            cursor.execute(STAGE_COUNTS_BY_CHANNEL, {"channel": channel})
            rows += cursor.fetchall()
    return {(c, s): n for c, s, n in rows}


def refresh(now: datetime | None = None) -> int:
    """Recompute recent days and the stage snapshot; return the rows written.

    Usually yesterday and today. The first refresh of each UTC day recomputes
    all of history, so rows dated in the past (a lapse the hourly check found
    late, a provider event reported days after) are in the figures within a day.
    """
    now = now or journey_clock.now()
    today = now.astimezone(UTC).date()
    run = JourneyFiguresRun.objects.first()
    if run is None or run.refreshed_at.astimezone(UTC).date() < today:
        first = _earliest_day() or today
    else:
        first = today - timedelta(days=1)
    rows = daily(first, today)
    counts = stage_counts(None, every_channel=True)
    with transaction.atomic():
        JourneyFigure.objects.filter(day__gte=first).delete()
        JourneyFigure.objects.bulk_create(
            [JourneyFigure(day=d, channel=c, name=n, value=v) for d, c, n, v in rows], batch_size=5000
        )
        JourneyStageCount.objects.all().delete()
        JourneyStageCount.objects.bulk_create(
            JourneyStageCount(channel=c, stage=s, customers=n) for (c, s), n in counts.items()
        )
        if run is None:
            JourneyFiguresRun.objects.create(refreshed_at=now, first_day=first)
        else:
            JourneyFiguresRun.objects.filter(pk=run.pk).update(refreshed_at=now, first_day=min(first, run.first_day))
    logger.info("journey: figures refreshed from %s (%d rows)", first, len(rows))
    return len(rows)


def _earliest_day() -> date | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT least((SELECT min(at) FROM {STAGE_TRANSITIONS}), (SELECT min(created_at) FROM {MESSAGES}), (SELECT min(at) FROM {DELIVERY_EVENTS}),"
            f" (SELECT min(created_at) FROM {REVIEWS}),"
            f" (SELECT min(first_seen_at) FROM {JOURNEYS} WHERE merged_into_id IS NULL))"
        )
        earliest = cursor.fetchone()[0]
    return earliest.astimezone(UTC).date() if earliest else None


@dataclass(frozen=True, slots=True)
class DailyFigures:
    """A period's figures day by day (and channel), and customers per stage now."""

    days: dict[date, dict[str, Decimal]]
    stage_counts: dict[str, int]
    as_of: datetime
    stored: bool

    def total(self) -> Figures:
        values: dict[str, Decimal] = defaultdict(Decimal)
        for day in self.days.values():
            for name, value in day.items():
                values[name] += value
        return Figures(dict(values), self.stage_counts, self.as_of, self.stored)


def figures_by_day(first: date, last: date, channel: str | None) -> DailyFigures:
    """Return the period's figures per day: stored rows when they are fresh and cover it, else computed live."""
    now = journey_clock.now()
    run = JourneyFiguresRun.objects.first()
    days: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    # Days before first_day had no data when the figures were first computed (a backfill resets them).
    if run is not None and run.refreshed_at >= now - STALE_AFTER:
        stored = JourneyFigure.objects.filter(day__gte=first, day__lte=last)
        if channel is not None:
            stored = stored.filter(Q(channel=channel) | Q(name__startswith=SHOP_WIDE))
        for day, name, value in stored.values_list("day", "name", "value"):
            days[day][name] += value
        counts = dict(JourneyStageCount.objects.filter(channel=channel if channel is not None else ALL)
                      .values_list("stage", "customers"))
        return DailyFigures(_plain(days), counts, run.refreshed_at, stored=True)
    for day, row_channel, name, value in daily(first, last):
        if channel is None or row_channel == channel or name.startswith(SHOP_WIDE):
            days[day][name] += value
    wanted = channel if channel is not None else ALL
    counts = {stage: n for (c, stage), n in stage_counts(channel).items() if c == wanted}
    return DailyFigures(_plain(days), counts, now, stored=False)


def _plain(days: dict[date, dict[str, Decimal]]) -> dict[date, dict[str, Decimal]]:
    return {day: dict(values) for day, values in sorted(days.items())}


def figures_for(first: date, last: date, channel: str | None) -> Figures:
    """Sum the period's figures: stored when fresh, else computed live (see ``figures_by_day``)."""
    return figures_by_day(first, last, channel).total()
