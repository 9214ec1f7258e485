"""Pure timing rules for sending: quiet hours, retry backoff, frequency cap. Time is passed in."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Retries of a transient failure: 1 min, 2, 4, 8, 16, then 30 min apart, at most MAX_ATTEMPTS sends.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(minutes=30)
MAX_ATTEMPTS = 8


def quiet_hours_end(now: datetime, zone: str | None, window: tuple[time, time] | None) -> datetime | None:
    """When the quiet window that contains ``now`` ends (in UTC), or None if ``now`` is not quiet.

    The window is local to the channel's timezone and may cross midnight
    (21:00-08:00). The end is computed on the local wall clock, so a daylight-
    saving change inside the night still ends it at 08:00 local.
    """
    if window is None:
        return None
    tz = ZoneInfo(zone or "UTC")
    local = now.astimezone(tz)
    start, end = window
    moment = local.timetz().replace(tzinfo=None)
    if start < end:
        quiet = start <= moment < end
        end_day = local.date()
    else:
        quiet = moment >= start or moment < end
        end_day = local.date() + timedelta(days=1) if moment >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(now.tzinfo)


def retry_at(now: datetime, attempts: int) -> datetime | None:
    """When to try again after ``attempts`` failed sends, or None when attempts are exhausted."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return now + delay


def frequency_cap_release(
    now: datetime, recent_sends: list[datetime], cap: int, window_days: int
) -> datetime | None:
    """When a capped recipient may receive the next marketing message, or None if not capped.

    ``recent_sends`` are this recipient's marketing sends inside the window.
    A cap of 0 disables the rule.
    """
    if cap <= 0:
        return None
    window = timedelta(days=window_days)
    inside = sorted(t for t in recent_sends if t > now - window)
    if len(inside) < cap:
        return None
    # The oldest send that keeps the count at the cap must leave the window first.
    return inside[len(inside) - cap] + window
