"""Fixtures for the adapter's tests."""

from datetime import UTC, datetime
from typing import Any

import pytest

from saleor_journey import clock as journey_clock

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch: Any) -> Any:
    """Saleor's timestamps (auto_now, defaults) and the plugin's clock read one simulated instant."""
    from django.apps import apps
    from django.utils import timezone

    current = {"at": START}
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: current["at"])
    for model in apps.get_models():  # fields whose default is the clock captured it when the model was defined
        for field in model._meta.fields:
            if getattr(field, "default", None) is real_now:
                monkeypatch.setattr(field, "default", timezone.now)
                monkeypatch.setattr(field, "_get_default", timezone.now, raising=False)  # Django caches it
    journey_clock._source.cache_clear()
    yield lambda at: current.__setitem__("at", at)
    journey_clock._source.cache_clear()
