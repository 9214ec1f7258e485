"""Recipients: email addresses and E.164 phone numbers, and the keyed hash suppressions store."""

import hashlib
import hmac
from functools import cache

import phonenumbers
from django.conf import settings

from ..core.identity import normalise_email
from ..exceptions import PermanentSendError
from ..models import MessageChannel


def normalise_phone(raw: str, default_region: str | None = None) -> str:
    """E.164 form of a phone number; PermanentSendError (a clear reason) when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PermanentSendError(f"invalid phone number: {exc}", code="invalid_number") from None
    if not phonenumbers.is_valid_number(number):
        raise PermanentSendError("invalid phone number", code="invalid_number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_recipient(channel: str, raw: str, default_region: str | None = None) -> str:
    if channel == MessageChannel.EMAIL:
        email = normalise_email(raw)
        if email is None:
            raise PermanentSendError("invalid email address", code="invalid_email")
        return email
    return normalise_phone(raw.removeprefix("whatsapp:"), default_region)


#: The suppression list's key is the plugin's own (stored once, see migration 0008), not SECRET_KEY: rotating
#: Django's key must not forget who opted out.
HASH_KEY_NAME = "address-hash"


@cache
def _hash_key() -> bytes:
    from ..models import PluginSecret

    derived = hashlib.sha256(f"saleor-journey-suppression:{settings.SECRET_KEY}".encode()).hexdigest()
    secret, _ = PluginSecret.objects.get_or_create(name=HASH_KEY_NAME, defaults={"value": derived})
    return bytes.fromhex(secret.value)


def address_hash(channel: str, address: str) -> str:
    """Keyed hash of a normalised address; SMS and WhatsApp share one number, so one hash."""
    kind = "email" if channel == MessageChannel.EMAIL else "phone"
    return hmac.new(_hash_key(), f"{kind}:{address}".encode(), hashlib.sha256).hexdigest()
