"""Amounts in messages: the message's currency, written the way its language writes it."""

from django.template import Context

from saleor_journey.delivery.rendering import _engine


def money(amount: object, **context: object) -> str:
    return _engine(None).from_string("{% money amount %}").render(Context({"amount": amount, **context}))


def test_amounts_follow_the_language_and_the_currency_s_decimals() -> None:
    assert money("37.800", currency="EUR", language="it") == "37,80\xa0€"
    assert money("37.800", currency="EUR", language="en") == "€37.80"
    assert money("1500", currency="JPY", language="en") == "¥1,500"


def test_what_cannot_be_formatted_is_shown_as_given() -> None:
    assert money("37.80", currency="", language="it") == "37.80"
    assert money("37.80", currency="XYZ", language="it") == "37,80\xa0XYZ"  # a code babel does not know
    assert money("37.80", currency="EUR", language="zz") == "37.80 EUR"  # a language babel does not know
    assert money("n/a", currency="EUR", language="it") == "n/a"
