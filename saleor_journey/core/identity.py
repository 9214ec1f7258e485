"""Normalising the email addresses that identify guests, and keys that hold them."""

import hashlib
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def normalise_email(raw: str | None) -> str | None:
    """Lower-case, trimmed address, or None when absent or malformed.

    Whole-address lower-casing is deliberate: shops treat ``Anna@Shop.it`` and
    ``anna@shop.it`` as one customer, and so must the journey.
    """
    if raw is None:
        return None
    email = raw.strip().lower()
    if not email or len(email) > 254:
        return None
    try:
        validate_email(email)
    except ValidationError:
        return None
    return email


_EMAIL = re.compile(r"[^\s:@'\"<>]+@[^\s:'\"<>]+")
# International numbers (+39 333 123 4567) and bare runs of 9-15 digits; not dates, ids or UUIDs.
_PHONE = re.compile(r"\+\d[\d ().-]{6,}\d|(?<![\w-])\d{9,15}(?![\w-])")


def redact(text: str) -> str:
    """``text`` with email addresses and phone numbers masked, for log lines and stored reasons."""
    return _PHONE.sub("<phone>", _EMAIL.sub("<email>", text))


def bounded(key: str, limit: int) -> str:
    """Return ``key`` when it fits in ``limit`` characters, else its start and a hash of all of it.

    The same key gives the same result; a 254-character address makes a key longer than its column.
    """
    if len(key) <= limit:
        return key
    return f"{key[:limit - 41]}~{hashlib.sha256(key.encode()).hexdigest()[:40]}"
