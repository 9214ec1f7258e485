"""Mirror of ``saleor/checkout/tasks.py`` (line 41): the nightly ``delete_expired_checkouts``.

Beat runs it at midnight UTC inside ``allow_writer()``. It deletes, in batches
of ``batch_size`` through ``delete_checkouts`` (one locking transaction per
batch), checkouts whose ``last_change`` is older than:
anonymous (no email, no user) ``ANONYMOUS_CHECKOUTS_TIMEDELTA`` (30 days);
with an email or a user ``USER_CHECKOUTS_TIMEDELTA`` (90 days);
without lines ``EMPTY_CHECKOUTS_TIMEDELTA`` (6 hours). Checkouts holding
payment transactions are kept (not modelled: the double has no TransactionItem).
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ..core.db.connection import allow_writer
from .models import Checkout, CheckoutLine
from .utils import delete_checkouts


@allow_writer()
def delete_expired_checkouts(batch_size: int = 2000, batch_count: int = 5) -> tuple[int, bool]:
    now = timezone.now()
    expired_anonymous = (
        Q(last_change__lt=now - settings.ANONYMOUS_CHECKOUTS_TIMEDELTA) & Q(email__isnull=True) & Q(user__isnull=True)
    )
    expired_user = Q(last_change__lt=now - settings.USER_CHECKOUTS_TIMEDELTA) & (
        Q(email__isnull=False) | Q(user__isnull=False)
    )
    empty = Q(last_change__lt=now - settings.EMPTY_CHECKOUTS_TIMEDELTA) & ~Q(
        Exists(CheckoutLine.objects.filter(checkout_id=OuterRef("pk")))
    )
    qs = Checkout.objects.filter(empty | expired_anonymous | expired_user).only("pk").order_by()[:batch_size]
    total, has_more = 0, True
    for _ in range(batch_count):
        deleted = delete_checkouts(list(qs.values_list("pk", flat=True)))
        total += deleted
        if deleted < batch_size:
            has_more = False
            break
    return total, has_more
