"""The plugin configuration, read once into a typed, frozen dataclass."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .core.answers import CART_REASON_WORD_PARTS, CART_REASON_WORDS
from .core.flows import FlowSettings, Step
from .core.rules import StagePolicy
from .exceptions import ConfigurationError
from .languages import LANGUAGES

DEFAULT_METADATA_KEY = "journey.stage"
CHANNEL_SETTING_KEYS = frozenset(
    {"storefront_url", "product_url", "sender_email", "sender_name", "language", "timezone", "country"}
)
EMAIL_POLICIES = ("opt_out", "opt_in")


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """What differs per Saleor channel inside the one global configuration."""

    storefront_url: str | None = None
    product_url: str | None = None  # template with {slug}, e.g. https://shop.example.com/products/{slug}
    sender_email: str | None = None
    sender_name: str | None = None
    language: str | None = None
    timezone: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How messages leave: providers, credentials, and the rules that hold them back."""

    public_base_url: str | None = None
    email_esp: str | None = None
    email_api_key: str | None = None
    email_api_secret: str | None = None  # the ESP's second credential (Mailjet's secret key)
    email_api_url: str | None = None
    email_esp_options: str | None = None  # JSON object of other anymail settings for the ESP
    email_webhook_secret: str | None = None
    email_webhook_signing_key: str | None = None  # the ESP's own webhook signing secret or key
    default_sender: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str | None = None
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))
    quiet_hours_email: bool = False  # email waits through quiet hours too (per channel timezone)
    frequency_cap_count: int = 3
    frequency_cap_days: int = 7
    email_marketing_policy: str = "opt_out"
    consent_metadata_key: str = "journey.consent"
    template_dir: str | None = None
    message_texts: str | None = None  # the owner's own words per step and language (JSON, checked: see owner_texts)
    review_alert_email: str | None = None  # low reviews and paused flows are reported here
    flood_ceiling: int = 500
    dashboard_url: str | None = None  # Saleor Dashboard, for links to orders in staff alerts  # sequences a flow may start in an hour before the flood guard looks; 0: off

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)


@dataclass(frozen=True, slots=True)
class JourneySettings:
    """Everything the plugin's configuration form holds, validated."""

    policy: StagePolicy = field(default_factory=StagePolicy)
    metadata_key: str = DEFAULT_METADATA_KEY
    channels: Mapping[str, ChannelSettings] = field(default_factory=dict)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    flows: FlowSettings = field(default_factory=FlowSettings)

    def for_channel(self, slug: str | None) -> ChannelSettings:
        return self.channels.get(slug or "", ChannelSettings())

    def sender_name(self, slug: str | None) -> str:
        """Return the name a channel's messages come from, else the default sender's; "" when neither is set.

        A welcome has no channel (Saleor accounts have none): it takes the default sender's name.
        """
        return self.for_channel(slug).sender_name or parseaddr(self.delivery.default_sender or "")[0]

    @classmethod
    def from_configuration(cls, items: Iterable[Mapping[str, Any]]) -> "JourneySettings":
        """Build from Saleor's ``[{"name": ..., "value": ...}]`` list; raise ConfigurationError."""
        values = {item["name"]: item.get("value") for item in items}
        policy_values = {
            name: _positive_int(values, name, default)
            for name, default in (
                ("lapse_days", 180),
                ("retention_min_orders", 2),
                ("retention_window_days", 365),
                ("advocacy_min_rating", 4),
                ("advocacy_min_nps", 9),
            )
        }
        try:
            policy = StagePolicy(**policy_values)
        except ValueError as exc:
            name = str(exc).split(" ", 1)[0]
            raise ConfigurationError(name, str(exc)) from exc
        metadata_key = (values.get("metadata_key") or DEFAULT_METADATA_KEY).strip()
        if not metadata_key or len(metadata_key) > 100:
            raise ConfigurationError("metadata_key", "must be between 1 and 100 characters")
        return cls(
            policy=policy,
            metadata_key=metadata_key,
            channels=_channel_settings(values.get("channel_settings")),
            delivery=_delivery_settings(values),
            flows=_flow_settings(values),
        )


def _text(values: Mapping[str, Any], name: str) -> str | None:
    raw = values.get(name)
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


def _url(values: Mapping[str, Any], name: str) -> str | None:
    url = _text(values, name)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(name, f"must be an http(s) URL, got {url!r}")
    return url.rstrip("/") if url else None


def _saleor_public_url() -> str | None:
    """Saleor's PUBLIC_URL setting (where its API is reached), the default for the form's public URL."""
    from django.conf import settings

    url = getattr(settings, "PUBLIC_URL", None)
    return url.rstrip("/") if url else None


def _quiet_hours(raw: str | None) -> tuple[time, time] | None:
    if raw is None:
        return (time(21, 0), time(8, 0))
    if raw.lower() in ("off", "none", "-"):
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise ConfigurationError("quiet_hours", f"must look like 21:00-08:00 or 'off', got {raw!r}") from None
    if start == end:
        raise ConfigurationError("quiet_hours", "start and end must differ (use 'off' to disable)")
    return (start, end)


def _delivery_settings(values: Mapping[str, Any]) -> DeliverySettings:
    esp = _text(values, "email_esp")
    if esp is not None:
        esp = esp.lower().replace("-", "_")
        esp = {"sendinblue": "brevo", "ses": "amazon_ses"}.get(esp, esp)  # anymail's former and short names
        if not esp.replace("_", "").isalnum():
            raise ConfigurationError("email_esp", f"must be an anymail ESP name such as 'postmark', got {esp!r}")
    policy = (_text(values, "email_marketing_policy") or "opt_out").lower().replace("-", "_")
    if policy not in EMAIL_POLICIES:
        raise ConfigurationError("email_marketing_policy", f"must be one of {', '.join(EMAIL_POLICIES)}")
    secret = _text(values, "email_webhook_secret")
    if secret is not None and ":" not in secret:
        raise ConfigurationError("email_webhook_secret", "must be 'user:password' (HTTP basic auth for ESP webhooks)")
    cap_days = _positive_int(values, "frequency_cap_days", 7)
    if cap_days < 1:
        raise ConfigurationError("frequency_cap_days", "must be at least 1")
    return DeliverySettings(
        public_base_url=_url(values, "public_base_url") or _saleor_public_url(),
        email_esp=esp,
        email_api_key=_text(values, "email_api_key"),
        email_api_secret=_text(values, "email_api_secret"),
        email_api_url=_url(values, "email_api_url"),
        email_esp_options=_json_object(values, "email_esp_options"),
        email_webhook_secret=secret,
        email_webhook_signing_key=_text(values, "email_webhook_signing_key"),
        default_sender=_text(values, "default_sender"),
        twilio_account_sid=_text(values, "twilio_account_sid"),
        twilio_auth_token=_text(values, "twilio_auth_token"),
        twilio_sms_from=_text(values, "twilio_sms_from"),
        twilio_whatsapp_from=_text(values, "twilio_whatsapp_from"),
        twilio_api_url=_url(values, "twilio_api_url"),
        quiet_hours=_quiet_hours(_text(values, "quiet_hours")),
        quiet_hours_email=_enabled(values, "quiet_hours_email", False),
        frequency_cap_count=_positive_int(values, "frequency_cap_count", 3),
        frequency_cap_days=cap_days,
        email_marketing_policy=policy,
        consent_metadata_key=_text(values, "consent_metadata_key") or "journey.consent",
        template_dir=_text(values, "template_dir"),
        message_texts=_message_texts(values),
        review_alert_email=_text(values, "review_alert_email"),
        flood_ceiling=_positive_int(values, "flood_ceiling", 500),
        dashboard_url=_url(values, "dashboard_url"),
    )


def _json_object(values: Mapping[str, Any], name: str) -> str | None:
    """Read a JSON object given as text and return its canonical text (the dataclass stays hashable)."""
    data = _read_json_object(values, name, '{"message_stream": "outbound"}')
    return json.dumps(data, sort_keys=True) if data else None


def _read_json_object(values: Mapping[str, Any], name: str, example: str) -> dict[str, Any] | None:
    """Return the JSON object a field holds as text, None when it is empty; raise ConfigurationError."""
    raw = _text(values, name)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(name, f"is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(name, f"must be a JSON object, e.g. {example}")
    return data


def _enabled(values: Mapping[str, Any], name: str, default: bool) -> bool:
    raw = values.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("true", "1", "yes", "on")


def _delays(values: Mapping[str, Any], name: str, default: str, count: int) -> list[timedelta]:
    """'1h,24h,72h' -> durations; units m, h, d."""
    raw = _text(values, name) or default
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) != count:
        raise ConfigurationError(name, f"needs {count} comma-separated delays like {default!r}, got {raw!r}")
    delays = []
    units = {"m": "minutes", "h": "hours", "d": "days"}
    for part in parts:
        number, unit = part[:-1], part[-1:].lower()
        if unit not in units or not number.isdigit():
            raise ConfigurationError(name, f"{part!r} is not a delay such as 30m, 24h or 7d")
        delays.append(timedelta(**{units[unit]: int(number)}))
    return delays


def _flow_settings(values: Mapping[str, Any]) -> FlowSettings:
    cart = _delays(values, "abandoned_cart_delays", "1h,24h,72h", 3)
    post = _delays(values, "post_purchase_delays", "2d,14d", 2)
    review = _delays(values, "review_request_delays", "7d,14d", 2)
    back = _delays(values, "win_back_delays", "0h,7d", 2)
    return FlowSettings(
        abandoned_cart=(
            Step("reminder_1", cart[0]),
            Step("reminder_2", cart[1]),
            Step("reminder_2_sms", cart[1], channel="sms"),
            Step("reminder_3", cart[2]),
        ) if _enabled(values, "abandoned_cart_enabled", True) else (),
        post_purchase=(
            Step("thank_you", post[0], marketing=False),
            Step("cross_sell", post[1]),
        ) if _enabled(values, "post_purchase_enabled", True) else (),
        review_request=(
            Step("request", review[0]),
            Step("reminder", review[1]),
        ) if _enabled(values, "review_request_enabled", True) else (),
        win_back=(
            Step("email", back[0]),
            Step("sms", back[1], channel="sms"),
        ) if _enabled(values, "win_back_enabled", True) else (),
        welcome=(Step("email", timedelta(0), marketing=False),) if _enabled(values, "welcome_enabled", False) else (),
        nps_survey=(Step("survey", _delays(values, "nps_survey_delay", "21d", 1)[0]),)
        if _enabled(values, "nps_survey_enabled", False) else (),
        nps_period=_delays(values, "nps_survey_period", "90d", 1)[0],
        cart_voucher=_text(values, "abandoned_cart_voucher"),
        cart_cooldown=_delays(values, "abandoned_cart_cooldown", "7d", 1)[0],
        cart_max_sequences=max(_positive_int(values, "abandoned_cart_max_sequences", 3), 1),
        win_back_backlog_per_hour=_positive_int(values, "win_back_backlog_per_hour", 0),
        win_back_voucher=_text(values, "win_back_voucher"),
    )


def _positive_int(values: Mapping[str, Any], name: str, default: int) -> int:
    raw = values.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise ConfigurationError(name, f"must be a whole number, got {raw!r}") from None
    if number < 0:
        raise ConfigurationError(name, f"must not be negative, got {number}")
    return number


def _channel_settings(raw: Any) -> dict[str, ChannelSettings]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise ConfigurationError("channel_settings", f"is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise ConfigurationError("channel_settings", "must be a JSON object keyed by channel slug")
    result: dict[str, ChannelSettings] = {}
    for slug, entry in data.items():
        if not isinstance(entry, dict):
            raise ConfigurationError("channel_settings", f"entry for channel {slug!r} must be an object")
        unknown = set(entry) - CHANNEL_SETTING_KEYS
        if unknown:
            raise ConfigurationError(
                "channel_settings",
                f"unknown keys for channel {slug!r}: {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(sorted(CHANNEL_SETTING_KEYS))}",
            )
        zone = entry.get("timezone")
        if zone is not None:
            try:
                ZoneInfo(str(zone))
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigurationError("channel_settings", f"unknown timezone {zone!r} for channel {slug!r}") from None
        url = entry.get("storefront_url")
        if url is not None:
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigurationError(
                    "channel_settings", f"storefront_url for channel {slug!r} must be an http(s) URL"
                )
        result[str(slug)] = ChannelSettings(**{k: (str(v) if v is not None else None) for k, v in entry.items()})
    return result


#: What an owner may write for a message, by the step's channel.
OWNER_PARTS = {"email": ("subject", "heading", "body"), "sms": ("sms",), "whatsapp": ("sms",),
               "reasons": CART_REASON_WORD_PARTS}  # the cart reminders' "Tell us why" (abandoned_cart/reasons)
#: The variables an owner's text may use, per flow (the README lists them with what they hold).
OWNER_VARIABLES = {
    "abandoned_cart": ("shop_name", "action_url", "voucher"),
    "post_purchase": ("shop_name", "action_url", "number"),
    "review_request": ("shop_name", "number"),
    "win_back": ("shop_name", "action_url", "voucher"),
    "welcome": ("shop_name", "action_url"),
    "nps_survey": ("shop_name", "number"),
}
OWNER_TEXT_LIMIT = 2000


def message_steps() -> dict[str, str]:
    """Return every step a customer may receive, ``<flow>/<step>``, with its channel (all flows, all steps)."""
    every = FlowSettings.everything()
    return {f"{flow}/{step.name}": step.channel for flow in OWNER_VARIABLES for step in every.steps(flow)}


def _message_texts(values: Mapping[str, Any]) -> str | None:
    """Check the owner's texts and return them as canonical JSON; raise ConfigurationError naming where and why.

    ``{"abandoned_cart/reminder_1": {"it": {"subject": "...", "heading": "...", "body": "..."}}}``: per step and
    language, any of the parts its channel has. A text is plain words with ``{{ variable }}`` from the
    flow's list; no tags, no filters.
    """
    from django.template.base import Lexer, TokenType

    name = "message_texts"
    texts = _read_json_object(values, name, '{"abandoned_cart/reminder_1": {"it": {"subject": "..."}}}')
    if not texts:
        return None
    steps = {**message_steps(), CART_REASON_WORDS: "reasons"}
    for key, languages in texts.items():
        if key not in steps:
            raise ConfigurationError(name, f"{key!r} is not a message; use one of {', '.join(sorted(steps))}")
        if not isinstance(languages, dict):
            raise ConfigurationError(name, f"{key}: must be an object keyed by language, e.g. {{\"it\": {{...}}}}")
        flow = key.split("/", 1)[0]
        allowed = OWNER_VARIABLES[flow] if key != CART_REASON_WORDS else ()  # the reasons' words are shown as written
        parts = OWNER_PARTS[steps[key]]
        for lang, words in languages.items():
            if lang not in LANGUAGES:  # the ones the plugin translates: a step is never half in another language
                raise ConfigurationError(name, f"{key}: {lang!r} is not one of the languages {', '.join(LANGUAGES)}")
            if not isinstance(words, dict):
                raise ConfigurationError(name, f"{key} {lang}: must be an object of {', '.join(parts)}")
            for part, text in words.items():
                where = f"{key} {lang} {part}"
                if part not in parts:
                    raise ConfigurationError(name, f"{key} {lang}: {part!r} is not a part of this message; use {', '.join(parts)}")
                if not isinstance(text, str) or len(text) > OWNER_TEXT_LIMIT:
                    raise ConfigurationError(name, f"{where}: must be text of at most {OWNER_TEXT_LIMIT} characters")
                for token in Lexer(text).tokenize():
                    if token.token_type == TokenType.BLOCK:
                        raise ConfigurationError(name, f"{where}, line {token.lineno}: tags such as {{% {token.contents} %}} are not allowed; write words and {{{{ variable }}}} only")
                    if token.token_type == TokenType.VAR and not allowed:
                        raise ConfigurationError(name, f"{where}, line {token.lineno}: {{{{ {token.contents.strip()} }}}} is not available here; write words only")
                    if token.token_type == TokenType.VAR and token.contents.strip() not in allowed:
                        raise ConfigurationError(name, f"{where}, line {token.lineno}: {{{{ {token.contents.strip()} }}}} is not available here; use {', '.join('{{ ' + v + ' }}' for v in allowed)}")
                if part != "body" and "\n" in text.strip():
                    raise ConfigurationError(name, f"{where}: must be one line")
    return json.dumps(texts, sort_keys=True, ensure_ascii=False)
