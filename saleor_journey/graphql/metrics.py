"""``journeyMetrics``: what the flows did over a period, from the outbox, its delivery events and the reviews.

Counts are by when things happened: a message counts in the period it was
sent, a conversion when the order was recorded, a review when it was written.
A channel narrows messages and conversions to that Saleor channel; reviews
carry no channel and are counted for the whole shop.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import graphene
from django.db.models import Avg, Count, Q

from ..core.flows import ABANDONED_CART, FLOWS, REVIEW_REQUEST
from ..models import DeliveryEvent, MessageState, ProductReview, ScheduledMessage

#: Provider events counted per channel (ESP webhooks and Twilio status callbacks).
DELIVERY_KINDS = ("delivered", "opened", "clicked", "bounced", "complained", "failed", "undelivered", "read")


class Money(graphene.ObjectType):
    currency = graphene.String(required=True)
    amount = graphene.Decimal(required=True)


class FlowResult(graphene.ObjectType):
    flow = graphene.String(required=True)
    triggered = graphene.Int(required=True, description="Sequences started in the period (distinct carts, orders, customers).")
    sent = graphene.Int(required=True)
    suppressed = graphene.Int(required=True, description="Not sent for opt-out or missing consent.")
    cancelled = graphene.Int(required=True, description="Stopped because their reason went away (e.g. the cart was bought).")
    converted = graphene.Int(required=True, description="Orders credited to the flow (recovered carts, won-back customers).")
    revenue = graphene.List(graphene.NonNull(Money), required=True, description="Totals of those orders, per currency.")


class ChannelDelivery(graphene.ObjectType):
    channel = graphene.String(required=True, description="email, sms or whatsapp.")
    sent = graphene.Int(required=True)
    delivered = graphene.Int(required=True)
    opened = graphene.Int(required=True)
    clicked = graphene.Int(required=True)
    bounced = graphene.Int(required=True)
    complained = graphene.Int(required=True)
    failed = graphene.Int(required=True, description="Refused by the provider or undeliverable.")


class JourneyMetrics(graphene.ObjectType):
    period_start = graphene.DateTime(required=True)
    period_end = graphene.DateTime(required=True)
    abandoned_carts = graphene.Int(required=True)
    reminders_sent = graphene.Int(required=True)
    carts_recovered = graphene.Int(required=True)
    recovery_rate = graphene.Float(description="carts recovered / abandoned carts; null without abandoned carts.")
    recovered_revenue = graphene.List(graphene.NonNull(Money), required=True)
    review_requests_sent = graphene.Int(required=True)
    reviews_received = graphene.Int(required=True)
    review_rate = graphene.Float(description="reviews received / review requests sent.")
    average_rating = graphene.Float()
    promoter_share = graphene.Float(description="Share of reviews at or above the advocacy rating (default 4★).")
    flows = graphene.List(graphene.NonNull(FlowResult), required=True)
    delivery = graphene.List(graphene.NonNull(ChannelDelivery), required=True)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute(start: datetime, end: datetime, channel: str | None, promoter_rating: int) -> JourneyMetrics:
    messages = ScheduledMessage.objects.all()
    if channel:
        messages = messages.filter(channel_slug=channel)
    created = messages.filter(created_at__gte=start, created_at__lte=end)
    triggered = dict(created.values_list("flow").annotate(n=Count("subject_key", distinct=True)).order_by())
    states: dict[str, dict[str, int]] = defaultdict(dict)
    for flow, state, n in created.values_list("flow", "state").annotate(n=Count("id")).order_by():
        states[flow][state] = n
    sent_in_period = messages.filter(state=MessageState.SENT, sent_at__gte=start, sent_at__lte=end)
    sent = dict(sent_in_period.values_list("flow").annotate(n=Count("id")).order_by())
    conversions = DeliveryEvent.objects.filter(kind="converted", at__gte=start, at__lte=end, message__in=messages)
    converted: dict[str, int] = defaultdict(int)
    revenue: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for flow, detail in conversions.values_list("message__flow", "detail"):
        converted[flow] += 1
        if detail.get("total") and detail.get("currency"):
            revenue[flow][detail["currency"]] += Decimal(str(detail["total"]))

    def money(flow: str) -> list[Money]:
        return [Money(currency=c, amount=a) for c, a in sorted(revenue[flow].items())]

    flows = [
        FlowResult(flow=flow, triggered=triggered.get(flow, 0), sent=sent.get(flow, 0),
                   suppressed=states[flow].get(MessageState.SUPPRESSED, 0),
                   cancelled=states[flow].get(MessageState.CANCELLED, 0), converted=converted.get(flow, 0),
                   revenue=money(flow))
        for flow in FLOWS
    ]
    written = ProductReview.objects.filter(created_at__gte=start, created_at__lte=end).aggregate(
        n=Count("id"), average=Avg("rating"), promoters=Count("id", filter=Q(rating__gte=promoter_rating))
    )
    requests = sent_in_period.filter(flow=REVIEW_REQUEST, step="request").count()
    per_channel: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind_channel, n in sent_in_period.values_list("channel").annotate(n=Count("id")).order_by():
        per_channel[kind_channel]["sent"] = n
    provider_events = DeliveryEvent.objects.filter(at__gte=start, at__lte=end, kind__in=DELIVERY_KINDS,
                                                   message__in=messages)
    for kind_channel, kind, n in provider_events.values_list("message__channel", "kind").annotate(
            n=Count("message", distinct=True)).order_by():
        key = "failed" if kind in ("failed", "undelivered") else "delivered" if kind == "read" else kind
        per_channel[kind_channel][key] += n
    abandoned = triggered.get(ABANDONED_CART, 0)
    average = written["average"]
    return JourneyMetrics(
        period_start=start, period_end=end,
        abandoned_carts=abandoned, reminders_sent=sent.get(ABANDONED_CART, 0),
        carts_recovered=converted.get(ABANDONED_CART, 0), recovery_rate=_rate(converted.get(ABANDONED_CART, 0), abandoned),
        recovered_revenue=money(ABANDONED_CART),
        review_requests_sent=requests, reviews_received=written["n"], review_rate=_rate(written["n"], requests),
        average_rating=round(float(average), 2) if average is not None else None,
        promoter_share=_rate(written["promoters"], written["n"]),
        flows=flows,
        delivery=[ChannelDelivery(channel=c, **{k: figures.get(k, 0) for k in (
            "sent", "delivered", "opened", "clicked", "bounced", "complained", "failed")})
            for c, figures in sorted(per_channel.items())],
    )
