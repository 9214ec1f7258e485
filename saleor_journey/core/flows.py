"""Pure flow rules: which messages an event schedules, reschedules or cancels.

``plan(event, transitions, who, settings, now)`` returns actions; the recorder
writes them in the same statement as the event, so a rolled-back event plans
nothing and a duplicate event (already recorded) plans nothing again.
History (backfilled, imported, or found from before the plugin was watching)
never schedules a message: it still stops what waits, and credits or withdraws
the conversions of messages sent before it.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from .events import EventKind, EventSource, JourneyEvent
from .identity import bounded
from .rules import Transition
from .stages import Stage

ABANDONED_CART = "abandoned_cart"
POST_PURCHASE = "post_purchase"
REVIEW_REQUEST = "review_request"
WIN_BACK = "win_back"
WELCOME = "welcome"
NPS_SURVEY = "nps_survey"
FLOWS = (ABANDONED_CART, POST_PURCHASE, REVIEW_REQUEST, WIN_BACK, WELCOME, NPS_SURVEY)
#: A person's key in a subject (``email:<address>`` can be 260 characters; subjects are stored in 150).
PERSON_KEY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Step:
    """One message of a sequence: its name, delay after the trigger, channel, and whether it is marketing."""

    name: str
    delay: timedelta
    channel: str = "email"
    marketing: bool = True


@dataclass(frozen=True, slots=True)
class FlowSettings:
    """Which flows run and their sequences; defaults follow DESIGN.md."""

    abandoned_cart: tuple[Step, ...] = (
        # Mailbox providers treat cart reminders as promotional: each needs what marketing needs (no refusal;
        # consent under the opt-in policy) and carries an unsubscribe link.
        Step("reminder_1", timedelta(hours=1)),
        Step("reminder_2", timedelta(hours=24)),
        Step("reminder_2_sms", timedelta(hours=24), channel="sms"),
        Step("reminder_3", timedelta(hours=72)),
    )
    post_purchase: tuple[Step, ...] = (
        Step("thank_you", timedelta(days=2), marketing=False),
        Step("cross_sell", timedelta(days=14)),
    )
    review_request: tuple[Step, ...] = (
        Step("request", timedelta(days=7)),
        Step("reminder", timedelta(days=14)),
    )
    win_back: tuple[Step, ...] = (
        Step("email", timedelta(0)),
        Step("sms", timedelta(days=7), channel="sms"),
    )
    welcome: tuple[Step, ...] = ()  # off by default: Saleor already confirms new accounts
    # Off by default: a shop that upgrades does not start surveying its customers before it chooses to.
    nps_survey: tuple[Step, ...] = ()
    # At most one survey per customer in this long (checked when one is about to go).
    nps_period: timedelta = timedelta(days=90)
    cart_voucher: str | None = None
    win_back_voucher: str | None = None
    # A cart abandoned again gets a new sequence once this long has passed since its last reminder went
    # (at once when none went), at most this many sequences per checkout.
    cart_cooldown: timedelta = timedelta(days=7)
    cart_max_sequences: int = 3
    # Win-backs for customers found lapsed long after it happened: 0 sends none; N sends at most N an hour.
    win_back_backlog_per_hour: int = 0

    def steps(self, flow: str) -> tuple[Step, ...]:
        return getattr(self, flow)

    @classmethod
    def everything(cls) -> "FlowSettings":
        """Every flow switched on with its default steps, the ones off by default included (to list and preview)."""
        return cls(welcome=(Step("email", timedelta(0), marketing=False),), nps_survey=(Step("survey", timedelta(days=21)),))


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who the journey's messages go to; ``key`` names the journey (``user:5``, ``email:a@b.c``)."""

    key: str
    email: str | None
    phone: str | None = None
    language: str | None = None
    channel_slug: str | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    flow: str
    step: Step
    subject_key: str
    recipient: str
    due_at: datetime
    language: str | None
    channel_slug: str | None
    context: dict[str, Any] = field(default_factory=dict)
    restart: bool = False  # a later trigger moves the due time (the cart changed)
    pace: timedelta | None = None  # a backlog: at most one per ``pace`` after the flow's step's last such message


@dataclass(frozen=True, slots=True)
class Cancel:
    """Stop a flow's pending messages for one subject, or for the whole journey when ``subject_key`` is None.

    Only those on ``channel`` when it is set.
    """

    flow: str
    subject_key: str | None
    reason: str
    channel: str | None = None
    all_sequences: bool = False  # also the subject's later sequences (``<subject_key>:<n>``)


@dataclass(frozen=True, slots=True)
class Convert:
    """An order that followed a flow's message: its revenue is credited to the last message sent.

    With a ``subject_key`` (a reminded checkout) the order came from that very
    sequence; without one (win-back) any of the customer's messages of the
    flow sent within ``window`` before the order earns it.
    """

    flow: str
    subject_key: str | None
    order: str
    total: str | None
    currency: str | None
    window: timedelta | None = None
    all_sequences: bool = False
    ordered_at: datetime | None = None  # the window ends here: an order recorded late is judged when it was placed


@dataclass(frozen=True, slots=True)
class Uncredit:
    """An order that did not stand (cancelled, expired, fully refunded) loses the credit any flow got for it."""

    order: str


#: A lapse found later than this after it happened is history (a lowered lapse_days, imported orders, a
#: backfill): no win-back, unless the shop serves the backlog, paced.
FRESH_LAPSE = timedelta(days=2)

#: How long after a win-back message a new order still counts as won back.
WIN_BACK_ATTRIBUTION = timedelta(days=30)


Action = Schedule | Cancel | Convert | Uncredit


def cart_subject(checkout: str, sequence: int) -> str:
    """Give the subject of a checkout's n-th reminder sequence: ``checkout:<token>``, then ``checkout:<token>:<n>``."""
    return f"checkout:{checkout}" if sequence == 1 else f"checkout:{checkout}:{sequence}"


def cart_sequence(seen: dict[str, Any], at: datetime, settings: FlowSettings) -> int | None:
    """Which reminder sequence a cart change belongs to, given its earlier ones; None for none.

    ``seen`` holds how many sequences the checkout had (``count``), whether
    the latest still waits (``live``), when its last reminder went
    (``last_sent_at``) and whether its customer stopped them (``stopped``:
    "just looking", or no more reminders). A waiting sequence restarts; an ended one is followed by
    a new one once the cool-down since the last reminder sent has passed (at
    once if none was sent), up to ``cart_max_sequences``.
    """
    count = int(seen.get("count") or 0)
    if seen.get("stopped"):  # its customer answered "just looking" or asked for no more reminders
        return None
    if count == 0 or seen.get("live"):
        return max(count, 1)
    if count >= settings.cart_max_sequences:
        return None
    last_sent = seen.get("last_sent_at")
    if last_sent is not None and at - datetime.fromisoformat(str(last_sent)) < settings.cart_cooldown:
        return None
    return count + 1


def _address(who: Recipient, step: Step) -> str | None:
    return who.email if step.channel == "email" else who.phone


def _sequence(
    flow: str, subject_key: str, steps: tuple[Step, ...], start: datetime, who: Recipient,
    context: dict[str, Any], restart: bool = False,
) -> list[Action]:
    actions: list[Action] = []
    for step in steps:
        address = _address(who, step)
        if not address:
            continue
        actions.append(Schedule(flow, step, subject_key, address, start + step.delay, who.language,
                                who.channel_slug, context, restart))
    return actions


def plan(
    event: JourneyEvent | None, transitions: list[Transition], who: Recipient, settings: FlowSettings, now: datetime,
    lapsed_at: datetime | None = None,
) -> list[Action]:
    """Return the flow actions one recorded event (or a clock-driven stage change, ``event=None``) causes.

    ``lapsed_at`` is when the customer went quiet by today's threshold (last
    order + lapse_days); a lapse is fresh only when that moment is recent,
    whenever the change is recorded (a lowered threshold, an import).
    """
    actions: list[Action] = []
    if transitions and transitions[-1].to_stage is Stage.LAPSED:
        lapse = transitions[-1]
        subject = f"{bounded(who.key, PERSON_KEY_LENGTH)}:lapse:{lapse.at.date().isoformat()}"
        context = {"voucher": settings.win_back_voucher}
        moment = min(lapse.at, lapsed_at) if lapsed_at is not None else lapse.at
        if now - moment <= FRESH_LAPSE:
            actions += _sequence(WIN_BACK, subject, settings.win_back, now, who, context)
        elif settings.win_back_backlog_per_hour > 0:
            # Lapsed long ago (history, a lowered lapse_days): served only if the shop asks, paced.
            pace = timedelta(hours=1) / settings.win_back_backlog_per_hour
            actions += [replace(a, pace=pace, context={**a.context, "backlog": True})
                        for a in _sequence(WIN_BACK, subject, settings.win_back, now, who, context)
                        if isinstance(a, Schedule)]
    if event is None:
        return actions
    actions += _event_actions(event, who, settings, now)
    if event.source is EventSource.BACKFILL:
        return [a for a in actions if not isinstance(a, Schedule)]
    return actions


def _event_actions(event: JourneyEvent, who: Recipient, settings: FlowSettings, now: datetime) -> list[Action]:
    actions: list[Action] = []
    kind, payload = event.kind, event.payload
    checkout = payload.get("checkout")
    order = payload.get("order")
    if kind in (EventKind.CHECKOUT_CREATED, EventKind.CART_UPDATED) and checkout:
        sequence = cart_sequence(payload.get("sequences") or {}, event.occurred_at, settings)
        if int(payload.get("lines", 0)) > 0 and sequence is not None:
            subject = cart_subject(str(checkout), sequence)
            # No total: Saleor prices carts lazily, so the hook's totals are 0 or stale; the send prices it.
            context = {"checkout": checkout, "lines": payload.get("line_snapshot", []), "voucher": settings.cart_voucher,
                       "currency": payload.get("currency")}
            actions += _sequence(ABANDONED_CART, subject, settings.abandoned_cart, event.occurred_at,
                                 who, context, restart=True)
            # A cart that no longer has an address for a channel (the phone was removed) stops that channel.
            for gone in sorted({step.channel for step in settings.abandoned_cart if not _address(who, step)}):
                actions.append(Cancel(ABANDONED_CART, subject, "address removed", channel=gone))
    elif kind is EventKind.CART_EMPTIED and checkout:
        actions.append(Cancel(ABANDONED_CART, f"checkout:{checkout}", "cart emptied", all_sequences=True))
    elif kind is EventKind.ORDER_PLACED:
        if checkout:
            actions.append(Cancel(ABANDONED_CART, f"checkout:{checkout}", "order placed", all_sequences=True))
            actions.append(Convert(ABANDONED_CART, f"checkout:{checkout}", str(order), payload.get("total"),
                                   payload.get("currency"), all_sequences=True))
        actions.append(Cancel(WIN_BACK, None, "ordered again"))
        actions.append(Convert(WIN_BACK, None, str(order), payload.get("total"), payload.get("currency"),
                               WIN_BACK_ATTRIBUTION, ordered_at=min(event.occurred_at, now)))
    elif kind is EventKind.ORDER_FULFILLED and order:
        # Timed from the fulfilment itself, so a fulfilment recorded late (a lost hook) plans the same times.
        context = {"order": order, "number": payload.get("number")}
        start = min(event.occurred_at, now)
        actions += _sequence(POST_PURCHASE, f"order:{order}", settings.post_purchase, start, who, context)
        actions += _sequence(REVIEW_REQUEST, f"order:{order}", settings.review_request, start, who, context)
        # One per order is planned; the send-time check keeps it to one per customer per nps_period.
        actions += _sequence(NPS_SURVEY, f"order:{order}", settings.nps_survey, start, who, context)
    elif kind is EventKind.ORDER_VOIDED and order:
        reason = "order expired" if payload.get("status") == "expired" else "order cancelled or refunded"
        actions += [Cancel(flow, f"order:{order}", reason) for flow in (POST_PURCHASE, REVIEW_REQUEST, NPS_SURVEY)]
        actions.append(Uncredit(str(order)))
    elif kind is EventKind.ACCOUNT_CREATED:
        actions += _sequence(WELCOME, bounded(who.key, PERSON_KEY_LENGTH), settings.welcome, now, who, {})
    return actions
