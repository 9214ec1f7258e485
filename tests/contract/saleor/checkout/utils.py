"""Mirror of ``saleor/checkout/utils.py`` (3.23.28): how Saleor deletes checkouts.

``delete_checkouts`` (line 148) deletes the lines, then the checkouts, inside
one transaction that first locks the rows (``select_for_update``), with
``QuerySet.delete()``. No plugin hook fires. Django deletes such a queryset
with a single ``DELETE ... WHERE pk IN (...)`` per table ("fast delete") only
while no ``pre_delete``/``post_delete`` receiver is connected for the model or
the models it cascades to; a receiver makes Django load every row and send a
signal per row.
"""

from django.db import transaction

from .models import Checkout, CheckoutLine


def delete_checkouts(checkout_pks_to_delete: list) -> int:
    with transaction.atomic():
        CheckoutLine.objects.filter(
            id__in=CheckoutLine.objects.select_for_update(of=("self",))
            .filter(checkout_id__in=checkout_pks_to_delete)
            .order_by("pk")
            .values_list("id", flat=True)
        ).delete()
        locked_pks = list(
            Checkout.objects.select_for_update(of=("self",))
            .filter(pk__in=checkout_pks_to_delete)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        deleted_count, _ = Checkout.objects.filter(pk__in=locked_pks).delete()
    return deleted_count
