"""What the flows did over a period, from the precomputed daily figures: read by the API and the report.

Counts are by the UTC day things happened: a message counts on the day it
was sent, a conversion when the order was recorded, a review when it was
written. A channel narrows messages and conversions to that Saleor channel;
reviews carry no channel and are counted for the whole shop.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..core.answers import CART_REASONS, NPS_SCORES, net_promoter_score, nps_band
from ..core.flows import ABANDONED_CART, FLOWS, NPS_SURVEY
from ..core.stages import Stage
from . import flood
from .figures import Figures

#: The order of the funnel; lapsed is reported beside it.
FUNNEL = (Stage.AWARENESS, Stage.CONSIDERATION, Stage.PURCHASE, Stage.RETENTION, Stage.ADVOCACY)


@dataclass(frozen=True, slots=True)
class Money:
    currency: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class FlowResult:
    flow: str
    triggered: int
    sent: int
    suppressed: int
    cancelled: int
    converted: int
    revenue: list[Money]
    paused: bool
    paused_reason: str | None


@dataclass(frozen=True, slots=True)
class ChannelDelivery:
    channel: str
    sent: int
    delivered: int
    opened: int
    clicked: int
    bounced: int
    complained: int
    failed: int


@dataclass(frozen=True, slots=True)
class ReasonShare:
    reason: str
    answers: int
    share: float | None


@dataclass(frozen=True, slots=True)
class NpsWeek:
    week_start: date
    score: float | None
    answers: int


@dataclass(frozen=True, slots=True)
class Nps:
    score: float | None
    promoters: int
    passives: int
    detractors: int
    answers: int
    surveys_sent: int
    response_rate: float | None
    weekly: list[NpsWeek]


@dataclass(frozen=True, slots=True)
class Metrics:
    period_start: datetime
    period_end: datetime
    as_of: datetime
    abandoned_carts: int
    carts_with_items: int
    abandoned_checkouts: int
    abandonment_rate: float | None
    cart_reasons_given: int
    cart_reasons: list[ReasonShare]
    reminders_sent: int
    carts_recovered: int
    recovery_rate: float | None
    recovered_revenue: list[Money]
    review_requests_sent: int
    reviews_received: int
    review_rate: float | None
    average_rating: float | None
    promoter_share: float | None
    nps: Nps
    flows: list[FlowResult]
    delivery: list[ChannelDelivery]


def _rate(part: Decimal | int, whole: Decimal | int) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def _money(amounts: dict[str, Decimal]) -> list[Money]:
    return [Money(currency, amount) for currency, amount in sorted(amounts.items())]


def funnel_steps(figures: Figures) -> list[tuple[Stage, int, int, float | None]]:
    """Per funnel stage: customers in it now, customers who reached it in the period, and the share of the stage before."""
    steps: list[tuple[Stage, int, int, float | None]] = []
    previous = None
    for stage in FUNNEL:
        reached = int(figures.get(f"entered:{stage.value}"))
        rate: float | None = None if not previous else round(reached / previous, 4)
        steps.append((stage, figures.stage_counts.get(stage.value, 0), reached, rate))
        previous = reached
    return steps


def promoter_rating(settings: Any) -> int:
    """Return the lowest rating that counts as a promoter: the configured advocacy rating (default 4)."""
    return settings.policy.advocacy_min_rating if settings is not None else 4


def _bands(values: dict[str, Decimal]) -> dict[str, int]:
    """Count a period's (or a week's) NPS answers per band from its ``nps:<score>`` figures."""
    bands = {"promoter": 0, "passive": 0, "detractor": 0}
    for score in NPS_SCORES:
        bands[nps_band(score)] += int(values.get(f"nps:{score}", 0))
    return bands


def nps(figures: Figures, days: dict[date, dict[str, Decimal]] | None = None,
        first: date | None = None, last: date | None = None) -> Nps:
    """Compute a period's Net Promoter Score (% promoters - % detractors), its answers, and a line per week.

    Weeks start on Monday; the first and last may be partial (the period's
    days only), and a week without answers has no score.
    """
    bands = _bands(figures.values)
    answers = sum(bands.values())
    sent = int(figures.get(f"sent:{NPS_SURVEY}"))
    weekly: list[NpsWeek] = []
    if days is not None and first is not None and last is not None:
        week = first - timedelta(days=first.weekday())
        while week <= last:
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for offset in range(7):
                for name, value in days.get(week + timedelta(days=offset), {}).items():
                    if name.startswith("nps:"):
                        totals[name] += value
            counted = _bands(totals)
            weekly.append(NpsWeek(week, net_promoter_score(counted["promoter"], counted["passive"], counted["detractor"]),
                                  sum(counted.values())))
            week += timedelta(days=7)
    return Nps(score=net_promoter_score(bands["promoter"], bands["passive"], bands["detractor"]),
               promoters=bands["promoter"], passives=bands["passive"], detractors=bands["detractor"], answers=answers,
               surveys_sent=sent, response_rate=_rate(answers, sent), weekly=weekly)


def compute(figures: Figures, start: datetime, end: datetime, promoter_rating: int,
            days: dict[date, dict[str, Decimal]] | None = None) -> Metrics:
    """Compute the metrics from a period's figures (services/figures.py, stored or live); ``days`` for the trends."""
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
    carts, abandoned_checkouts = count("carts"), count("abandoned_checkouts")
    reasons = {reason: count(f"cart_reason:{reason}") for reason in CART_REASONS}
    answers = sum(reasons.values())
    return Metrics(
        period_start=start, period_end=end, as_of=figures.as_of,
        abandoned_carts=abandoned, carts_with_items=carts, abandoned_checkouts=abandoned_checkouts,
        abandonment_rate=_rate(abandoned_checkouts, carts), cart_reasons_given=answers,
        cart_reasons=[ReasonShare(reason, n, _rate(n, answers)) for reason, n in reasons.items()],
        reminders_sent=count(f"sent:{ABANDONED_CART}"),
        carts_recovered=recovered, recovery_rate=_rate(recovered, abandoned),
        recovered_revenue=_money(figures.named(f"revenue:{ABANDONED_CART}:")),
        review_requests_sent=requests, reviews_received=reviews, review_rate=_rate(reviews, requests),
        average_rating=round(sum(r * n for r, n in ratings.items()) / reviews, 2) if reviews else None,
        promoter_share=_rate(sum(n for r, n in ratings.items() if r >= promoter_rating), reviews),
        nps=nps(figures, days, start.date(), (end - timedelta(days=1)).date()),
        flows=flows,
        delivery=[ChannelDelivery(channel=c, **{k: kinds.get(k, 0) for k in (
            "sent", "delivered", "opened", "clicked", "bounced", "complained", "failed")})
            for c, kinds in sorted(per_channel.items())],
    )
