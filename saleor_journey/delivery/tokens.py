"""Signed, opaque tokens for links in messages (one-click unsubscribe)."""

from django.core import signing

UNSUBSCRIBE_SALT = "saleor-journey.unsubscribe"


def unsubscribe_token(message_id: int) -> str:
    """Make a URL-safe token naming one message (and so its recipient and channel); it reveals no address."""
    return signing.dumps(message_id, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> int | None:
    """Return the message id, or None for a forged or mangled token."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


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
    try:
        value = signing.loads(token, salt=REVIEW_SALT, max_age=REVIEW_TOKEN_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return value if isinstance(value, dict) and {"o", "p"} <= set(value) else None
