"""What customers tell the shop in answer to its messages: the reasons a cart was left."""

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
