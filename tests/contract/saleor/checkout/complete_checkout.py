"""Mirror of ``saleor/checkout/complete_checkout.py`` (3.23.28): what checkoutComplete does around the hooks.

``create_order_from_checkout`` (line 1562) creates the order and its lines and
deletes the checkout with ``delete_checkouts([pk])`` (line 1655) **inside the
same transaction**; ``_post_create_order_actions`` (line 1341) registers
``order.actions.order_created`` with ``transaction.on_commit`` (line 1359), so
every order hook runs after the commit, when the checkout is already gone:
``order_created``; when the order is charged ``order_paid`` then
``order_fully_paid`` and ``order_updated`` (``order_charged`` ->
``handle_fully_paid_order``, order/actions.py:383 and 664); then
``order_confirmed`` when the channel confirms new orders automatically
(order/actions.py:287). Orders of a channel that does not confirm stay
``unconfirmed`` (and may expire, order/tasks.py).
"""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from ..order import OrderChargeStatus, OrderOrigin, OrderStatus
from ..order.models import Order, OrderLine
from .models import Checkout
from .utils import delete_checkouts


def complete_checkout(manager: Any, checkout: Checkout, charged: bool = True) -> Order:
    """Turn the checkout into an order, as checkoutComplete with a fully paid transaction does."""
    from . import calculations
    from .fetch import fetch_checkout_info, fetch_checkout_lines

    channel = checkout.channel
    lines, _ = fetch_checkout_lines(checkout)
    info = fetch_checkout_info(checkout, lines, manager)
    total = calculations.calculate_checkout_total_with_gift_cards(manager, info, lines)
    confirm = bool(channel.automatically_confirm_all_new_orders)
    with transaction.atomic():
        order = Order.objects.create(
            number=(Order.objects.aggregate(n=Max("number"))["n"] or 0) + 1,
            user=checkout.user,
            user_email=checkout.get_customer_email() or "",
            language_code=checkout.language_code,
            channel=channel,
            currency=checkout.currency,
            total_gross_amount=total.gross.amount,
            checkout_token=str(checkout.token),
            origin=OrderOrigin.CHECKOUT,
            status=OrderStatus.UNFULFILLED if confirm else OrderStatus.UNCONFIRMED,
            charge_status=OrderChargeStatus.FULL if charged else OrderChargeStatus.NONE,
            lines_count=len(lines),
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order, variant=line.variant, product_name=line.product.name, variant_name=line.variant.name,
                product_sku=line.variant.sku, quantity=line.line.quantity,
                unit_price_gross_amount=(line.line.total_price_gross_amount or Decimal(0)) / line.line.quantity,
            )
            for line in lines
        )
        delete_checkouts([checkout.pk])
        transaction.on_commit(lambda: _order_created(manager, order, charged, confirm))
    return order


def _order_created(manager: Any, order: Order, charged: bool, confirm: bool) -> None:
    """``order/actions.py`` ``order_created`` as it runs at commit: each hook in Saleor's order."""
    order = Order.objects.select_related("channel", "user").get(pk=order.pk)
    manager.order_created(order)
    if charged:
        manager.order_paid(order)
        manager.order_fully_paid(order)
        manager.order_updated(order)
    if confirm:
        manager.order_confirmed(order)
