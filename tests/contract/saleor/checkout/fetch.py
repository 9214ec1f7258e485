"""Mirror of ``saleor/checkout/fetch.py`` (3.23.28): the line and checkout infos price calculations take.

``fetch_checkout_lines(checkout)`` (line 170) returns ``(lines, unavailable_variant_pks)``:
one ``CheckoutLineInfo`` per line whose variant is listed in the checkout's
channel (lines with unavailable variants are skipped by default).
``fetch_checkout_info(checkout, lines, manager)`` (line 339) bundles the
checkout with its user and channel.
"""

from dataclasses import dataclass, field
from typing import Any

from ..product.models import ProductVariantChannelListing
from .models import Checkout, CheckoutLine


@dataclass
class CheckoutLineInfo:
    line: CheckoutLine
    variant: Any
    channel_listing: Any
    product: Any


@dataclass
class CheckoutInfo:
    checkout: Checkout
    user: Any
    channel: Any
    lines: list[CheckoutLineInfo] = field(default_factory=list)


def fetch_checkout_lines(
    checkout: Checkout, skip_lines_with_unavailable_variants: bool = True, **kwargs: Any
) -> tuple[list[CheckoutLineInfo], list[int]]:
    lines = list(CheckoutLine.objects.filter(checkout=checkout).select_related("variant__product").order_by("created_at", "id"))
    listings = {
        listing.variant_id: listing
        for listing in ProductVariantChannelListing.objects.filter(
            channel_id=checkout.channel_id, variant_id__in=[line.variant_id for line in lines]
        )
    }
    infos, unavailable = [], []
    for line in lines:
        listing = listings.get(line.variant_id)
        if listing is None or listing.price_amount is None:
            unavailable.append(line.variant_id)
            if skip_lines_with_unavailable_variants:
                continue
        infos.append(CheckoutLineInfo(line=line, variant=line.variant, channel_listing=listing, product=line.variant.product))
    return infos, unavailable


def fetch_checkout_info(checkout: Checkout, lines: list[CheckoutLineInfo], manager: Any, **kwargs: Any) -> CheckoutInfo:
    return CheckoutInfo(checkout=checkout, user=checkout.user, channel=checkout.channel, lines=lines)
