"""Celery tasks; Saleor's worker and beat find them by autodiscovering ``saleor_journey.tasks``.

Importing this package also registers the plugin's periodic tasks on the
current Celery app, so Saleor's ``celery beat`` (its DatabaseScheduler, which
upserts the app's schedule at start-up) runs them with no settings change.
"""

from celery import current_app
from celery.schedules import crontab

from .dispatch import SWEEP_SECONDS, dispatch_due_messages, send_messages
from .figures import REFRESH_SECONDS, refresh_journey_figures
from .lapse import settle_lapsed_journeys

LAPSE_CHECK_ENTRY = "saleor-journey-lapse-check"
DISPATCH_ENTRY = "saleor-journey-dispatch"
FIGURES_ENTRY = "saleor-journey-figures"

current_app.add_periodic_task(
    SWEEP_SECONDS, dispatch_due_messages.s(), name=DISPATCH_ENTRY, expires=max(SWEEP_SECONDS - 1, 1)
)

current_app.add_periodic_task(
    crontab(minute=17),  # hourly, off the hour when other shops' jobs pile up
    settle_lapsed_journeys.s(),
    name=LAPSE_CHECK_ENTRY,
    expires=3000,
)

current_app.add_periodic_task(
    REFRESH_SECONDS, refresh_journey_figures.s(), name=FIGURES_ENTRY, expires=REFRESH_SECONDS - 60
)

__all__ = [
    "DISPATCH_ENTRY",
    "FIGURES_ENTRY",
    "LAPSE_CHECK_ENTRY",
    "dispatch_due_messages",
    "refresh_journey_figures",
    "send_messages",
    "settle_lapsed_journeys",
]
