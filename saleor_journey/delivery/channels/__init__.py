"""One module per provider: email through anymail, SMS and WhatsApp through twilio."""

from ...config import DeliverySettings
from ...models import MessageChannel
from .base import Channel, Outgoing, Receipt
from .email import EmailChannel
from .twilio import TwilioChannel


def build_channels(settings: DeliverySettings) -> dict[str, Channel]:
    """Return the channels a configuration makes available; SMS and WhatsApp only with Twilio credentials."""
    channels: dict[str, Channel] = {MessageChannel.EMAIL: EmailChannel(settings)}
    if settings.twilio_configured:
        channels[MessageChannel.SMS] = TwilioChannel(settings)
        channels[MessageChannel.WHATSAPP] = TwilioChannel(settings, whatsapp=True)
    return channels


__all__ = ["EmailChannel", "Outgoing", "Receipt", "TwilioChannel", "build_channels"]
