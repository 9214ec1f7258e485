"""Saleor's history as a stream of customers, for the backfill.

Three server-side cursors (users, orders, open checkouts) read Saleor's tables
in one REPEATABLE READ snapshot, each sorted by the same customer key
(``u:<zero-padded user id>`` or ``e:<lower-cased email>``, byte order), and are
merged into one stream grouped by customer. Nothing is loaded whole: memory
stays flat however large the shop.
"""

import heapq
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import connection

from ..core.events import EventKind, EventSource, JourneyEvent, Subject
from ..core.identity import normalise_email

logger = logging.getLogger(__name__)

CURSOR_ITERSIZE = 20_000

_KEY = (
    "CASE WHEN {uid} IS NOT NULL THEN 'u:' || lpad(({uid})::text, 12, '0')"
    " ELSE 'e:' || lower(trim({email})) END COLLATE \"C\""
)


@dataclass(slots=True)
class CustomerHistory:
    """One customer's past events, as the backfill sees them."""

    key: str
    user_id: int | None
    email: str | None
    events: list[JourneyEvent] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HistoryCounts:
    orders: int
    users: int
    checkouts: int


def _tables() -> dict[str, str]:
    from saleor.account.models import User
    from saleor.channel.models import Channel
    from saleor.checkout.models import Checkout, CheckoutLine
    from saleor.order.models import Order

    return {
        "user": User._meta.db_table,
        "order": Order._meta.db_table,
        "checkout": Checkout._meta.db_table,
        "line": CheckoutLine._meta.db_table,
        "channel": Channel._meta.db_table,
    }


def _queries(after: str) -> dict[str, tuple[str, list[Any]]]:
    t = _tables()
    user_key = _KEY.format(uid="u.id", email="u.email")
    order_key = _KEY.format(uid="COALESCE(o.user_id, m.id)", email="o.user_email")
    checkout_key = _KEY.format(uid="COALESCE(c.user_id, m.id)", email="c.email")
    return {
        "users": (
            f"SELECT * FROM (SELECT {user_key} AS k, u.id, u.email, u.date_joined FROM {t['user']} u) s"
            " WHERE k > %s ORDER BY k",
            [after],
        ),
        "orders": (
            f"SELECT * FROM (SELECT {order_key} AS k, COALESCE(o.user_id, m.id) AS uid, o.user_email, o.id,"
            " o.number, o.created_at, o.updated_at, o.status, o.charge_status, o.total_gross_amount,"
            " o.currency, o.checkout_token, o.channel_id"
            f" FROM {t['order']} o LEFT JOIN {t['user']} m"
            "   ON o.user_id IS NULL AND lower(m.email) = lower(trim(o.user_email))"
            " WHERE o.status <> 'draft' AND (o.user_id IS NOT NULL OR o.user_email <> '')) s"
            " WHERE k > %s ORDER BY k, created_at",
            [after],
        ),
        "checkouts": (
            f"SELECT * FROM (SELECT {checkout_key} AS k, COALESCE(c.user_id, m.id) AS uid, c.email, c.token,"
            " c.last_change, c.channel_id, n.lines"
            f" FROM {t['checkout']} c"
            f" JOIN (SELECT checkout_id, count(*) AS lines FROM {t['line']} GROUP BY checkout_id) n"
            "   ON n.checkout_id = c.token"
            f" LEFT JOIN {t['user']} m ON c.user_id IS NULL AND lower(m.email) = lower(trim(c.email))"
            " WHERE c.user_id IS NOT NULL OR coalesce(c.email, '') <> '') s"
            " WHERE k > %s ORDER BY k",
            [after],
        ),
    }


def _reader() -> psycopg.Connection[Any]:
    """Open a second connection, so streaming reads never mix with the backfill's write transactions."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    reader = psycopg.connect(**params)
    reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    reader.read_only = True
    return reader


def count_history() -> HistoryCounts:
    t = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {t['order']} WHERE status <> 'draft'),"
            f" (SELECT count(*) FROM {t['user']}), (SELECT count(*) FROM {t['checkout']})"
        )
        orders, users, checkouts = cursor.fetchone()
    return HistoryCounts(orders=orders, users=users, checkouts=checkouts)


def _stream(reader: psycopg.Connection[Any], name: str, sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
    with reader.cursor(name=f"journey_backfill_{name}") as cursor:
        cursor.itersize = CURSOR_ITERSIZE
        cursor.execute(sql, params)
        yield from cursor


def _order_events(row: tuple[Any, ...], channels: dict[int, str]) -> list[JourneyEvent]:
    _k, _uid, _email, order_id, number, created_at, updated_at, status, charge, total, currency, token, channel_id = row
    channel = channels.get(channel_id)
    payload = {
        "order": str(order_id),
        "number": number,
        "total": str(total) if total is not None else None,
        "currency": currency,
        "checkout": token or None,
        "status": status,
        "charge_status": charge,
    }
    events = [
        JourneyEvent(
            kind=EventKind.ORDER_PLACED,
            subject=_NOBODY,
            dedupe_key=f"order:{order_id}:placed",
            occurred_at=created_at,
            channel=channel,
            payload=payload,
            source=EventSource.BACKFILL,
        )
    ]
    if status in ("canceled", "expired"):
        events.append(
            JourneyEvent(
                kind=EventKind.ORDER_VOIDED,
                subject=_NOBODY,
                dedupe_key=f"order:{order_id}:voided",
                occurred_at=max(updated_at, created_at),
                channel=channel,
                payload={"order": str(order_id), "status": status},
                source=EventSource.BACKFILL,
            )
        )
    return events


# The subject is implied by the CustomerHistory the event belongs to.
_NOBODY = Subject()


def _user_events(row: tuple[Any, ...]) -> list[JourneyEvent]:
    _k, user_id, _email, joined = row
    return [
        JourneyEvent(
            kind=EventKind.ACCOUNT_CREATED,
            subject=_NOBODY,
            dedupe_key=f"user:{user_id}:created",
            occurred_at=joined,
            source=EventSource.BACKFILL,
        )
    ]


def _checkout_events(row: tuple[Any, ...], channels: dict[int, str]) -> list[JourneyEvent]:
    _k, _uid, _email, token, last_change, channel_id, lines = row
    return [
        JourneyEvent(
            kind=EventKind.CART_UPDATED,
            subject=_NOBODY,
            dedupe_key=f"checkout:{token}:updated:{last_change.isoformat()}",
            occurred_at=last_change,
            channel=channels.get(channel_id),
            payload={"checkout": str(token), "lines": lines},
            source=EventSource.BACKFILL,
        )
    ]


def iter_customers(after: str = "") -> Iterator[CustomerHistory | str]:
    """Yield each customer's history in key order; a bare key string marks one that cannot be tracked."""
    t = _tables()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, slug FROM {t['channel']}")
        channels = dict(cursor.fetchall())
    reader = _reader()
    try:
        queries = _queries(after)
        streams = [
            ((row[0], 0, row) for row in _stream(reader, "users", *queries["users"])),
            ((row[0], 1, row) for row in _stream(reader, "orders", *queries["orders"])),
            ((row[0], 2, row) for row in _stream(reader, "checkouts", *queries["checkouts"])),
        ]
        merged = heapq.merge(*streams, key=lambda item: item[0])
        for key, group in itertools.groupby(merged, key=lambda item: item[0]):
            yield _history(key, group, channels)
        reader.commit()
    finally:
        reader.close()


def _history(key: str, group: Any, channels: dict[int, str]) -> CustomerHistory | str:
    user_id: int | None = None
    raw_email: str | None = None
    events: list[JourneyEvent] = []
    for _key, source, row in group:
        if source == 0:
            user_id, raw_email = row[1], row[2]
            events += _user_events(row)
        elif source == 1:
            user_id = user_id if row[1] is None else row[1]
            raw_email = raw_email or row[2]
            events += _order_events(row, channels)
        else:
            user_id = user_id if row[1] is None else row[1]
            raw_email = raw_email or row[2]
            events += _checkout_events(row, channels)
    email = normalise_email(raw_email)
    if user_id is None and email is None:
        return key
    return CustomerHistory(key=key, user_id=user_id, email=email, events=events)

