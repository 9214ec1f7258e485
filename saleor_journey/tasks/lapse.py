"""Periodic task: move buyers who went quiet for ``lapse_days`` to the lapsed stage."""

import logging
from datetime import timedelta

from celery import shared_task

from .. import clock as journey_clock
from ..core.rules import LAPSE_CAUSE
from ..core.stages import Stage
from ..models import Journey

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@shared_task(name="saleor_journey.settle_lapsed_journeys", ignore_result=False)
def settle_lapsed_journeys(limit: int = 10_000) -> int:
    """Settle up to ``limit`` journeys whose last order is older than ``lapse_days``; return how many moved."""
    from ..plugins import runtime

    with runtime.writer_allowed():
        return _settle_lapsed(limit)


def _settle_lapsed(limit: int) -> int:
    from ..plugins import runtime
    from ..plugins.plugin import recorder_for

    settings = runtime.active_settings()
    if settings is None:
        logger.info("journey: plugin inactive; lapse check skipped")
        return 0
    recorder = recorder_for(settings)
    cutoff = journey_clock.now() - timedelta(days=settings.policy.lapse_days)
    due = (
        Journey.objects.filter(merged_into__isnull=True, last_order_at__lte=cutoff)
        .exclude(stage__in=[Stage.LAPSED, Stage.AWARENESS, Stage.CONSIDERATION])
        .order_by("last_order_at")
        .values_list("pk", flat=True)[:limit]
    )
    moved = 0
    for journey_id in due.iterator(chunk_size=BATCH_SIZE):
        if recorder.settle(journey_id, LAPSE_CAUSE).transitions:
            moved += 1
    logger.info("journey: %d customer(s) lapsed", moved)
    return moved
