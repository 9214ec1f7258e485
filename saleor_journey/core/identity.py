"""Normalising the email addresses that identify guests."""

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
