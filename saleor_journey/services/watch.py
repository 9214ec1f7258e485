"""Since when the plugin has been watching without a break: only what happened since then starts a flow.

Whatever the plugin finds that happened before — before it was first switched
on, while it was off, while beat was not running, before a database was
restored — is history: recorded for stages and figures, never messaged.

The watch has a start and a heartbeat:

- switching the plugin on in the Dashboard starts a watch at that moment,
  switching it off ends it (``plugin_switched``); switching it on never
  catches up: messages that came due while it was off are cancelled, not sent
  late and all at once;
- the reconciliation sweep, every few minutes, is the heartbeat (its mark);
- when neither the start nor the last heartbeat is recent (beat stopped, the
  plugin was switched on by other means, a restored database), or the last one
  lies ahead of the clock (the clock moved back), the watch breaks and a new
  one starts now (``watching_since``).

Live hooks run only while the plugin is active, so what they report happens
during the watch; the rule matters for what is found late.
"""

import logging
from datetime import datetime, timedelta

from ..models import SaleorWatermark
from . import outbox

logger = logging.getLogger(__name__)

#: The watch's start (a SaleorWatermark row; absent while the plugin is off).
WATCHING = "watching"
#: The reconciliation sweep's mark: the end of the last window it read, i.e. its last run.
HEARTBEAT = "reconcile"
#: A heartbeat (or start) older than this breaks the watch: beat runs the sweep every 5 minutes, so this is
#: six sweeps missed in a row, more than a busy worker explains.
MAX_GAP = timedelta(minutes=30)
#: Why a message due while the plugin was off was not sent.
MISSED = "due while the plugin was off"
#: Clocks of different workers disagree by this much without the watch breaking.
CLOCK_SKEW = timedelta(minutes=1)


def broken(start: datetime | None, heartbeat: datetime | None, now: datetime) -> bool:
    """Tell whether a watch that started at ``start``, last heard at ``heartbeat``, no longer holds at ``now``."""
    if start is None:
        return True
    last_seen = max(start, heartbeat) if heartbeat is not None else start
    return now - last_seen > MAX_GAP or last_seen > now + CLOCK_SKEW


def watching_since(now: datetime) -> datetime:
    """Return the start of the current watch, starting a new one now if it broke (the caller sees the plugin active)."""
    marks = dict(SaleorWatermark.objects.filter(name__in=(WATCHING, HEARTBEAT)).values_list("name", "seen_until"))
    start = marks.get(WATCHING)
    if start is not None and not broken(start, marks.get(HEARTBEAT), now):
        return start
    logger.info("journey: watching from %s on; what happened before is history (no message)", now.isoformat())
    _start(now)
    return now


def plugin_switched(was_active: bool, active: bool, now: datetime) -> None:
    """Start the watch when the plugin is switched on, end it when it is switched off.

    A save that keeps the plugin on changes nothing.
    """
    if active and not was_active:
        _start(now)
        missed = outbox.cancel_overdue(now, MISSED)
        if missed:
            logger.info("journey: %d message(s) came due while the plugin was off; cancelled, not sent late", missed)
    elif not active:
        SaleorWatermark.objects.filter(name=WATCHING).delete()


def _start(now: datetime) -> None:
    SaleorWatermark.objects.update_or_create(name=WATCHING, defaults={"seen_until": now, "updated_at": now})
