"""The flood guard: a flow that suddenly starts far more messages than usual stops until staff confirm.

A bug, an import or a changed threshold can make a flow schedule thousands of
messages in an hour. Before each sweep hands messages out, the guard counts
what each flow scheduled in the last hour; above the shop's ceiling *and* far
above the flow's usual rate (its daily ``started`` figures of the last week),
the flow is paused: its messages wait, the report and the API say why, the
alert address is told, and only staff resume it (nothing of it is lost).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from ..core.flows import FLOWS
from ..models import FlowPause, JourneyFigure
from ..models.tables import MESSAGES

logger = logging.getLogger(__name__)

#: "Far above usual": this many times the flow's usual hourly rate.
USUAL_MULTIPLE = 10
#: The usual rate is the flow's starts over this many past days, per hour.
USUAL_DAYS = 7
#: Messages the guard itself sends (the alert) are never paused.
ALERT_FLOW = "flood_alert"



@dataclass(frozen=True, slots=True)
class Surge:
    flow: str
    started_last_hour: int
    usual_per_hour: Decimal


def paused_flows() -> set[str]:
    """Flows paused and not resumed."""
    return set(current_pauses())


def current_pauses() -> dict[str, str]:
    """Each paused flow and why."""
    return dict(FlowPause.objects.filter(resumed_at__isnull=True).order_by("paused_at").values_list("flow", "reason"))


def check(now: datetime, ceiling: int) -> list[Surge]:
    """Pause every flow that started more than ``ceiling`` sequences in the last hour, ten times its usual rate.

    Return the newly paused ones (``ceiling`` 0: guard off).

    Messages scheduled before a flow was last resumed do not count again:
    staff looked at them.
    """
    if ceiling <= 0:
        return []
    hour_ago = now - timedelta(hours=1)
    resumed = dict(FlowPause.objects.filter(resumed_at__isnull=False, resumed_at__gt=hour_ago)
                   .values_list("flow", "resumed_at"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT flow, subject_key, created_at FROM {MESSAGES} WHERE created_at > %s AND flow = ANY(%s)",
                       [hour_ago, list(FLOWS)])
        started: dict[str, set[str]] = {}
        for flow, subject, created_at in cursor.fetchall():
            if flow in resumed and created_at <= resumed[flow]:
                continue
            started.setdefault(flow, set()).add(subject)  # sequences started, as the `started` figures count them
        counts = {flow: len(subjects) for flow, subjects in started.items()}
    already = paused_flows()
    surges = []
    for flow, count in counts.items():
        if count <= ceiling or flow in already:
            continue
        usual = _usual_per_hour(flow, now)
        if count <= usual * USUAL_MULTIPLE:
            continue
        surges.append(Surge(flow, count, usual))
    for surge in surges:
        with transaction.atomic():
            FlowPause.objects.create(
                flow=surge.flow, paused_at=now, started_last_hour=surge.started_last_hour,
                usual_per_hour=surge.usual_per_hour,
                reason=(f"{surge.started_last_hour} messages scheduled in an hour, over the ceiling of {ceiling} and "
                        f"{USUAL_MULTIPLE}x the usual {surge.usual_per_hour:.1f} an hour"),
            )
        logger.warning("journey: flow %s paused by the flood guard (%d messages in an hour, usually %.1f)",
                       surge.flow, surge.started_last_hour, surge.usual_per_hour)
    return surges


def _usual_per_hour(flow: str, now: datetime) -> Decimal:
    since = (now - timedelta(days=USUAL_DAYS)).date()
    total = sum(JourneyFigure.objects.filter(name=f"started:{flow}", day__gte=since, day__lt=now.date())
                .values_list("value", flat=True), Decimal(0))
    return (total / (USUAL_DAYS * 24)).quantize(Decimal("0.01"))


def resume(flow: str, by: str, now: datetime) -> int:
    """Staff confirm: the flow's waiting messages go out again. Returns how many pauses were lifted."""
    return FlowPause.objects.filter(flow=flow, resumed_at__isnull=True).update(resumed_at=now, resumed_by=by[:64])
