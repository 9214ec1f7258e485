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


class ProductMedia(models.Model):
    """Mirror of ProductMedia (product/models.py:577): ``image`` (an ImageField in Saleor; a FileField here,
    the same ``.url`` API without Pillow), ``alt`` and ``to_remove``, ordered by ``sort_order``."""

    product = models.ForeignKey(Product, related_name="media", on_delete=models.CASCADE, null=True, blank=True)
    image = models.FileField(upload_to="products", blank=True, null=True)
    alt = models.CharField(max_length=250, blank=True)
    to_remove = models.BooleanField(default=False)  # being deleted by Saleor's background task
    sort_order = models.IntegerField(editable=False, db_index=True, null=True)
