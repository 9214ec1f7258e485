"""Periodic task: refresh the API's precomputed funnel and metrics figures (services/figures.py)."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

#: How often beat refreshes the figures; the API computes live when they are older than an hour.
REFRESH_SECONDS = 600


@shared_task(name="saleor_journey.refresh_journey_figures", ignore_result=False)
def refresh_journey_figures() -> int:
    """Recompute yesterday's and today's figures and the stage snapshot; return the rows written."""
    from ..plugins import runtime
    from ..services import figures

    with runtime.writer_allowed():
        if runtime.active_settings() is None:
            logger.info("journey: plugin inactive; figures not refreshed")
            return 0
        return figures.refresh()
