"""Signed, opaque tokens for links in messages (one-click unsubscribe)."""

from django.core import signing

UNSUBSCRIBE_SALT = "saleor-journey.unsubscribe"


def unsubscribe_token(message_id: int) -> str:
    """A URL-safe token naming one message (and so its recipient and channel); reveals no address."""
    return signing.dumps(message_id, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> int | None:
    """The message id, or None for a forged or mangled token."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
