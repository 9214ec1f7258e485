"""Celery tasks; Saleor's worker and beat find them by autodiscovering ``saleor_journey.tasks``.

Importing this package also registers the plugin's periodic tasks on the
current Celery app, so Saleor's ``celery beat`` (its DatabaseScheduler, which
upserts the app's schedule at start-up) runs them with no settings change.

Each entry's messages expire before the next one is due, so a stopped worker
does not find a pile of sweeps waiting: Celery's own schedulers read the
``expires`` option, while the DatabaseScheduler keeps only ``expire_seconds``
when it stores an entry (django-celery-beat's ``_unpack_options``), so both
are given. ``journey_beat_schedule --remove`` deletes the stored rows when
the plugin is uninstalled.
"""

from typing import Any

from celery import current_app
from celery.schedules import crontab

from .dispatch import SWEEP_SECONDS, dispatch_due_messages, send_messages
from .figures import REFRESH_SECONDS, refresh_journey_figures
from .lapse import settle_lapsed_journeys
from .reconcile import RECONCILE_SECONDS, reconcile_saleor_changes

LAPSE_CHECK_ENTRY = "saleor-journey-lapse-check"
DISPATCH_ENTRY = "saleor-journey-dispatch"
FIGURES_ENTRY = "saleor-journey-figures"
RECONCILE_ENTRY = "saleor-journey-reconcile"

#: Every entry the plugin adds to beat's schedule, and after how many seconds its messages expire.
ENTRY_EXPIRY: dict[str, int] = {
    DISPATCH_ENTRY: max(int(SWEEP_SECONDS) - 1, 1),
    LAPSE_CHECK_ENTRY: 3000,
    FIGURES_ENTRY: REFRESH_SECONDS - 60,
    RECONCILE_ENTRY: RECONCILE_SECONDS - 10,
}


def _every(schedule: Any, signature: Any, name: str) -> None:
    """Add a beat entry whose messages expire (``expire_seconds`` too: Saleor's DatabaseScheduler stores that one)."""
    seconds = ENTRY_EXPIRY[name]
    current_app.add_periodic_task(schedule, signature, name=name, expires=seconds, expire_seconds=seconds)


_every(SWEEP_SECONDS, dispatch_due_messages.s(), DISPATCH_ENTRY)
_every(crontab(minute=17), settle_lapsed_journeys.s(), LAPSE_CHECK_ENTRY)  # hourly, off the busy top of the hour
_every(REFRESH_SECONDS, refresh_journey_figures.s(), FIGURES_ENTRY)
_every(RECONCILE_SECONDS, reconcile_saleor_changes.s(), RECONCILE_ENTRY)

__all__ = [
    "DISPATCH_ENTRY",
    "ENTRY_EXPIRY",
    "FIGURES_ENTRY",
    "LAPSE_CHECK_ENTRY",
    "RECONCILE_ENTRY",
    "dispatch_due_messages",
    "reconcile_saleor_changes",
    "refresh_journey_figures",
    "send_messages",
    "settle_lapsed_journeys",
]
