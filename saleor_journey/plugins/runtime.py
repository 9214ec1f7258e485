"""The active plugin's settings for code that runs without a plugin instance."""

import logging
import time
from dataclasses import replace
from email.headerregistry import Address
from typing import Any

from ..config import JourneySettings

logger = logging.getLogger(__name__)

#: How long a process trusts what it read; activation reaches receivers within this.
CACHE_SECONDS = 30.0

_cache: tuple[float, JourneySettings | None] | None = None


def active_settings() -> JourneySettings | None:
    """Return the settings of the active Customer Journey plugin, or None when it is inactive or missing."""
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < CACHE_SECONDS:
        return _cache[1]
    from saleor.plugins.manager import get_plugins_manager

    from ..routes import PLUGIN_ID

    with writer_allowed():  # the configuration is read from the primary, as Saleor's plugin views do
        plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID)
        settings = with_shop_sender(plugin.settings) if plugin is not None and plugin.active else None
    _cache = (now, settings)
    return settings


def with_shop_sender(settings: JourneySettings) -> JourneySettings:
    """Fill in the default sender when the form leaves it empty: the shop's in Saleor's site settings."""
    if settings.delivery.default_sender:
        return settings
    from django.contrib.sites.models import Site
    from saleor.site.models import SiteSettings

    shop = SiteSettings.objects.filter(site_id=Site.objects.get_current().pk).first()
    address = shop.default_mail_sender_address if shop else None
    if shop is None or not address:
        return settings
    sender = str(Address(display_name=shop.default_mail_sender_name or "", addr_spec=address))
    return replace(settings, delivery=replace(settings.delivery, default_sender=sender))


def forget() -> None:
    """Drop the cached settings and channels (tests, and after a configuration change in this process)."""
    global _cache, _channels
    _cache = _channels = None


def writer_allowed() -> Any:
    """Saleor's ``allow_writer()``: our tasks write to the primary database on purpose."""
    from saleor.core.db.connection import allow_writer

    return allow_writer()


_channels: tuple[float, frozenset[str]] | None = None


def channel_slugs() -> frozenset[str]:
    """Return the shop's Saleor channel slugs (read at most every CACHE_SECONDS)."""
    global _channels
    now = time.monotonic()
    if _channels is None or now - _channels[0] >= CACHE_SECONDS:
        from saleor.channel.models import Channel

        with writer_allowed():
            _channels = (now, frozenset(Channel.objects.values_list("slug", flat=True)))
    return _channels[1]
