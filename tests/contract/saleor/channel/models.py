"""Mirror of ``saleor/channel/models.py``: the Channel fields the plugin and the double's flows read (note ``currency_code``)."""

from django.db import models


class Channel(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    is_active = models.BooleanField(default=False)
    currency_code = models.CharField(max_length=3)
    default_country = models.CharField(max_length=2, default="US")
    # Order creation confirms at once (order_confirmed hook) unless a shop turns this off (order/actions.py:287).
    automatically_confirm_all_new_orders = models.BooleanField(default=True, null=True)
    # Minutes after which an unconfirmed, unpaid order expires (order/tasks.py:144 _expire_orders); null: never.
    expire_orders_after = models.IntegerField(default=None, null=True, blank=True)
