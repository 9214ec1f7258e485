"""Saleor objects -> plain journey events; the only place that knows Saleor's model fields.

Every function reads attributes already loaded on the object Saleor hands to
the hook (no lazy relation that would cost a query) and returns ``None`` with
a log line when the object cannot be tied to a person.
"""

import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..core.events import EventKind, EventSource, JourneyEvent, Subject
from ..core.identity import normalise_email
from ..services.recording import ExtraRead

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _subject(user_id: Any, raw_email: str | None, what: str) -> Subject | None:
    """Who the object belongs to; None (logged) when nobody can be identified."""
    email = normalise_email(raw_email)
    if raw_email and email is None:
        logger.info("journey: %s has a malformed email; tracking it by user only", what)
    if user_id is None and email is None:
        logger.info("journey: %s has neither a user nor a valid email; not tracked", what)
        return None
    return Subject(user_id=int(user_id) if user_id is not None else None, email=email)


def _cached(obj: Any, relation: str) -> Any:
    """Return a related object only when already loaded: reading it must never cost a query."""
    field = type(obj)._meta.get_field(relation)
    return field.get_cached_value(obj) if field.is_cached(obj) else None


def _cached_slug(obj: Any) -> str | None:
    """Return the channel slug; Saleor's manager loads the channel before calling the hook."""
    return getattr(_cached(obj, "channel"), "slug", None)


def _money(amount: Any) -> str | None:
    return str(Decimal(amount)) if amount is not None else None


# Customers ---------------------------------------------------------------


def account_created(user: Any, now: datetime) -> JourneyEvent | None:
    subject = _subject(user.pk, user.email, f"user {user.pk}")
    if subject is None:
        return None
    return JourneyEvent(
        kind=EventKind.ACCOUNT_CREATED,
        subject=subject,
        dedupe_key=f"user:{user.pk}:created",
        occurred_at=getattr(user, "date_joined", None) or now,
        payload={"language": getattr(user, "language_code", None)},
    )


def account_updated(user: Any, now: datetime) -> JourneyEvent | None:
    subject = _subject(user.pk, user.email, f"user {user.pk}")
    if subject is None:
        return None
    updated_at = getattr(user, "updated_at", None) or now
    return JourneyEvent(
        kind=EventKind.ACCOUNT_UPDATED,
        subject=subject,
        dedupe_key=f"user:{user.pk}:updated:{updated_at.isoformat()}",
        occurred_at=updated_at,
    )


# Checkouts ---------------------------------------------------------------


def checkout_lines_read(checkout: Any) -> ExtraRead:
    """Read the checkout's lines, address phone and earlier reminder sequences in the recorder's SELECT.

    The lines as their count and ``[[variant_id, quantity], ...]``; the earlier reminder sequences as how many,
    whether one waits, when a reminder last went, and whether the customer stopped them (a cart reason).
    """
    from saleor.account.models import Address
    from saleor.checkout.models import CheckoutLine

    from ..core.flows import ABANDONED_CART
    from ..models.tables import CART_REASONS, MESSAGES

    lines, addresses = CheckoutLine._meta.db_table, Address._meta.db_table
    address_ids = [i for i in (checkout.billing_address_id, checkout.shipping_address_id) if i is not None]
    subject = f"checkout:{checkout.pk}"
    keys = (subject, f"{subject}:", f"{subject}:~")  # the checkout's sequences: checkout:<token>[:<n>]
    return ExtraRead(
        sql=(
            "SELECT json_build_object('lines', count(*), 'line_snapshot',"
            " COALESCE(json_agg(json_build_array(variant_id, quantity) ORDER BY created_at), '[]'),"
            f" 'phone', (SELECT phone FROM {addresses} WHERE id = ANY(%s) AND phone <> ''"
            "   ORDER BY array_position(%s, id) LIMIT 1),"
            " 'sequences', (SELECT json_build_object('count', count(DISTINCT subject_key),"
            "   'live', COALESCE(bool_or(state IN ('pending', 'deferred', 'sending')), false),"
            "   'last_sent_at', max(sent_at),"
            f"   'stopped', EXISTS (SELECT 1 FROM {CART_REASONS} WHERE stopped"
            "     AND (subject_key = %s OR (subject_key > %s AND subject_key <= %s))))"
            f"  FROM {MESSAGES} WHERE flow = %s"
            "   AND (subject_key = %s OR (subject_key > %s AND subject_key <= %s))))"
            f" FROM {lines} WHERE checkout_id = %s AND variant_id IS NOT NULL"
        ),
        params=(address_ids, address_ids, *keys, ABANDONED_CART, *keys, checkout.pk),
    )


def checkout_event(checkout: Any, kind: EventKind, now: datetime) -> tuple[JourneyEvent, ExtraRead] | None:
    """Build the event for a checkout created or changed; the line count arrives through the extra read."""
    token = checkout.pk
    email = checkout.email or getattr(_cached(checkout, "user"), "email", None)
    subject = _subject(checkout.user_id, email, f"checkout {str(token)[:8]}…")
    if subject is None:
        return None
    changed_at = getattr(checkout, "last_change", None) or now
    suffix = "created" if kind is EventKind.CHECKOUT_CREATED else f"updated:{changed_at.isoformat()}"
    event = JourneyEvent(
        kind=kind,
        subject=subject,
        dedupe_key=f"checkout:{token}:{suffix}",
        occurred_at=changed_at,
        channel=_cached_slug(checkout),
        payload={
            "checkout": str(token),
            "currency": getattr(checkout, "currency", None),
            "language": getattr(checkout, "language_code", None),
        },
    )
    return event, checkout_lines_read(checkout)



# Orders ------------------------------------------------------------------

ORDER_KEY_SUFFIX = {
    EventKind.ORDER_PLACED: "placed",
    EventKind.ORDER_PAID: "paid",
    EventKind.ORDER_FULFILLED: "fulfilled",
    EventKind.ORDER_VOIDED: "voided",
}


def order_subject(order: Any) -> Subject | None:
    subject = _subject(order.user_id, order.user_email, f"order {getattr(order, 'number', order.pk)}")
    if subject is None:
        return None
    return Subject(user_id=subject.user_id, email=subject.email, anchor_key=f"order:{order.pk}:placed")


def order_payload(order: Any) -> dict[str, Any]:
    return {
        "order": str(order.pk),
        "status": getattr(order, "status", None),
        "number": getattr(order, "number", None),
        "total": _money(getattr(order, "total_gross_amount", None)),
        "currency": getattr(order, "currency", None),
        "checkout": getattr(order, "checkout_token", None) or None,
        "origin": getattr(order, "origin", None),
        "language": getattr(order, "language_code", None),
    }


def order_event(
    order: Any,
    kind: EventKind,
    now: datetime,
    source: EventSource = EventSource.LIVE,
    suffix: str | None = None,
) -> JourneyEvent | None:
    """Build an order event keyed on Saleor's order id.

    Cancellation and full refund share the ``voided`` key: whichever comes
    first takes the order back, the other is a duplicate.
    """
    subject = order_subject(order)
    if subject is None:
        return None
    return JourneyEvent(
        kind=kind,
        subject=subject,
        dedupe_key=f"order:{order.pk}:{suffix or ORDER_KEY_SUFFIX[kind]}",
        occurred_at=_order_time(order, kind, now),
        channel=_cached_slug(order),
        payload=order_payload(order),
        source=source,
    )


def _order_time(order: Any, kind: EventKind, now: datetime) -> datetime:
    """When it happened, from Saleor's own columns where they say so (so a late recording dates it right)."""
    if kind is EventKind.ORDER_PLACED and order.created_at:
        return order.created_at
    if kind is EventKind.ORDER_VOIDED and getattr(order, "expired_at", None):
        return order.expired_at
    return now


def imported_order(order: Any, now: datetime) -> list[JourneyEvent]:
    """Build the events of an order from orderBulkCreate: history, like the backfill's (it never starts a flow).

    A cancelled or expired one is taken back at once.
    """
    kinds = [EventKind.ORDER_PLACED]
    if getattr(order, "status", None) in ("canceled", "expired"):
        kinds.append(EventKind.ORDER_VOIDED)
    events = [order_event(order, kind, now, source=EventSource.BACKFILL) for kind in kinds]
    return [event for event in events if event is not None]


def order_refunded(order: Any, now: datetime) -> JourneyEvent | None:
    """Build a (possibly partial) refund's event, keyed on the order's update time, as Saleor has no refund id here."""
    updated_at = getattr(order, "updated_at", None) or now
    return order_event(order, EventKind.ORDER_REFUNDED, now, suffix=f"refunded:{updated_at.isoformat()}")


def fulfillment_created(fulfillment: Any, now: datetime) -> JourneyEvent | None:
    """Build a fulfillment's event, tied to its order's journey through the order's ``placed`` event."""
    order = _cached(fulfillment, "order")
    if order is not None:
        subject = order_subject(order)
        payload = order_payload(order)
    else:
        subject = Subject(anchor_key=f"order:{fulfillment.order_id}:placed")
        payload = {"order": str(fulfillment.order_id)}
    if subject is None:
        return None
    return JourneyEvent(
        kind=EventKind.FULFILLMENT_CREATED,
        subject=subject,
        dedupe_key=f"fulfillment:{fulfillment.pk}:created",
        occurred_at=getattr(fulfillment, "created_at", None) or now,
        payload={**payload, "fulfillment": str(fulfillment.pk)},
    )
