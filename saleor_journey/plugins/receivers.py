"""Django signal receivers for what Saleor has no hook for.

Saleor's nightly ``delete_expired_checkouts`` deletes checkouts without any
plugin hook, so a ``post_delete`` receiver records it; a ``post_delete`` on the
user erases the journey even when the deletion bypassed the plugin hooks.
Both senders are lazy ``"app_label.Model"`` references, so this module does
not import Saleor and connects only where Saleor's apps are installed.
"""

import logging
from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete
from .. import clock as journey_clock

from ..services.erasure import erase_person

logger = logging.getLogger(__name__)

CHECKOUT_MODEL = "checkout.Checkout"
USER_MODEL = "account.User"


def checkout_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    try:
        from . import events, runtime
        from .plugin import recorder_for

        settings = runtime.active_settings()
        if settings is None:
            return
        event = events.checkout_deleted(instance, journey_clock.now())
        if event is not None:
            recorder_for(settings).record(event)
    except Exception:
        logger.exception("journey: recording a deleted checkout failed; the deletion goes on")


def user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    try:
        erase_person(instance.pk, getattr(instance, "email", None))
    except Exception:
        logger.exception("journey: erasing a deleted user's journey failed")


def connect() -> None:
    labels = {config.label for config in apps.get_app_configs()}
    if "checkout" in labels:
        post_delete.connect(checkout_deleted, sender=CHECKOUT_MODEL, dispatch_uid="journey-checkout-deleted")
    if "account" in labels:
        post_delete.connect(user_deleted, sender=USER_MODEL, dispatch_uid="journey-user-deleted")
