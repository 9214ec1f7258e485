"""``journeyMetrics``: what the flows did over a period, from the precomputed daily figures.

Counts are by the UTC day things happened: a message counts on the day it
was sent, a conversion when the order was recorded, a review when it was
written. A channel narrows messages and conversions to that Saleor channel;
reviews carry no channel and are counted for the whole shop.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import graphene

from ..core.flows import ABANDONED_CART, FLOWS
from ..core.stages import Stage
from ..services import flood
from ..services.figures import Figures

#: The order of the funnel; lapsed is reported beside it.
FUNNEL = (Stage.AWARENESS, Stage.CONSIDERATION, Stage.PURCHASE, Stage.RETENTION, Stage.ADVOCACY)


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
    paused = graphene.Boolean(required=True, description=(
        "The flood guard paused the flow: its messages wait until staff resume it (journeyFlowResume)."))
    paused_reason = graphene.String(description="Why it was paused.")


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
    period_start = graphene.DateTime(required=True, description="Start of the first whole UTC day counted.")
    period_end = graphene.DateTime(required=True, description="End of the last whole UTC day counted.")
    as_of = graphene.DateTime(required=True, description="When the figures were computed (refreshed every 10 minutes).")
    abandoned_carts = graphene.Int(required=True, description=(
        "Carts abandoned in the period: a cart with an item and an address whose first reminder came due without "
        "an order placed from it before (counted on that day), whether or not a reminder could be sent."))
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


def _rate(part: Decimal | int, whole: Decimal | int) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def _money(amounts: dict[str, Decimal]) -> list[Money]:
    return [Money(currency=currency, amount=amount) for currency, amount in sorted(amounts.items())]


def funnel_steps(figures: Figures) -> list[tuple[Stage, int, int, float | None]]:
    """Per funnel stage: customers in it now, customers who reached it in the period, and the share of the stage before."""
    steps, previous = [], None
    for stage in FUNNEL:
        reached = int(figures.get(f"entered:{stage.value}"))
        rate = None if not previous else round(reached / previous, 4)
        steps.append((stage, figures.stage_counts.get(stage.value, 0), reached, rate))
        previous = reached
    return steps


def promoter_rating(settings: Any) -> int:
    """The lowest rating that counts as a promoter: the configured advocacy rating (default 4)."""
    return settings.policy.advocacy_min_rating if settings is not None else 4


def compute(figures: Figures, start: datetime, end: datetime, promoter_rating: int) -> JourneyMetrics:
    """The metrics from a period's figures (services/figures.py, stored or live)."""
    count = lambda name: int(figures.get(name))  # noqa: E731 - a short local reader
    pauses = flood.current_pauses()
    flows = [
        FlowResult(flow=flow, triggered=count(f"started:{flow}"), sent=count(f"sent:{flow}"),
                   suppressed=count(f"suppressed:{flow}"), cancelled=count(f"cancelled:{flow}"),
                   converted=count(f"converted:{flow}"), revenue=_money(figures.named(f"revenue:{flow}:")),
                   paused=flow in pauses, paused_reason=pauses.get(flow))
        for flow in FLOWS
    ]
    ratings = {int(r): int(n) for r, n in figures.named("reviews:").items()}
    reviews = sum(ratings.values())
    requests = count("requests_sent")
    per_channel: dict[str, dict[str, int]] = defaultdict(dict)
    for channel, n in figures.named("sent_via:").items():
        per_channel[channel]["sent"] = int(n)
    for key, n in figures.named("delivery:").items():
        channel, kind = key.split(":", 1)
        per_channel[channel][kind] = int(n)
    abandoned = count(f"abandoned:{ABANDONED_CART}")
    recovered = count(f"converted:{ABANDONED_CART}")
    return JourneyMetrics(
        period_start=start, period_end=end, as_of=figures.as_of,
        abandoned_carts=abandoned, reminders_sent=count(f"sent:{ABANDONED_CART}"),
        carts_recovered=recovered, recovery_rate=_rate(recovered, abandoned),
        recovered_revenue=_money(figures.named(f"revenue:{ABANDONED_CART}:")),
        review_requests_sent=requests, reviews_received=reviews, review_rate=_rate(reviews, requests),
        average_rating=round(sum(r * n for r, n in ratings.items()) / reviews, 2) if reviews else None,
        promoter_share=_rate(sum(n for r, n in ratings.items() if r >= promoter_rating), reviews),
        flows=flows,
        delivery=[ChannelDelivery(channel=c, **{k: kinds.get(k, 0) for k in (
            "sent", "delivered", "opened", "clicked", "bounced", "complained", "failed")})
            for c, kinds in sorted(per_channel.items())],
    )
