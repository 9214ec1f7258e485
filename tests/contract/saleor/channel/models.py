"""Mirror of ``saleor/channel/models.py``: the Channel fields the plugin reads (note ``currency_code``)."""

from django.db import models


class Channel(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    is_active = models.BooleanField(default=False)
    currency_code = models.CharField(max_length=3)
    default_country = models.CharField(max_length=2, default="US")
