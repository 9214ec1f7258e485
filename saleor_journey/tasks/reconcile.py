"""Periodic task: record what Saleor's tables show and a lost hook missed (plugins/reconcile.py)."""

import logging

from celery import shared_task

from .. import clock as journey_clock

logger = logging.getLogger(__name__)

#: How often beat runs the reconciliation sweep.
RECONCILE_SECONDS = 300


@shared_task(name="saleor_journey.reconcile_saleor_changes", ignore_result=False)
def reconcile_saleor_changes() -> int:
    """Read Saleor's users, checkouts and orders changed since the last sweep; record what is missing."""
    from ..plugins import reconcile, runtime
    from ..plugins.plugin import recorder_for

    with runtime.writer_allowed():
        settings = runtime.active_settings()
        if settings is None:
            logger.info("journey: plugin inactive; reconciliation skipped")
            return 0
        return reconcile.sweep(recorder_for(settings), journey_clock.now())
