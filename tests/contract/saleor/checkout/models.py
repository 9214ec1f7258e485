"""Mirror of ``saleor/checkout/models.py`` (line 110): Checkout and CheckoutLine columns the plugin reads.

The primary key is ``token`` (a UUID); ``user`` cascades on delete; ``email``
is nullable (``get_customer_email`` falls back to the user's); ``last_change``
is bumped on every save Saleor makes (``auto_now``; the price recalculation saves
without it, so reading prices never extends a checkout's life). Totals are lazy:
see checkout/calculations.py.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from prices import Money, TaxedMoney

from ..core.models import ModelWithMetadata


class Checkout(models.Model):
    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_change = models.DateTimeField(auto_now=True, db_index=True)
    completing_started_at = models.DateTimeField(blank=True, null=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, blank=True, null=True, related_name="checkouts", on_delete=models.CASCADE
    )
    email = models.EmailField(blank=True, null=True)
    billing_address = models.ForeignKey("account.Address", related_name="+", null=True, on_delete=models.SET_NULL)
    shipping_address = models.ForeignKey("account.Address", related_name="+", null=True, on_delete=models.SET_NULL)
    channel = models.ForeignKey("channel.Channel", related_name="checkouts", on_delete=models.PROTECT)
    currency = models.CharField(max_length=3)
    # Prices are computed lazily (checkout/calculations.py): they stay 0 (or stale) until something reads
    # them after price_expiration; checkoutCreate and line changes expire them and call the hooks first.
    total_net_amount = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    total_gross_amount = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    price_expiration = models.DateTimeField(default=timezone.now)
    language_code = models.CharField(max_length=35, default="en")

    @property
    def total(self) -> TaxedMoney:
        return TaxedMoney(Money(self.total_net_amount, self.currency), Money(self.total_gross_amount, self.currency))

    def is_checkout_locked(self) -> bool:
        """Line 379: a completion started less than CHECKOUT_COMPLETION_LOCK_TIME seconds ago holds the lock."""
        return bool(
            self.completing_started_at
            and (timezone.now() - self.completing_started_at).seconds < settings.CHECKOUT_COMPLETION_LOCK_TIME
        )

    def get_customer_email(self) -> str | None:
        if self.email:
            return self.email
        if self.user:
            return self.user.email
        return None


class CheckoutLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    checkout = models.ForeignKey(Checkout, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey("product.ProductVariant", related_name="+", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    total_price_net_amount = models.DecimalField(max_digits=20, decimal_places=3, null=True, blank=True)
    total_price_gross_amount = models.DecimalField(max_digits=20, decimal_places=3, null=True, blank=True)

    @property
    def total_price(self) -> TaxedMoney:
        return TaxedMoney(
            Money(self.total_price_net_amount or 0, self.currency), Money(self.total_price_gross_amount or 0, self.currency)
        )


class CheckoutMetadata(ModelWithMetadata):
    """Mirror of CheckoutMetadata (checkout/models.py:536): a checkout's metadata lives in its own row."""

    checkout = models.OneToOneField(Checkout, related_name="metadata_storage", on_delete=models.CASCADE)
