"""``journeyMetrics``' types; the figures themselves come from ``services.metrics``."""

import graphene

from .scalars import DateTime


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


class CartReason(graphene.Enum):
    """Why a customer says they left a cart (the cart reminders ask, one click each)."""

    PRICE = "price"
    SHIPPING_COST = "shipping_cost"
    DELIVERY_TIME = "delivery_time"
    PAYMENT_OPTIONS = "payment_options"
    JUST_LOOKING = "just_looking"
    OTHER = "other"


class CartReasonShare(graphene.ObjectType):
    reason = graphene.Field(CartReason, required=True)
    answers = graphene.Int(required=True, description="Carts whose customer gave this reason (their latest answer).")
    share = graphene.Float(description="answers / every reason given in the period; null when none was given.")


class NpsWeek(graphene.ObjectType):
    week_start = graphene.Date(required=True, description="The Monday the week starts on (UTC days).")
    score = graphene.Float(description="The week's NPS; null without answers that week.")
    answers = graphene.Int(required=True)


class Nps(graphene.ObjectType):
    score = graphene.Float(description=(
        "Net Promoter Score: % promoters (9-10) - % detractors (0-6) of the period's answers, -100 to 100; null "
        "without answers. The standard bands, whatever the advocacy threshold."))
    promoters = graphene.Int(required=True)
    passives = graphene.Int(required=True, description="Answers of 7 or 8.")
    detractors = graphene.Int(required=True)
    answers = graphene.Int(required=True, description="Surveys answered in the period (counted on the first answer's day).")
    surveys_sent = graphene.Int(required=True)
    response_rate = graphene.Float(description="answers / surveys sent in the period; null when none was sent.")
    weekly = graphene.List(graphene.NonNull(NpsWeek), required=True, description="The period week by week.")


class JourneyMetrics(graphene.ObjectType):
    period_start = DateTime(required=True, description="Start of the first whole UTC day counted.")
    period_end = DateTime(required=True, description="End of the last whole UTC day counted.")
    as_of = DateTime(required=True, description="When the figures were computed (refreshed every 10 minutes).")
    abandoned_carts = graphene.Int(required=True, description=(
        "Carts abandoned in the period: a cart with an item and an address whose first reminder came due without "
        "an order placed from it before (counted on that day), whether or not a reminder could be sent."))
    carts_with_items = graphene.Int(required=True, description=(
        "Checkouts that held an item, counted once, on the day they first did (a known customer's: with a user "
        "or an email)."))
    abandoned_checkouts = graphene.Int(required=True, description=(
        "Of them, abandoned as abandonedCarts counts it, each checkout once (its first reminder sequence)."))
    abandonment_rate = graphene.Float(description=(
        "abandonedCheckouts / cartsWithItems; measured while the cart reminders are on (abandonment is the first "
        "reminder's delay passing without an order); null without carts."))
    cart_reasons_given = graphene.Int(required=True, description="Carts whose customer said why they left it.")
    cart_reasons = graphene.List(graphene.NonNull(CartReasonShare), required=True, description=(
        "Every reason with its count and share, in the order the reminders offer them."))
    reminders_sent = graphene.Int(required=True)
    carts_recovered = graphene.Int(required=True)
    recovery_rate = graphene.Float(description="carts recovered / abandoned carts; null without abandoned carts.")
    recovered_revenue = graphene.List(graphene.NonNull(Money), required=True)
    review_requests_sent = graphene.Int(required=True)
    reviews_received = graphene.Int(required=True)
    review_rate = graphene.Float(description="reviews received / review requests sent.")
    average_rating = graphene.Float()
    promoter_share = graphene.Float(description="Share of reviews at or above the advocacy rating (default 4★).")
    nps = graphene.Field(Nps, required=True, description="The NPS survey's answers and score.")
    flows = graphene.List(graphene.NonNull(FlowResult), required=True)
    delivery = graphene.List(graphene.NonNull(ChannelDelivery), required=True)
