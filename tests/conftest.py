"""Fixtures shared by the suite: Saleor's contract double, small factories, an active plugin."""

import itertools
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.peers import Peer, postmark_answer, serve, twilio_answer

_numbers = itertools.count(1000)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters and Saleor's login throttling live in Django's cache: each test starts without any."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def client() -> Any:
    """pytest-django's ``client``, posting dicts as browsers and Twilio do (urlencoded, not multipart)."""
    from tests.browsing import FormClient

    return FormClient()


@pytest.fixture
def channel(db: Any) -> Any:
    from saleor.channel.models import Channel

    return Channel.objects.create(name="Italia", slug="it", currency_code="EUR", is_active=True)


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from saleor.account.models import User

    def make(email: str | None = None, **fields: Any) -> Any:
        return User.objects.create(email=email or f"user{next(_numbers)}@example.com", **fields)

    return make


@pytest.fixture
def make_variant(channel: Any) -> Callable[..., Any]:
    from saleor.product.models import Product, ProductChannelListing, ProductVariant, ProductVariantChannelListing
    from saleor.warehouse.models import Stock, Warehouse

    def make(name: str = "Caffè", stock: int = 10, price: Decimal | None = Decimal("10.99"), currency: str = "EUR",
             published: bool = True) -> Any:
        n = next(_numbers)
        product = Product.objects.create(name=name, slug=f"p-{n}")
        variant = ProductVariant.objects.create(product=product, name="250 g", sku=f"SKU-{n}")
        warehouse, _ = Warehouse.objects.get_or_create(name="Milano")
        Stock.objects.create(warehouse=warehouse, product_variant=variant, quantity=stock)
        ProductChannelListing.objects.create(  # published and purchasable in the channel (unless told otherwise)
            product=product, channel=channel, is_published=published, visible_in_listings=published,
            available_for_purchase_at=timezone.now() - timezone.timedelta(days=30) if published else None)
        if price is not None:  # the variant's price in the channel (unlisted: unavailable there)
            ProductVariantChannelListing.objects.create(variant=variant, channel=channel, currency=currency, price_amount=price)
        return variant

    return make


@pytest.fixture
def make_checkout(channel: Any, make_variant: Callable[..., Any]) -> Callable[..., Any]:
    from saleor.checkout.models import Checkout, CheckoutLine

    def make(email: str | None = "guest@example.com", user: Any = None, lines: int = 1) -> Any:
        checkout = Checkout.objects.create(email=email, user=user, channel=channel, currency="EUR")
        for _ in range(lines):
            CheckoutLine.objects.create(checkout=checkout, variant=make_variant(), quantity=2)
        return checkout

    return make


@pytest.fixture
def make_order(channel: Any) -> Callable[..., Any]:
    from saleor.order.models import Order

    def make(user: Any = None, email: str = "", checkout: Any = None, **fields: Any) -> Any:
        if user is not None and not email:
            email = user.email
        return Order.objects.create(
            number=next(_numbers),
            user=user,
            user_email=email,
            channel=channel,
            currency="EUR",
            total_gross_amount=fields.pop("total", Decimal("42.50")),
            checkout_token=str(checkout.pk) if checkout is not None else str(uuid.uuid4()),
            **fields,
        )

    return make


def activate_plugin(configuration: list[dict] | None = None) -> Any:
    """Store an active configuration the way Saleor's pluginUpdate does, and return a fresh manager."""
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.plugins import runtime
    from saleor_journey.plugins.plugin import PLUGIN_ID

    get_plugins_manager(allow_replica=False).save_plugin_configuration(
        PLUGIN_ID, None, {"active": True, "configuration": configuration or []}
    )
    runtime.forget()
    return get_plugins_manager(allow_replica=False)


@pytest.fixture
def manager(db: Any) -> Any:
    """Return a Saleor plugins manager with Customer Journey active and default settings."""
    return activate_plugin()


@pytest.fixture
def now() -> Any:
    return timezone.now()


@pytest.fixture
def esp() -> Iterator[Peer]:
    with serve(postmark_answer) as peer:
        yield peer


@pytest.fixture
def twilio() -> Iterator[Peer]:
    with serve(twilio_answer) as peer:
        yield peer


def delivery_configuration(esp: Peer, twilio: Peer, **overrides: str) -> list[dict[str, str]]:
    values = {
        "public_base_url": "https://api.shop.example.com",
        "default_sender": "Bottega <shop@example.com>",
        "email_esp": "postmark",
        "email_api_key": "pm-server-token",
        "email_api_url": esp.url,
        "email_webhook_secret": "esp:hook-secret",
        "twilio_account_sid": "AC" + "1" * 32,
        "twilio_auth_token": "twilio-auth-token",
        "twilio_sms_from": "+390212345678",
        "twilio_whatsapp_from": "+390212345679",
        "twilio_api_url": twilio.url,
        "quiet_hours": "off",
        "channel_settings": '{"it": {"sender_name": "Bottega", "sender_email": "ciao@bottega.example",'
        ' "language": "it", "timezone": "Europe/Rome", "country": "IT"}}',
        **overrides,
    }
    return [{"name": k, "value": v} for k, v in values.items()]
