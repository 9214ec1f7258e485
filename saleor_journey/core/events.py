"""Plain journey events: what the adapters hand to the engine, free of Saleor objects."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .identity import bounded


class EventKind(StrEnum):
    """What happened to a customer; the value is stored with every event."""

    ACCOUNT_CREATED = "account_created"
    ACCOUNT_UPDATED = "account_updated"
    NEWSLETTER_SIGNUP = "newsletter_signup"
    PRODUCT_VIEWED = "product_viewed"
    CHECKOUT_CREATED = "checkout_created"
    CART_UPDATED = "cart_updated"
    CART_EMPTIED = "cart_emptied"
    CHECKOUT_DELETED = "checkout_deleted"  # no longer recorded (no receiver on checkouts); kept for stored rows
    ORDER_PLACED = "order_placed"
    ORDER_PAID = "order_paid"
    ORDER_FULFILLED = "order_fulfilled"
    FULFILLMENT_CREATED = "fulfillment_created"
    ORDER_REFUNDED = "order_refunded"
    ORDER_VOIDED = "order_voided"
    REVIEW_SUBMITTED = "review_submitted"
    NPS_SUBMITTED = "nps_submitted"
    REFERRAL_MADE = "referral_made"
    LOYALTY_ENGAGED = "loyalty_engaged"
    STAGE_SET = "stage_set"  # staff put the customer in a stage (payload: stage, note, by)


class EventSource(StrEnum):
    """Where an event came from; backfilled (and imported) events never trigger messages.

    ``RECONCILED`` is a live event a lost hook missed, recorded late by the
    reconciliation sweep from Saleor's tables: it plans messages like a live
    one, and the stage moves at the moment it happened, not when it was found.
    """

    LIVE = "live"
    BACKFILL = "backfill"
    RECONCILED = "reconciled"


@dataclass(frozen=True, slots=True)
class Subject:
    """Who an event is about: a Saleor user id, a normalised email, or both.

    ``anchor_key`` names an earlier event (e.g. the order's ``order_placed``)
    whose journey this event belongs to, for Saleor objects that carry neither
    a user nor an email.
    """

    user_id: int | None = None
    email: str | None = None
    anchor_key: str | None = None

    def is_identified(self) -> bool:
        return self.user_id is not None or bool(self.email) or bool(self.anchor_key)


#: The column's length; a longer key (one holding a 254-character address) is shortened with a hash.
DEDUPE_KEY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class JourneyEvent:
    """One thing that happened, with the key that makes recording it idempotent.

    ``dedupe_key`` is derived from Saleor's own identifiers (``order:<id>:placed``),
    so the same Saleor event delivered twice, or replayed by the backfill,
    is recorded once.
    """

    kind: EventKind
    subject: Subject
    dedupe_key: str
    occurred_at: datetime
    channel: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    source: EventSource = EventSource.LIVE

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("JourneyEvent.occurred_at must be timezone-aware")
        if not self.dedupe_key:
            raise ValueError("JourneyEvent.dedupe_key must not be empty")
        object.__setattr__(self, "dedupe_key", bounded(self.dedupe_key, DEDUPE_KEY_LENGTH))
