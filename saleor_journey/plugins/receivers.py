"""Django signal receivers for what Saleor has no hook for.

A ``post_delete`` on the user erases the journey even when the deletion
bypassed the plugin hooks. The sender is a lazy ``"app_label.Model"``
reference, so this module does not import Saleor and connects only where
Saleor's apps are installed.

There is deliberately no receiver on checkouts: Saleor deletes them inside
checkoutComplete's transaction and in the nightly ``delete_expired_checkouts``
batches, and any ``post_delete`` receiver on ``Checkout`` turns Django's fast
delete off for those batches (a SELECT and a signal per row). A checkout that
is gone is noticed by the cart reminder's send-time re-check instead.
"""

import logging
from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete

from ..services.erasure import erase_person

logger = logging.getLogger(__name__)

USER_MODEL = "account.User"


def user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    try:
        erase_person(instance.pk, getattr(instance, "email", None))
    except Exception:
        logger.exception("journey: erasing a deleted user's journey failed")


def connect() -> None:
    labels = {config.label for config in apps.get_app_configs()}
    if "account" in labels:
        post_delete.connect(user_deleted, sender=USER_MODEL, dispatch_uid="journey-user-deleted")
