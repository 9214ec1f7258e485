"""What customers tell the shop in answer to its messages: the reasons a cart was left, their NPS answer."""

from datetime import timedelta

#: The reasons a cart reminder offers, in the order it shows them.
PRICE, SHIPPING_COST, DELIVERY_TIME, PAYMENT_OPTIONS, JUST_LOOKING, OTHER = (
    "price", "shipping_cost", "delivery_time", "payment_options", "just_looking", "other")
CART_REASONS = (PRICE, SHIPPING_COST, DELIVERY_TIME, PAYMENT_OPTIONS, JUST_LOOKING, OTHER)
#: Where an owner writes their own words for the question and the reasons in *Message texts*, and the parts.
CART_REASON_WORDS = "abandoned_cart/reasons"
CART_REASON_WORD_PARTS = ("question", *CART_REASONS)
#: How long "other" may be: a short text, not a letter.
CART_REASON_TEXT_MAX = 300
#: A reason that stops the cart's remaining reminders by itself; any other stops them only when asked.
STOPS_REMINDERS = frozenset({JUST_LOOKING})
#: Why a cart's reminders were cancelled when its customer stopped them: the cart flow reads it back, so a
#: later change of that cart starts no new sequence.
STOPPED_BY_CUSTOMER = "stopped by the customer"


def stops_reminders(reason: str, asked_to_stop: bool) -> bool:
    """Whether an answer ends the cart's reminders: "just looking" does, the others when the customer asks."""
    return asked_to_stop or reason in STOPS_REMINDERS


#: The survey's answers, 0 (not at all likely to recommend) to 10 (extremely likely).
NPS_SCORES = tuple(range(11))
NPS_COMMENT_MAX = 1000
#: A second answer to the same survey replaces the first only this long after the first.
NPS_CHANGE_WINDOW = timedelta(days=7)
#: The score's standard bands (Net Promoter Score): promoters 9-10, passives 7-8, detractors 0-6. Who becomes an
#: advocate follows the shop's own threshold (advocacy_min_nps); the score keeps the standard, so it compares.
NPS_PROMOTER_MIN, NPS_DETRACTOR_MAX = 9, 6


def nps_band(score: int) -> str:
    """Return "promoter", "passive" or "detractor" for an answer 0-10."""
    if score >= NPS_PROMOTER_MIN:
        return "promoter"
    return "passive" if score > NPS_DETRACTOR_MAX else "detractor"


def net_promoter_score(promoters: int, passives: int, detractors: int) -> float | None:
    """Return % promoters - % detractors (-100 to 100, one decimal), or None without answers."""
    answers = promoters + passives + detractors
    return round((promoters - detractors) * 100 / answers, 1) if answers else None
