"""Quiet hours, backoff and the frequency cap, on an explicit clock."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_journey.delivery.timing import MAX_ATTEMPTS, frequency_cap_release, quiet_hours_end, retry_at

NIGHT = (time(21, 0), time(8, 0))
ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("utc", "expected_local_end"),
    [
        (datetime(2026, 6, 10, 19, 30, tzinfo=UTC), datetime(2026, 6, 11, 8, 0, tzinfo=ROME)),  # 21:30 Rome (CEST)
        (datetime(2026, 6, 10, 4, 0, tzinfo=UTC), datetime(2026, 6, 10, 8, 0, tzinfo=ROME)),  # 06:00 Rome
        (datetime(2026, 6, 10, 10, 0, tzinfo=UTC), None),  # 12:00 Rome
        (datetime(2026, 6, 10, 18, 59, tzinfo=UTC), None),  # 20:59 Rome
        (datetime(2026, 3, 28, 21, 0, tzinfo=UTC), datetime(2026, 3, 29, 8, 0, tzinfo=ROME)),  # night of the DST change
    ],
)
def test_quiet_hours_in_the_channels_timezone(utc: datetime, expected_local_end: datetime | None) -> None:
    end = quiet_hours_end(utc, "Europe/Rome", NIGHT)
    if expected_local_end is None:
        assert end is None
    else:
        assert end == expected_local_end
        assert end.tzinfo is UTC


def test_quiet_hours_off() -> None:
    assert quiet_hours_end(datetime(2026, 6, 10, 23, tzinfo=UTC), "UTC", None) is None


@given(st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    timezones=st.just(UTC),  # and makes them aware here
))
def test_a_deferred_message_is_never_due_inside_quiet_hours(now: datetime) -> None:
    end = quiet_hours_end(now, "Europe/Rome", NIGHT)
    if end is not None:
        assert end > now
        assert quiet_hours_end(end, "Europe/Rome", NIGHT) is None


def test_backoff_doubles_then_caps_then_stops() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    delays = [retry_at(now, n) - now for n in range(1, MAX_ATTEMPTS)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(delays) == timedelta(minutes=30)
    assert retry_at(now, MAX_ATTEMPTS) is None


def test_frequency_cap() -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    sends = [now - timedelta(days=d) for d in (1, 3, 6)]
    assert frequency_cap_release(now, sends, cap=3, window_days=7) == now - timedelta(days=6) + timedelta(days=7)
    assert frequency_cap_release(now, sends, cap=4, window_days=7) is None
    assert frequency_cap_release(now, sends[:2] + [now - timedelta(days=8)], cap=3, window_days=7) is None
    assert frequency_cap_release(now, sends, cap=0, window_days=7) is None
