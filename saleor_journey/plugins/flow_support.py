"""What the flows need from Saleor at send time: the last-moment re-checks and the message content.

Given to the dispatcher by ``register()`` when Django starts the app
(``AppConfig.ready``), so they run in whichever process sends: the re-check
reads the checkout or order as it is now, and the content is built from
Saleor's current products.
"""

import base64
import logging
from datetime import timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone

from ..core import flows as names
from ..delivery import flow_hooks
from ..delivery.tokens import cart_reason_token, nps_token
from ..models import ScheduledMessage
from ..routes import CART_REASON, NPS, plugin_url
from . import runtime

logger = logging.getLogger(__name__)

#: Saleor's completion lock (settings.CHECKOUT_COMPLETION_LOCK_TIME, seconds; "3 minutes" unless set):
#: a checkout whose completion started within it is being completed and must not be reminded.
DEFAULT_COMPLETION_LOCK_SECONDS = 180

#: Order statuses after which no follow-up or review request is sent.
CLOSED_ORDER_STATUSES = ("canceled", "returned", "expired")


def global_id(type_name: str, pk: Any) -> str:
    """Saleor's GraphQL ID (base64 "Type:pk"), so storefronts can use it as is."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _token(message: ScheduledMessage) -> str:
    """Return the Saleor id in a subject key: ``checkout:<token>[:<sequence>]``, ``order:<id>``."""
    return message.subject_key.split(":")[1]


def _storefront(message: ScheduledMessage) -> str | None:
    settings = runtime.active_settings()
    if settings is None:
        return None
    return settings.for_channel(message.channel_slug).storefront_url


def recheck_cart(message: ScheduledMessage) -> str | None:
    """Skip a cart reminder whose reason went away; the reason is recorded on the message.

    One round-trip: an order from this checkout, the checkout itself, its
    lines, whether any line can still be bought (not inventory-tracked, or
    stock beyond what is allocated), and the address the cart holds now — a
    reminder never goes to an address the customer replaced (a corrected typo),
    even one claimed before the change reached it.
    """
    from django.db import connection
    from saleor.account.models import Address, User
    from saleor.checkout.models import Checkout, CheckoutLine
    from saleor.order.models import Order
    from saleor.product.models import ProductVariant
    from saleor.warehouse.models import Stock

    checkouts, lines = Checkout._meta.db_table, CheckoutLine._meta.db_table
    orders, variants, stocks = Order._meta.db_table, ProductVariant._meta.db_table, Stock._meta.db_table
    users, addresses = User._meta.db_table, Address._meta.db_table
    token = _token(message)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT EXISTS (SELECT 1 FROM {orders} WHERE checkout_token = %s),
                   c.token IS NOT NULL, c.completing_started_at,
                   EXISTS (SELECT 1 FROM {lines} l WHERE l.checkout_id = c.token),
                   EXISTS (SELECT 1 FROM {lines} l JOIN {variants} v ON v.id = l.variant_id
                           WHERE l.checkout_id = c.token AND (NOT v.track_inventory OR EXISTS (
                             SELECT 1 FROM {stocks} s WHERE s.product_variant_id = v.id
                             AND s.quantity > s.quantity_allocated))),
                   COALESCE(NULLIF(c.email, ''), (SELECT u.email FROM {users} u WHERE u.id = c.user_id)),
                   ARRAY(SELECT a.phone FROM {addresses} a WHERE a.id IN (c.billing_address_id, c.shipping_address_id)
                         AND a.phone <> '')
            FROM (SELECT 1) one LEFT JOIN {checkouts} c ON c.token = %s
            """,
            [token, token],
        )
        ordered, exists, started, has_lines, available, email, phones = cursor.fetchone()
    if ordered:
        return "order placed"
    if not exists:
        return "checkout no longer exists"
    if not has_lines:
        return "cart is empty"
    if not available:
        return "no item in the cart is in stock"
    # Saleor's own lock, on Saleor's clock (Checkout.is_checkout_locked).
    if started is not None and started > timezone.now() - _completion_lock():
        return "checkout is being completed"
    if not _still_the_carts_address(message, email, phones or []):
        return "the cart's address changed"
    return None


def _still_the_carts_address(message: ScheduledMessage, email: str | None, phones: list[str]) -> bool:
    from ..core.identity import normalise_email
    from ..delivery.addresses import normalise_phone
    from ..exceptions import PermanentSendError

    if message.channel == "email":
        return normalise_email(email) == normalise_email(message.recipient)
    settings = runtime.active_settings()
    region = settings.for_channel(message.channel_slug).country if settings else None

    def e164(raw: str) -> str | None:
        try:
            return normalise_phone(raw.removeprefix("whatsapp:"), region)
        except PermanentSendError:
            return None

    number = e164(message.recipient)
    return number is not None and number in {e164(phone) for phone in phones}


def _completion_lock() -> timedelta:
    from django.conf import settings

    return timedelta(seconds=int(getattr(settings, "CHECKOUT_COMPLETION_LOCK_TIME", DEFAULT_COMPLETION_LOCK_SECONDS)))


def cart_context(message: ScheduledMessage) -> dict[str, Any]:
    """Return the lines left in the cart, priced as Saleor's API prices them, and the link back to it.

    Saleor computes checkout prices lazily (the stored totals stay 0 until
    something reads them after ``price_expiration``), so the prices come from
    Saleor's own calculation, here in the worker: ``fetch_checkout_lines``,
    ``fetch_checkout_info``, ``calculate_checkout_total_with_gift_cards`` (what
    ``checkout.totalPrice`` resolves to) and ``checkout_line_total``. If they
    cannot be computed the email shows the items without prices or total,
    never a wrong amount. A cart that is gone gets a link rebuilding it.
    """
    token = _token(message)
    cart = _priced_cart(token)
    base = _storefront(message)
    url = None
    if base:
        if cart is not None and cart.items:
            url = _with_query(base, {"checkout": global_id("Checkout", token)})
        else:
            snapshot = message.context.get("lines") or []
            restore = ",".join(f"{global_id('ProductVariant', v)}:{q}" for v, q in snapshot)
            url = _with_query(base, {"restore": restore}) if restore else base
    asked = {"reasons_url": _answer_url(CART_REASON, cart_reason_token(message.pk))} if message.channel == "email" else {}
    if cart is None:
        return {"items": [], "action_url": url, "total": None, **asked}
    return {"items": cart.items, "action_url": url, "total": cart.total, "currency": cart.currency, **asked}


def _answer_url(route: str, token: str) -> str | None:
    """Return the page a message's answer links open (the plugin route), or None without a public base URL."""
    settings = runtime.active_settings()
    return plugin_url(settings.delivery.public_base_url if settings else None, f"{route}{token}/")


class PricedCart(NamedTuple):
    items: list[dict[str, Any]]
    total: Any  # the gross amount (Decimal), or None when Saleor could not price the cart
    currency: str


#: Saleor thumbnail size for the 64-pixel images of the emails (sharp on high-density screens).
THUMBNAIL_SIZE = 128


def _priced_cart(token: str) -> PricedCart | None:
    """Return the checkout's available lines with Saleor's prices; None when the checkout is gone."""
    from saleor.checkout.fetch import fetch_checkout_info, fetch_checkout_lines
    from saleor.checkout.models import Checkout

    checkout = Checkout.objects.select_related("channel", "user").filter(token=token).first()
    if checkout is None:
        return None
    lines, _unavailable = fetch_checkout_lines(checkout)  # lines whose variant the channel no longer sells are left out
    prices = _saleor_prices(checkout, lines, fetch_checkout_info)
    images = _thumbnails([info.product.pk for info in lines])
    items = [
        {"name": info.product.name, "variant": info.variant.name, "quantity": info.line.quantity,
         "price": prices[1].get(info.line.pk) if prices else None, "thumbnail": images.get(info.product.pk)}
        for info in lines
    ]
    return PricedCart(items, prices[0] if prices else None, checkout.currency)


def _saleor_prices(checkout: Any, lines: list[Any], fetch_checkout_info: Any) -> tuple[Any, dict[Any, Any]] | None:
    """(total gross, {line pk: line total gross}) from Saleor's calculations, or None if they fail."""
    from saleor.checkout import calculations
    from saleor.plugins.manager import get_plugins_manager

    try:
        manager = get_plugins_manager(allow_replica=False)
        info = fetch_checkout_info(checkout, lines, manager)
        total = calculations.calculate_checkout_total_with_gift_cards(manager=manager, checkout_info=info, lines=lines)
        line_totals = {
            line.line.pk: calculations.checkout_line_total(
                manager=manager, checkout_info=info, lines=lines, checkout_line_info=line
            ).gross.amount
            for line in lines
        }
    except Exception:  # noqa: BLE001 - a tax app or discount failure: show the cart without prices
        logger.warning("journey: Saleor could not price checkout %s…; the reminder shows no prices",
                       str(checkout.pk)[:8], exc_info=True)
        return None
    return total.gross.amount, line_totals


def _thumbnails(product_ids: list[Any]) -> dict[Any, str]:
    """Each product's first image as Saleor's thumbnail URL (originals under /media/ need DEBUG to be served)."""
    from saleor.product.models import ProductMedia
    from saleor.thumbnail.utils import get_image_or_proxy_url

    first: dict[Any, Any] = {}
    media = ProductMedia.objects.filter(product_id__in=product_ids, type="IMAGE").exclude(image="").exclude(image=None)
    for item in media.order_by("product_id", "sort_order", "pk").only("pk", "product_id"):
        first.setdefault(item.product_id, item.pk)
    return {
        product: _absolute(get_image_or_proxy_url(None, str(pk), "ProductMedia", THUMBNAIL_SIZE, None))
        for product, pk in first.items()
    }


def _absolute(path: str) -> str:
    """Turn a Saleor path into an address mail clients can load: the plugin's public API URL, else Saleor's own."""
    from saleor.core.utils import build_absolute_uri

    settings = runtime.active_settings()
    base = settings.delivery.public_base_url if settings else None
    return f"{base}{path}" if base else build_absolute_uri(path)


def _with_query(base: str, params: dict[str, str]) -> str:
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}{urlencode(params)}"


def _order_tables() -> tuple[str, str, str, str]:
    """Saleor's order, order line and variant tables, and the plugin's reviews."""
    from saleor.order.models import Order, OrderLine
    from saleor.product.models import ProductVariant

    from ..models import ProductReview

    return tuple(m._meta.db_table for m in (Order, OrderLine, ProductVariant, ProductReview))  # type: ignore[return-value]


def recheck_order(message: ScheduledMessage) -> str | None:
    from django.db import connection

    orders, *_ = _order_tables()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status FROM {orders} WHERE id = %s", [_token(message)])
        row = cursor.fetchone()
    if row is None:
        return "order no longer exists"
    if row[0] in CLOSED_ORDER_STATUSES:
        return f"order {row[0]}"
    return None


def order_context(message: ScheduledMessage) -> dict[str, Any]:
    """Return the order's lines (one query, with the order and whether each product was reviewed for it)."""
    from django.db import connection

    orders, lines, variants, reviews = _order_tables()
    order_id = _token(message)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT l.product_name, l.variant_name, l.quantity, l.variant_id, v.product_id, o.user_id, o.user_email,
                   EXISTS (SELECT 1 FROM {reviews} r WHERE r.order_id = %s AND r.product_id = v.product_id),
                   o.number
            FROM {lines} l JOIN {orders} o ON o.id = l.order_id LEFT JOIN {variants} v ON v.id = l.variant_id
            WHERE l.order_id = %s ORDER BY l.product_name, l.id
            """,
            [order_id, order_id],
        )
        rows = [OrderedLine(*row) for row in cursor.fetchall()]
    if message.flow == names.REVIEW_REQUEST:
        items = _review_items(message, order_id, rows)
    elif message.step == "cross_sell":
        items = recommendations(message, order_id, rows[0] if rows else None)
    else:
        items = [{"name": row.product_name, "variant": row.variant_name, "quantity": row.quantity} for row in rows]
    return {"items": items, "action_url": _storefront(message)}


class OrderedLine(NamedTuple):
    """An order line as the post-purchase messages need it (product and variant may have been deleted)."""

    product_name: str
    variant_name: str
    quantity: int
    variant_id: int | None
    product_id: int | None
    user_id: Any
    user_email: str | None
    reviewed: bool
    order_number: int | None = None


#: How many products a cross-sell message suggests.
RECOMMENDATIONS = 3


#: Cross-sell co-occurrence reads orders of this many past days, at most this many of them (the newest).
RECOMMENDATION_DAYS = 180
RECOMMENDATION_ORDERS = 2000


def recommendations(message: ScheduledMessage, order_id: str, order: "OrderedLine | None") -> list[dict[str, Any]]:
    """Products most often bought together with this order's, that this customer has never bought.

    Co-occurrence over the shop's own recent orders (the last 180 days, the
    newest 2,000 that share a product with this order; not drafts, cancelled,
    expired or unconfirmed ones), counted by order; only products published and
    purchasable in the order's channel, with a price there, are suggested.
    """
    from django.db import connection
    from saleor.order.models import Order, OrderLine
    from saleor.product.models import (
        Product,
        ProductChannelListing,
        ProductVariant,
        ProductVariantChannelListing,
    )

    if order is None:
        return []
    lines, variants, products = OrderLine._meta.db_table, ProductVariant._meta.db_table, Product._meta.db_table
    orders = Order._meta.db_table
    listings, prices = ProductChannelListing._meta.db_table, ProductVariantChannelListing._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH this AS (SELECT channel_id FROM {orders} WHERE id = %s),
            basket AS (
              SELECT DISTINCT v.product_id FROM {lines} l JOIN {variants} v ON v.id = l.variant_id WHERE l.order_id = %s
            ), mine AS (
              SELECT DISTINCT v.product_id FROM {lines} l JOIN {variants} v ON v.id = l.variant_id
              JOIN {orders} o ON o.id = l.order_id
              WHERE (o.user_id = %s OR (o.user_id IS NULL AND lower(o.user_email) = lower(%s)))
            ), together AS (
              SELECT o.id FROM {orders} o
              WHERE o.created_at >= %s AND o.id <> %s
                AND o.status NOT IN ('draft', 'canceled', 'expired', 'unconfirmed')
                AND EXISTS (SELECT 1 FROM {lines} l JOIN {variants} v ON v.id = l.variant_id
                            WHERE l.order_id = o.id AND v.product_id IN (SELECT product_id FROM basket))
              ORDER BY o.created_at DESC LIMIT %s
            )
            SELECT p.id, p.name, p.slug, count(DISTINCT l2.order_id) AS n
            FROM together t JOIN {lines} l2 ON l2.order_id = t.id
            JOIN {variants} v2 ON v2.id = l2.variant_id JOIN {products} p ON p.id = v2.product_id
            WHERE p.id NOT IN (SELECT product_id FROM basket) AND p.id NOT IN (SELECT product_id FROM mine)
              AND EXISTS (SELECT 1 FROM {listings} pl WHERE pl.product_id = p.id AND pl.channel_id = (SELECT channel_id FROM this)
                          AND pl.is_published AND (pl.published_at IS NULL OR pl.published_at <= %s)
                          AND pl.available_for_purchase_at IS NOT NULL AND pl.available_for_purchase_at <= %s)
              AND EXISTS (SELECT 1 FROM {prices} vl JOIN {variants} v3 ON v3.id = vl.variant_id
                          WHERE v3.product_id = p.id AND vl.channel_id = (SELECT channel_id FROM this)
                          AND vl.price_amount IS NOT NULL)
            GROUP BY p.id, p.name, p.slug ORDER BY n DESC, p.name LIMIT %s
            """,
            [order_id, order_id, order.user_id, order.user_email or "", now - timedelta(days=RECOMMENDATION_DAYS),
             order_id, RECOMMENDATION_ORDERS, now, now, RECOMMENDATIONS],
        )
        rows = cursor.fetchall()
    settings = runtime.active_settings()
    template = settings.for_channel(message.channel_slug).product_url if settings else None
    return [
        {"name": name, "quantity": None, "url": template.replace("{slug}", slug) if template else None}
        for _pk, name, slug, _count in rows
    ]


def _review_items(message: ScheduledMessage, order_id: str, rows: list[OrderedLine]) -> list[dict[str, Any]]:
    """One signed review link per product not yet reviewed for this order (deleted products are skipped)."""
    from ..delivery.tokens import review_token
    from ..routes import REVIEW

    settings = runtime.active_settings()
    base = settings.delivery.public_base_url if settings else None
    wanted = [row for row in rows if row.product_id is not None and not row.reviewed]
    images = _thumbnails([row.product_id for row in wanted])
    items, seen = [], set()
    for row in wanted:
        if row.product_id is None or row.product_id in seen:
            continue
        seen.add(row.product_id)
        # Each page says which product it is about: name, variant and picture travel in the signed link.
        token = review_token(order_id, row.product_id, row.variant_id, message.language, message.channel_slug,
                             product=row.product_name, variant=row.variant_name, image=images.get(row.product_id),
                             order_number=row.order_number)
        items.append({"name": row.product_name, "variant": row.variant_name, "quantity": row.quantity,
                      "thumbnail": images.get(row.product_id), "url": plugin_url(base, f"{REVIEW}{token}/")})
    return items


def recheck_review_request(message: ScheduledMessage) -> str | None:
    """Recheck a request (or its reminder): pointless once every product of the order was reviewed (one query)."""
    from django.db import connection

    orders, lines, variants, reviews = _order_tables()
    order_id = _token(message)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT o.status, EXISTS (
              SELECT 1 FROM {lines} l JOIN {variants} v ON v.id = l.variant_id WHERE l.order_id = o.id
              AND NOT EXISTS (SELECT 1 FROM {reviews} r WHERE r.order_id = %s AND r.product_id = v.product_id))
            FROM {orders} o WHERE o.id = %s
            """,
            [order_id, order_id],
        )
        row = cursor.fetchone()
    if row is None:
        return "order no longer exists"
    status, unreviewed = row
    if status in CLOSED_ORDER_STATUSES:
        return f"order {status}"
    if not unreviewed:
        return "every product already reviewed"
    return None


def recheck_nps_survey(message: ScheduledMessage) -> str | None:
    """Skip a survey for an order that did not stand, or for a customer surveyed within the period.

    "Surveyed" is a survey of this person sent in the period, or one claimed
    with it in this very sweep and due before it, so two orders fulfilled
    together still give one survey.
    """
    reason = recheck_order(message)
    if reason is not None:
        return reason
    settings = runtime.active_settings()
    period = settings.flows.nps_period if settings else timedelta(days=90)
    others = ScheduledMessage.objects.filter(flow=names.NPS_SURVEY).exclude(pk=message.pk)
    others = others.filter(journey_id=message.journey_id) if message.journey_id else others.filter(
        recipient=message.recipient)
    since = timezone.now() - period
    earlier = Q(due_at__lt=message.due_at) | Q(due_at=message.due_at, pk__lt=message.pk)
    if others.filter(state="sent", sent_at__gte=since).exists() or others.filter(earlier, state="sending").exists():
        return f"surveyed within {period.days} days"
    return None


def nps_context(message: ScheduledMessage) -> dict[str, Any]:
    """Return the survey's eleven links, 0 to 10, each opening the answer page with its score chosen."""
    from ..core.answers import NPS_SCORES

    url = _answer_url(NPS, nps_token(message.pk))
    return {"scores": [{"score": n, "url": f"{url}?score={n}"} for n in NPS_SCORES] if url else [],
            "number": message.context.get("number")}


def storefront_context(message: ScheduledMessage) -> dict[str, Any]:
    return {"action_url": _storefront(message)}


def register() -> None:
    """Give the dispatcher each flow's send-time re-check and content (called from ``AppConfig.ready``)."""
    flow_hooks.register_recheck(names.ABANDONED_CART, recheck_cart)
    flow_hooks.register_context(names.ABANDONED_CART, cart_context)
    flow_hooks.register_recheck(names.POST_PURCHASE, recheck_order)
    flow_hooks.register_recheck(names.REVIEW_REQUEST, recheck_review_request)
    for flow in (names.POST_PURCHASE, names.REVIEW_REQUEST):
        flow_hooks.register_context(flow, order_context)
    for flow in (names.WIN_BACK, names.WELCOME):
        flow_hooks.register_context(flow, storefront_context)
    flow_hooks.register_recheck(names.NPS_SURVEY, recheck_nps_survey)
    flow_hooks.register_context(names.NPS_SURVEY, nps_context)
