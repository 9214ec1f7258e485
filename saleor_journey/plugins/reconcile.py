"""The reconciliation sweep: what Saleor's tables say happened that no hook recorded.

Saleor calls this plugin's hooks after its own commit (``call_event`` defers
them to ``transaction.on_commit``), so a process that dies between the commit
and the hook loses the event. Every few minutes beat runs this sweep: it reads
the users, checkouts and orders Saleor changed since the last sweep (minus an
overlap, for transactions that committed late), builds the events the hooks
would have built — the same builders, so the same dedupe keys — and records
those that are missing through the same recorder, marked ``reconciled``.

Only what happened while the plugin was watching starts a flow (services/watch.py):
whatever the sweep finds from before the watch began — before the plugin was
switched on, while it was off, while beat was down, before a restored
database — and whatever predates its window is recorded as history (stages and
figures, no message), as are orders imported with orderBulkCreate.

What it cannot see: objects deleted before it ran (a checkout created and
completed within one sweep interval whose hooks were all lost), and changes
that leave no trace in Saleor's columns (an intermediate cart state).
"""

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ..core.events import EventKind, EventSource, JourneyEvent
from ..core.identity import normalise_email
from ..models import Journey, SaleorWatermark
from ..models import JourneyEvent as EventRow
from ..services import watch
from ..services.recording import ExtraRead, JourneyRecorder
from . import events

logger = logging.getLogger(__name__)

WATERMARK = watch.HEARTBEAT
#: Re-read this much before the last sweep's end: a transaction that began earlier may have committed since.
OVERLAP = timedelta(minutes=10)
#: A sweep after a long stop reads at most this far back (older lost hooks are left to journey_backfill).
MAX_WINDOW = timedelta(days=7)
BATCH = 500
#: checkoutCreate saves a new checkout more than once; a last change this close to creation is the creation.
SAME_SAVE = timedelta(seconds=1)

Built = tuple[JourneyEvent, tuple[ExtraRead, ...]]
#: Within one instant, the order the hooks fire in.
_KIND_ORDER = {kind: i for i, kind in enumerate([
    EventKind.ACCOUNT_CREATED, EventKind.ACCOUNT_UPDATED, EventKind.CHECKOUT_CREATED, EventKind.CART_UPDATED,
    EventKind.ORDER_PLACED, EventKind.ORDER_PAID, EventKind.FULFILLMENT_CREATED, EventKind.ORDER_FULFILLED,
    EventKind.ORDER_VOIDED,
])}


def sweep(recorder: JourneyRecorder, now: datetime) -> int:
    """Record what lost hooks missed since the last sweep; return how many events were recorded.

    The first sweep after installation only sets its mark: earlier history is
    the backfill's (``journey_backfill``), which never sends. After that, an
    event found from before the watch's start or the window's is history.
    """
    watched = watch.watching_since(now)
    mark = SaleorWatermark.objects.filter(name=WATERMARK).first()
    if mark is None:
        SaleorWatermark.objects.create(name=WATERMARK, seen_until=now, updated_at=now)
        return 0
    since = max(mark.seen_until - OVERLAP, now - MAX_WINDOW)
    live_from = max(watched, since)
    recorded = 0
    candidates = sorted(_candidates(since, now), key=lambda b: (b[0].occurred_at, _KIND_ORDER.get(b[0].kind, 99)))
    for start in range(0, len(candidates), BATCH):
        batch = candidates[start:start + BATCH]
        known = _recorded(b[0].dedupe_key for b in batch)
        for event, reads in batch:
            if event.dedupe_key in known or _already_created(event, known):
                continue
            if event.occurred_at < live_from:
                event = replace(event, source=EventSource.BACKFILL)
            if recorder.record(event, reads).recorded:
                recorded += 1
                logger.info("journey: %s %s (its hook was lost)", "reconciled" if event.source is EventSource.RECONCILED
                            else "recorded as history", event.kind)
    SaleorWatermark.objects.filter(name=WATERMARK).update(seen_until=now, updated_at=now)
    return recorded


def _recorded(keys: Iterator[str]) -> dict[str, datetime]:
    """Which of these events (and their checkouts' ``created`` events) are recorded, with their times."""
    wanted = set()
    for key in keys:
        wanted.add(key)
        if key.startswith("checkout:"):
            wanted.add(_created_key(key))
    return dict(EventRow.objects.filter(dedupe_key__in=wanted).values_list("dedupe_key", "occurred_at"))


def _created_key(key: str) -> str:
    return ":".join(key.split(":", 2)[:2]) + ":created"


def _already_created(event: JourneyEvent, known: dict[str, datetime]) -> bool:
    """Tell whether a checkout is unchanged since its ``created`` hook (it has no ``updated`` event to miss)."""
    if event.kind is not EventKind.CART_UPDATED:
        return False
    return known.get(_created_key(event.dedupe_key)) == event.occurred_at


def _reconciled(built: Any) -> Built | None:
    """Mark a builder's event as the sweep records it: reconciled, or history (never sending) for an import."""
    if built is None:
        return None
    event, reads = built if isinstance(built, tuple) else (built, ())
    history = event.source is EventSource.BACKFILL
    reads = reads if isinstance(reads, tuple) else (reads,)
    return replace(event, source=EventSource.BACKFILL if history else EventSource.RECONCILED), reads


def _candidates(since: datetime, until: datetime) -> list[Built]:
    found: list[Built | None] = []
    found += _users(since, until)
    found += _checkouts(since, until)
    found += _orders(since, until)
    return [b for b in found if b is not None]


def _users(since: datetime, until: datetime) -> list[Built | None]:
    """Accounts opened in the window, and accounts whose email no longer matches their journey's."""
    from saleor.account.models import User

    users = list(User.objects.filter(updated_at__gte=since, updated_at__lt=until).only(
        "pk", "email", "date_joined", "updated_at", "language_code"))
    journeys = dict(Journey.objects.filter(user_id__in=[u.pk for u in users], merged_into__isnull=True)
                    .values_list("user_id", "email"))
    found: list[Built | None] = []
    for user in users:
        if user.date_joined >= since:
            found.append(_reconciled(events.account_created(user, until)))
        if user.pk in journeys and journeys[user.pk] != normalise_email(user.email):
            found.append(_reconciled(events.account_updated(user, until)))
    return found


def _checkouts(since: datetime, until: datetime) -> list[Built | None]:
    """Rebuild the events of each checkout changed in the window as its hooks would have seen them.

    Created (when it was created in the window; dated at creation, with its lines now), and updated at its last
    change (when that came later).
    """
    from saleor.checkout.models import Checkout

    found: list[Built | None] = []
    changed = Checkout.objects.filter(last_change__gte=since, last_change__lt=until).select_related("channel", "user")
    for checkout in changed.iterator(chunk_size=BATCH):
        if checkout.created_at >= since:
            created = _reconciled(events.checkout_event(checkout, EventKind.CHECKOUT_CREATED, until))
            if created is not None:
                found.append((replace(created[0], occurred_at=min(checkout.created_at, checkout.last_change)),
                              created[1]))
        if checkout.created_at < since or checkout.last_change - checkout.created_at >= SAME_SAVE:
            found.append(_reconciled(events.checkout_event(checkout, EventKind.CART_UPDATED, until)))
    return found


def _orders(since: datetime, until: datetime) -> list[Built | None]:
    """Rebuild what the order hooks record, read off each order changed in the window and its fulfilments."""
    from django.db.models import Max
    from saleor.order.models import Fulfillment, Order

    found: list[Built | None] = []
    changed = Order.objects.filter(updated_at__gte=since, updated_at__lt=until).exclude(status="draft")
    changed = changed.select_related("channel", "user").annotate(fulfilled_at=Max("fulfillments__created_at"))
    for order in changed.iterator(chunk_size=BATCH):
        if order.origin == "bulk_create":
            found += [_reconciled(e) for e in events.imported_order(order, until)]
            continue
        found.append(_reconciled(events.order_event(order, EventKind.ORDER_PLACED, until)))
        if order.charge_status in ("full", "overcharged"):
            found.append(_reconciled(events.order_event(order, EventKind.ORDER_PAID, order.created_at)))
        if order.status == "fulfilled" and order.fulfilled_at is not None:
            found.append(_reconciled(events.order_event(order, EventKind.ORDER_FULFILLED, order.fulfilled_at)))
        if order.status in ("canceled", "expired"):
            found.append(_reconciled(events.order_event(order, EventKind.ORDER_VOIDED, order.updated_at)))
    fulfillments = Fulfillment.objects.filter(created_at__gte=since, created_at__lt=until).select_related(
        "order__channel", "order__user")
    found += [_reconciled(events.fulfillment_created(f, until)) for f in fulfillments.iterator(chunk_size=BATCH)]
    return found
