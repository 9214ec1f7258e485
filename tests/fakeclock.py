"""A clock shared by the test process and its Celery subprocesses, through Redis.

``settings.JOURNEY_CLOCK = "tests.fakeclock.now"`` (set by tests/settings.py
when JOURNEY_FAKE_CLOCK=1): the time is the real time plus an offset stored in
Redis, which a test moves forward with ``advance``.
"""

import os
from datetime import datetime, timedelta

import redis
from django.utils import timezone

KEY = "saleor-journey-tests:clock-offset-seconds"


def _redis() -> "redis.Redis[bytes]":
    return redis.Redis.from_url(os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"))


def now() -> datetime:
    offset = _redis().get(KEY)
    return timezone.now() + timedelta(seconds=float(offset or 0))


def advance(delta: timedelta) -> datetime:
    _redis().incrbyfloat(KEY, delta.total_seconds())
    return now()


def reset() -> None:
    _redis().delete(KEY)
