"""The beat sweep that claims due messages, and the task that sends one claim's messages.

No delay ever lives in the broker: due times are rows in PostgreSQL, the sweep
runs every ~30 s, and the tasks it publishes carry no ETA. A task lost with the
broker (Redis flushed or restarted) leaves its rows claimed until their lease
runs out; the next sweep puts them back.
"""

import logging
import uuid
from functools import lru_cache
from typing import TYPE_CHECKING

from celery import shared_task
from django.conf import settings
from kombu.exceptions import OperationalError

from ..delivery.dispatcher import Claim, Dispatcher

if TYPE_CHECKING:
    from ..config import DeliverySettings
    from ..delivery.channels.base import Channel

logger = logging.getLogger(__name__)

#: How often beat runs the sweep; a deployment (or a test) may set JOURNEY_SWEEP_SECONDS in its settings.
SWEEP_SECONDS = float(getattr(settings, "JOURNEY_SWEEP_SECONDS", 30.0))
#: Messages per claim, i.e. per send task: one read and one preflight query serve them all.
CLAIM_SIZE = 100
#: At most this many messages handed out per sweep, so one sweep never floods the queue.
MAX_PER_SWEEP = 5000


def worker_dispatcher() -> "Dispatcher | None":
    """Return the dispatcher a worker sends with: the active settings, and channels kept for the process's life.

    One HTTP connection (keep-alive) to the provider then serves claim after claim.
    """
    from ..plugins import runtime

    settings = runtime.active_settings()
    if settings is None:
        return None
    return Dispatcher(settings, _channels(settings.delivery))


@lru_cache(maxsize=4)
def _channels(delivery: "DeliverySettings") -> "dict[str, Channel]":
    from ..delivery.channels import build_channels

    return build_channels(delivery)


@shared_task(name="saleor_journey.dispatch_due_messages", ignore_result=True)
def dispatch_due_messages() -> dict[str, int]:
    """Reclaim expired leases, then claim due messages in small batches and publish a send task for each."""
    from ..plugins import runtime

    with runtime.writer_allowed():
        dispatcher = worker_dispatcher()
        if dispatcher is None:
            return {"claimed": 0}
        requeued, unknown = dispatcher.reclaim_expired()
        paused = _flood_guard(dispatcher)
        claimed = 0
        while claimed < MAX_PER_SWEEP:
            claim = dispatcher.claim(CLAIM_SIZE, paused)
            if not claim.ids:
                break
            claimed += len(claim.ids)
            try:
                send_messages.delay(claim.ids, str(claim.token))
            except OperationalError:
                logger.warning("journey: broker unavailable; %d claimed message(s) wait for their lease", len(claim.ids))
                break
    return {"claimed": claimed, "requeued": requeued, "unknown": unknown}


def _flood_guard(dispatcher: "Dispatcher") -> set[str]:
    """Pause flows that flood, tell the alert address, and return every paused flow."""
    from ..services import flood
    from ..services.outbox import MessageSpec, schedule

    settings = dispatcher.settings
    now = dispatcher.clock()
    for surge in flood.check(now, settings.delivery.flood_ceiling):
        alert_to = settings.delivery.review_alert_email
        if alert_to:
            schedule(MessageSpec(
                flow=flood.ALERT_FLOW, step="alert", subject_key=f"pause:{surge.flow}:{now.isoformat()}",
                channel="email", recipient=alert_to, due_at=now, marketing=False, channel_slug=None,
                language=settings.for_channel(None).language or "en",
                context={"flow": surge.flow, "started": surge.started_last_hour,
                         "usual": str(surge.usual_per_hour), "ceiling": settings.delivery.flood_ceiling},
            ))
    return flood.paused_flows()


@shared_task(name="saleor_journey.send_messages", ignore_result=True, acks_late=False)
def send_messages(message_ids: list[int], claim_token: str) -> dict[str, int]:
    """Send the messages of one claim; rows this claim no longer owns are skipped."""
    from ..plugins import runtime

    with runtime.writer_allowed():
        dispatcher = worker_dispatcher()
        if dispatcher is None:
            return {}
        counts = dispatcher.deliver(Claim(uuid.UUID(claim_token), [int(i) for i in message_ids]))
    return {name: getattr(counts, name) for name in counts.__slots__}
