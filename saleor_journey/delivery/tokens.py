"""Signed, opaque tokens for links in messages (one-click unsubscribe, review links, cart reasons, NPS)."""

from django.core import signing

UNSUBSCRIBE_SALT = "saleor-journey.unsubscribe"


def unsubscribe_token(message_id: int) -> str:
    """Make a URL-safe token naming one message (and so its recipient and channel); it reveals no address."""
    return signing.dumps(message_id, salt=UNSUBSCRIBE_SALT, compress=True)


def _loads(token: str, salt: str, max_age: int | None = None) -> object:
    """Return what a token carries, or None when it is forged, mangled or older than ``max_age`` seconds."""
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None


def _message_id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_unsubscribe_token(token: str) -> int | None:
    """Return the message id, or None for a forged or mangled token."""
    return _message_id(_loads(token, UNSUBSCRIBE_SALT))


REVIEW_SALT = "saleor-journey.review"
#: A review link works for this long after the request was sent.
REVIEW_TOKEN_MAX_AGE = 60 * 60 * 24 * 60


def review_token(order_id: str, product_id: int, variant_id: int | None, language: str | None,
                 channel: str | None, *, product: str | None = None, variant: str | None = None,
                 image: str | None = None, order_number: int | None = None) -> str:
    """Make a signed, expiring link token for reviewing one product of one order.

    Signed, not encrypted: anyone holding the link can read it, so it names
    the order and product only, never the customer (the order says who); the
    product's name, variant and picture come along so the page can show them.
    """
    payload = {"o": order_id, "p": product_id, "v": variant_id, "l": language, "c": channel}
    extra = {"n": product, "vn": variant, "img": image, "no": order_number}
    payload.update({k: v for k, v in extra.items() if v})
    return signing.dumps(payload, salt=REVIEW_SALT, compress=True)


def read_review_token(token: str) -> dict | None:
    """Return the token's claims, or None when forged, mangled or expired."""
    value = _loads(token, REVIEW_SALT, REVIEW_TOKEN_MAX_AGE)
    return value if isinstance(value, dict) and {"o", "p"} <= set(value) else None


CART_REASON_SALT = "saleor-journey.cart-reason"
#: A "why did you leave your cart" link works for this long after the reminder was sent.
CART_REASON_TOKEN_MAX_AGE = 60 * 60 * 24 * 30


def cart_reason_token(message_id: int) -> str:
    """Make a signed, expiring token naming one cart reminder (and so its cart and recipient); it reveals no address."""
    return signing.dumps(message_id, salt=CART_REASON_SALT, compress=True)


def read_cart_reason_token(token: str) -> int | None:
    """Return the reminder's id, or None when the token is forged, mangled or expired."""
    return _message_id(_loads(token, CART_REASON_SALT, CART_REASON_TOKEN_MAX_AGE))


NPS_SALT = "saleor-journey.nps"
#: A survey's links work for this long after it was sent.
NPS_TOKEN_MAX_AGE = 60 * 60 * 24 * 30


def nps_token(message_id: int) -> str:
    """Make a signed, expiring token naming one NPS survey (and so its order and recipient); it reveals no address."""
    return signing.dumps(message_id, salt=NPS_SALT, compress=True)


def read_nps_token(token: str) -> int | None:
    """Return the survey's id, or None when the token is forged, mangled or expired."""
    return _message_id(_loads(token, NPS_SALT, NPS_TOKEN_MAX_AGE))
