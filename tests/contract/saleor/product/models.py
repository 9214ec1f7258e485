"""Mirror of ``saleor/product/models.py``: Product and ProductVariant, only what lines point at."""

from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)


class ProductVariant(models.Model):
    product = models.ForeignKey(Product, related_name="variants", on_delete=models.CASCADE)
    name = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=255, unique=True, null=True, blank=True)
    track_inventory = models.BooleanField(default=True)
