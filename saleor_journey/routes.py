"""The plugin's public URLs, built from the configured public base URL (no Saleor import)."""

PLUGIN_ID = "saleor.journey"

UNSUBSCRIBE = "/unsubscribe/"
TWILIO_STATUS = "/twilio/status/"
TWILIO_INBOUND = "/twilio/inbound/"
ESP_TRACKING = "/esp/tracking/"
REVIEW = "/review/"
CART_REASON = "/cart-reason/"
NPS = "/nps/"
GRAPHQL = "/graphql/"
REPORT = "/report/"


def plugin_url(base_url: str | None, path: str) -> str | None:
    """Absolute URL of a path on the plugin's global route, or None without a public base URL."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/plugins/global/{PLUGIN_ID}/{path.lstrip('/')}"
