"""The active plugin's settings for code that runs without a plugin instance."""

import logging
import time
from typing import Any

from ..config import JourneySettings

logger = logging.getLogger(__name__)

#: How long a process trusts what it read; activation reaches receivers within this.
CACHE_SECONDS = 30.0

_cache: tuple[float, JourneySettings | None] | None = None


def active_settings() -> JourneySettings | None:
    """Settings of the active Customer Journey plugin, or None when it is inactive or missing."""
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < CACHE_SECONDS:
        return _cache[1]
    from saleor.plugins.manager import get_plugins_manager

    from ..routes import PLUGIN_ID

    with writer_allowed():  # the configuration is read from the primary, as Saleor's plugin views do
        plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID)
    settings = plugin.settings if plugin is not None and plugin.active else None
    _cache = (now, settings)
    return settings


def forget() -> None:
    """Drop the cached settings (tests, and after a configuration change in this process)."""
    global _cache
    _cache = None


def writer_allowed() -> Any:
    """Saleor's ``allow_writer()``: our tasks write to the primary database on purpose."""
    from saleor.core.db.connection import allow_writer

    return allow_writer()
