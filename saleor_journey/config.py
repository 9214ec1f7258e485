"""The plugin configuration, read once into a typed, frozen dataclass."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .core.rules import StagePolicy
from .exceptions import ConfigurationError

DEFAULT_METADATA_KEY = "journey.stage"
CHANNEL_SETTING_KEYS = frozenset({"storefront_url", "sender_email", "sender_name", "language"})


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """What differs per Saleor channel inside the one global configuration."""

    storefront_url: str | None = None
    sender_email: str | None = None
    sender_name: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class JourneySettings:
    """Everything the plugin's configuration form holds, validated."""

    policy: StagePolicy = field(default_factory=StagePolicy)
    metadata_key: str = DEFAULT_METADATA_KEY
    channels: Mapping[str, ChannelSettings] = field(default_factory=dict)

    def for_channel(self, slug: str | None) -> ChannelSettings:
        return self.channels.get(slug or "", ChannelSettings())

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
        url = entry.get("storefront_url")
        if url is not None:
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigurationError(
                    "channel_settings", f"storefront_url for channel {slug!r} must be an http(s) URL"
                )
        result[str(slug)] = ChannelSettings(**{k: (str(v) if v is not None else None) for k, v in entry.items()})
    return result
