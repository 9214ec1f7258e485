"""Mirror of ``saleor/order/tasks.py`` (3.23.28): ``expire_orders_task`` (line 175) -> ``_expire_orders`` (line 144).

Unconfirmed orders without payments or transactions, older than their
channel's ``expire_orders_after`` minutes, become ``expired`` with
``expired_at = now`` in one transaction, and ``order_expired`` is called for
each through ``call_event``, so it runs at that transaction's commit. The task
has no ``allow_writer()`` of its own. (The double has no payments or transactions to exclude.)
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..channel.models import Channel
from ..core.utils.events import call_event
from ..plugins.manager import get_plugins_manager
from . import OrderStatus
from .models import Order


def expire_orders_task() -> None:
    now = timezone.now()
    manager = get_plugins_manager(allow_replica=True)
    ids = [
        order.pk
        for channel in Channel.objects.filter(expire_orders_after__gt=0)
        for order in Order.objects.filter(
            channel=channel, status=OrderStatus.UNCONFIRMED,
            created_at__lte=now - timedelta(minutes=channel.expire_orders_after),
        )
    ]
    with transaction.atomic():
        Order.objects.filter(id__in=ids).update(status=OrderStatus.EXPIRED, expired_at=now)
        for order in Order.objects.filter(id__in=ids).select_related("channel", "user"):
            call_event(manager.order_expired, order)
