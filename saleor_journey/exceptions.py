"""The plugin's exception tree.

Configuration errors are also Django ``ValidationError``s, so Saleor's
``pluginUpdate`` shows them as form errors; nothing in a hook lets them escape.
"""

from django.core.exceptions import ValidationError


class JourneyError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(JourneyError, ValidationError):
    """The plugin configuration is invalid; ``field`` names the offending entry."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        ValidationError.__init__(self, {field: [message]})
        JourneyError.__init__(self, f"{field}: {message}")

    def __str__(self) -> str:
        return JourneyError.__str__(self)


class SendError(JourneyError):
    """A provider did not take a message; ``reason`` is what the delivery log shows."""

    def __init__(self, reason: str, *, provider: str = "", code: str | int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider = provider
        self.code = code


class TransientSendError(SendError):
    """Worth retrying later: timeouts, 5xx, rate limits (429)."""


class DeliveryNotConfigured(TransientSendError):
    """The channel cannot be built from the configuration (no email backend, a missing credential).

    Raised before any provider is called; retried, since the owner may fix the
    form meanwhile, and failed with this reason when the retries run out.
    """


class PermanentSendError(SendError):
    """Retrying cannot help: invalid address, refused recipient, outside WhatsApp's session window.

    ``suppress`` is set when the recipient opted out at the provider (Twilio 21610,
    recipients refused for unsubscribe/complaint): the address joins the suppression list.
    """

    def __init__(self, reason: str, *, provider: str = "", code: str | int | None = None, suppress: bool = False) -> None:
        super().__init__(reason, provider=provider, code=code)
        self.suppress = suppress


class ForgedCallbackError(JourneyError):
    """An inbound callback failed authentication; answered with ``status`` and changes nothing."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.status = status


class InvalidInput(JourneyError, ValueError):
    """A customer's form or an API input that cannot be taken; ``fields`` names every field that is wrong."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("invalid " + ", ".join(fields))
        self.fields = fields
