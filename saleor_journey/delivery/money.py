"""``{% money amount %}`` in message templates: an amount in the message's currency, as the customer's language writes it."""

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def money(context: Any, amount: Any) -> str:
    """``37,80 €`` in Italian, ``€37.80`` in English; the amount as given when it is not a number or has no currency."""
    currency = context.get("currency")
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if not currency:
        return str(value)
    try:
        return format_currency(value, currency, locale=context.get("language") or "en")
    except (UnknownLocaleError, ValueError, LookupError):  # a language or currency babel does not know
        return f"{value} {currency}"
