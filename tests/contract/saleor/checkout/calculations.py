"""Mirror of ``saleor/checkout/calculations.py`` (3.23.28): lazy checkout prices.

``fetch_checkout_data`` (line 843) -> ``_fetch_checkout_prices_if_expired``
(line 367) recomputes line totals and the checkout total only when
``price_expiration`` has passed (or ``force_update``), then sets
``price_expiration = now + CHECKOUT_PRICES_TTL`` and saves the prices
**without** ``last_change`` (and only if ``last_change`` did not move meanwhile).
``calculate_checkout_total_with_gift_cards`` (line 123) and
``checkout_line_total`` (line 194) are what Saleor's API resolves
``checkout.totalPrice`` and a line's ``totalPrice`` with. The double has no
taxes, discounts or gift cards: a line is its channel price times its quantity,
net = gross. A price in another currency than the checkout's makes the
calculation raise (``prices.Money`` refuses to mix currencies), as any failure
inside Saleor's calculation would.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from prices import Money, TaxedMoney
from promise import Promise

from .fetch import CheckoutInfo, CheckoutLineInfo
from .models import Checkout, CheckoutLine


def fetch_checkout_data(
    checkout_info: CheckoutInfo,
    manager: Any,
    lines: list[CheckoutLineInfo],
    requestor: Any = None,
    force_update: bool = False,
    **kwargs: Any,
) -> "Promise[tuple[CheckoutInfo, list[CheckoutLineInfo]]]":
    checkout = checkout_info.checkout
    if not force_update and checkout.price_expiration > timezone.now():
        return Promise.resolve((checkout_info, lines))
    total = Money(Decimal(0), checkout.currency)
    for info in lines:
        price = Money(info.channel_listing.price_amount, info.channel_listing.currency) * info.line.quantity
        info.line.total_price_net_amount = info.line.total_price_gross_amount = price.amount
        total += price  # prices' Money refuses to add different currencies (ValueError), as in Saleor
    checkout.total_net_amount = checkout.total_gross_amount = total.amount
    checkout.price_expiration = timezone.now() + settings.CHECKOUT_PRICES_TTL
    with transaction.atomic():
        locked = Checkout.objects.select_for_update().only("last_change").filter(token=checkout.token).first()
        if locked is not None and locked.last_change == checkout.last_change:
            checkout.save(update_fields=["total_net_amount", "total_gross_amount", "price_expiration"])
            CheckoutLine.objects.bulk_update(
                [info.line for info in lines], ["total_price_net_amount", "total_price_gross_amount"]
            )
    return Promise.resolve((checkout_info, lines))


def calculate_checkout_total_with_gift_cards(
    manager: Any, checkout_info: CheckoutInfo, lines: list[CheckoutLineInfo], **kwargs: Any
) -> TaxedMoney:
    checkout_info, _ = fetch_checkout_data(checkout_info, manager, lines).get()
    checkout = checkout_info.checkout
    return max(checkout.total, TaxedMoney(Money(0, checkout.currency), Money(0, checkout.currency)))


def checkout_line_total(
    *, manager: Any, checkout_info: CheckoutInfo, lines: list[CheckoutLineInfo],
    checkout_line_info: CheckoutLineInfo, **kwargs: Any,
) -> TaxedMoney:
    _, lines = fetch_checkout_data(checkout_info, manager, lines).get()
    line = next(info.line for info in lines if info.line.pk == checkout_line_info.line.pk)
    return line.total_price
