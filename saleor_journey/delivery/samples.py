"""Sample data for looking at messages: the rendering command and the report's Messages page.

Each flow's sample holds what that flow's messages really carry when the
dispatcher sends them (``plugins/flow_support.py`` fills the same keys): a cart
reminder the cart, its prices and total, and by email the "Tell us why" links;
a thank-you the order's lines without prices; a cross-sell recommendations with their links; a review request one
review link per product; an NPS survey its eleven score links; a win-back and a welcome only the shop's address and,
for a win-back, its code. Nothing a customer of that flow would not see.
"""

from typing import Any

from ..core.flows import ABANDONED_CART, NPS_SURVEY, POST_PURCHASE, REVIEW_REQUEST, WIN_BACK

SHOP = "https://shop.example.com/"
#: What every message has: the shop's name and an unsubscribe link.
COMMON: dict[str, Any] = {
    "shop_name": "Bottega Esempio",
    "unsubscribe_url": "https://api.shop.example.com/plugins/global/saleor.journey/unsubscribe/SAMPLE/",
    "currency": "EUR",
}
#: Codes shown when the shop has set none (the flows offer the shop's own).
CART_VOUCHER = "TORNA10"
WIN_BACK_VOUCHER = "BENTORNATO15"
_CART: dict[str, Any] = {
    "action_url": f"{SHOP}cart?checkout=Q2hlY2tvdXQ6c2FtcGxl",
    "items": [
        {"name": "Caffè in grani", "variant": "1 kg", "quantity": 2, "price": "18.90",
         "thumbnail": f"{SHOP}thumbnail/UHJvZHVjdE1lZGlhOjE=/128/"},
        {"name": "Moka 3 tazze", "variant": "Alluminio", "quantity": 1, "price": "24.00"},
    ],
    "total": "61.80",
}
_ORDERED = [
    {"name": "Caffè in grani", "variant": "1 kg", "quantity": 2},
    {"name": "Moka 3 tazze", "variant": "Alluminio", "quantity": 1},
]
_RECOMMENDED = [
    {"name": "Tazzine in ceramica", "quantity": None, "url": f"{SHOP}products/tazzine/"},
    {"name": "Macinacaffè manuale", "quantity": None, "url": f"{SHOP}products/macinacaffe/"},
]
_REVIEW = "https://api.shop.example.com/plugins/global/saleor.journey/review/SAMPLE-{}/"
_CART_REASON = "https://api.shop.example.com/plugins/global/saleor.journey/cart-reason/SAMPLE/"
_NPS = "https://api.shop.example.com/plugins/global/saleor.journey/nps/SAMPLE/"


def sample_context(flow: str, step: str, cart_voucher: str | None = None,
                   win_back_voucher: str | None = None) -> dict[str, Any]:
    """Return what ``flow``'s ``step`` carries when it is sent, made up (the shop's own codes where it has them)."""
    context = dict(COMMON)
    if flow == ABANDONED_CART:
        context.update(_CART, voucher=cart_voucher or CART_VOUCHER)
        if not step.endswith("_sms"):  # a cart email asks why the cart was left; a text does not
            context["reasons_url"] = _CART_REASON
    elif flow == POST_PURCHASE:
        items = _RECOMMENDED if step == "cross_sell" else _ORDERED
        context.update(number=1042, items=[dict(i) for i in items], action_url=SHOP)
    elif flow == REVIEW_REQUEST:
        items = [{**item, "url": _REVIEW.format(n), "thumbnail": _CART["items"][0]["thumbnail"] if n == 1 else None}
                 for n, item in enumerate(_ORDERED, 1)]
        context.update(number=1042, items=items, action_url=SHOP)
    elif flow == NPS_SURVEY:
        context.update(number=1042, scores=[{"score": n, "url": f"{_NPS}?score={n}"} for n in range(11)])
    elif flow == WIN_BACK:
        context.update(voucher=win_back_voucher or WIN_BACK_VOUCHER, action_url=SHOP)
    else:  # welcome, and what else a shop renders with its own templates
        context.update(action_url=SHOP)
    return context
