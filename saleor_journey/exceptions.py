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
