"""The simulated hour, for ``settings.JOURNEY_CLOCK = "simclock.now"`` in benchmarks/simulate_month.py."""

from datetime import datetime

from django.utils import timezone

_now: list[datetime] = []


def now() -> datetime:
    return _now[0] if _now else timezone.now()


def set_now(at: datetime) -> None:
    _now[:] = [at]
