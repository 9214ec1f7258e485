"""Sample data for looking at messages: the rendering command and the report's Messages page."""

from typing import Any

#: What a message shows, made up: a cart of two items, an order number, vouchers, an unsubscribe link.
SAMPLE: dict[str, Any] = {
    "shop_name": "Bottega Esempio",
    "unsubscribe_url": "https://api.shop.example.com/plugins/global/saleor.journey/unsubscribe/SAMPLE/",
    "action_url": "https://shop.example.com/cart?checkout=Q2hlY2tvdXQ6c2FtcGxl",
    "items": [
        {"name": "Caffè in grani", "variant": "1 kg", "quantity": 2, "price": "18.90",
         "thumbnail": "https://shop.example.com/media/caffe.jpg"},
        {"name": "Moka 3 tazze", "variant": "Alluminio", "quantity": 1, "price": "24.00"},
    ],
    "total": "61.80",
    "currency": "EUR",
    "number": 1042,
    "voucher": "TORNA10",
    "headline": "Il tuo carrello ti aspetta",
    "body": "Torna a trovarci.",
}

