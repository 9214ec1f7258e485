"""The words of "Not buying right now? Tell us why": the built-in translation, or the owner's own.

The owner writes them in *Message texts* under ``abandoned_cart/reasons``
(parts ``question`` and one per reason); what they leave out stays the
translation in the customer's language. Call inside ``translation.override``.
"""

from dataclasses import dataclass

from django.utils.translation import pgettext

from ..core.answers import (
    CART_REASON_WORDS,
    CART_REASONS,
    DELIVERY_TIME,
    JUST_LOOKING,
    OTHER,
    PAYMENT_OPTIONS,
    PRICE,
    SHIPPING_COST,
)

OWNER_KEY = CART_REASON_WORDS


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    label: str
    url: str | None = None


def _builtin(code: str) -> str:
    return {
        "question": pgettext("journey", "Not buying right now? Tell us why:"),
        PRICE: pgettext("journey", "The price"),
        SHIPPING_COST: pgettext("journey", "Shipping cost"),
        DELIVERY_TIME: pgettext("journey", "Delivery time"),
        PAYMENT_OPTIONS: pgettext("journey", "Payment options"),
        JUST_LOOKING: pgettext("journey", "Just looking"),
        OTHER: pgettext("journey", "Something else"),
    }[code]


def word(code: str, own: dict[str, str] | None = None) -> str:
    """Return the words for the question or one reason: the owner's for this language, else the translation."""
    return (own or {}).get(code) or _builtin(code)


def choices(own: dict[str, str] | None = None, url: str | None = None) -> list[Choice]:
    """Every reason with its words and, given the page's ``url``, the link that opens it with that reason chosen."""
    return [Choice(code, word(code, own), f"{url}?reason={code}" if url else None) for code in CART_REASONS]
