"""Celery tasks; Saleor's worker and beat find them by autodiscovering ``saleor_journey.tasks``.

Importing this package also registers the plugin's periodic tasks on the
current Celery app, so Saleor's ``celery beat`` (its DatabaseScheduler, which
upserts the app's schedule at start-up) runs them with no settings change.
"""

from celery import current_app
from celery.schedules import crontab

from .lapse import settle_lapsed_journeys

LAPSE_CHECK_ENTRY = "saleor-journey-lapse-check"

current_app.add_periodic_task(
    crontab(minute=17),  # hourly, off the hour when other shops' jobs pile up
    settle_lapsed_journeys.s(),
    name=LAPSE_CHECK_ENTRY,
    expires=3000,
)

__all__ = ["LAPSE_CHECK_ENTRY", "settle_lapsed_journeys"]
