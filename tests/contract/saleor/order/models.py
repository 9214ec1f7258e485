"""Mirror of ``saleor/order/models.py`` (line 109): Order, OrderLine and Fulfillment columns the plugin reads.

``id`` is a UUID, ``user`` is SET_NULL (so orders can lose their user),
``checkout_token`` is the source checkout's token as a string (the checkout
itself is deleted at completion), and OrderLine.variant is SET_NULL.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from . import OrderChargeStatus, OrderOrigin, OrderStatus


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    expired_at = models.DateTimeField(blank=True, null=True)
    status = models.CharField(max_length=32, default=OrderStatus.UNFULFILLED)
    charge_status = models.CharField(max_length=32, default=OrderChargeStatus.NONE)
    origin = models.CharField(max_length=32, default=OrderOrigin.CHECKOUT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, blank=True, null=True, related_name="orders", on_delete=models.SET_NULL
    )
    user_email = models.EmailField(blank=True, default="")
    language_code = models.CharField(max_length=35, default="en")
    channel = models.ForeignKey("channel.Channel", related_name="orders", on_delete=models.PROTECT)
    currency = models.CharField(max_length=3)
    total_gross_amount = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    checkout_token = models.CharField(max_length=36, blank=True)
    lines_count = models.PositiveIntegerField(default=0)


class OrderLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey(
        "product.ProductVariant", related_name="order_lines", on_delete=models.SET_NULL, blank=True, null=True
    )
    product_name = models.CharField(max_length=386)
    variant_name = models.CharField(max_length=255, default="", blank=True)
    product_sku = models.CharField(max_length=255, null=True, blank=True)
    quantity = models.IntegerField()
    unit_price_gross_amount = models.DecimalField(max_digits=20, decimal_places=3)


class Fulfillment(models.Model):
    fulfillment_order = models.PositiveIntegerField(editable=False)
    order = models.ForeignKey(Order, related_name="fulfillments", on_delete=models.CASCADE)
    status = models.CharField(max_length=32, default="fulfilled")
    tracking_number = models.CharField(max_length=255, default="", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
