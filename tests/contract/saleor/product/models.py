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
    """Mirror of ProductMedia (product/models.py:577): ``image``, ``alt``, ``type``, ordered by ``sort_order``.

    ``image`` is an ImageField in Saleor; a FileField here, the same ``.url`` API without Pillow. ``type`` is IMAGE,
    or VIDEO with an ``external_url`` and no image. ``to_remove`` is marked DEPRECATED in 3.23 (line 597).
    """

    product = models.ForeignKey(Product, related_name="media", on_delete=models.CASCADE, null=True, blank=True)
    image = models.FileField(upload_to="products", blank=True, null=True)
    alt = models.CharField(max_length=250, blank=True)
    type = models.CharField(max_length=32, default="IMAGE")  # ProductMediaTypes.IMAGE / VIDEO
    external_url = models.CharField(max_length=256, blank=True, null=True)
    to_remove = models.BooleanField(default=False)  # being deleted by Saleor's background task
    sort_order = models.IntegerField(editable=False, db_index=True, null=True)


class ProductVariantChannelListing(models.Model):
    """Mirror of ProductVariantChannelListing (product/models.py): a variant's price in a channel.

    A variant without a listing in the checkout's channel is unavailable there:
    ``fetch_checkout_lines`` leaves its lines out.
    """

    variant = models.ForeignKey(ProductVariant, related_name="channel_listings", on_delete=models.CASCADE)
    channel = models.ForeignKey("channel.Channel", related_name="variant_listings", on_delete=models.CASCADE)
    currency = models.CharField(max_length=3)
    price_amount = models.DecimalField(max_digits=20, decimal_places=3, null=True, blank=True)


class ProductChannelListing(models.Model):
    """Mirror of ProductChannelListing (product/models.py:309, a PublishableModel, core/models.py:63).

    It says whether a product is published in a channel (``is_published`` and ``published_at`` not in the future)
    and from when it can be bought (``available_for_purchase_at``; null: not available).
    """

    product = models.ForeignKey(Product, related_name="channel_listings", on_delete=models.CASCADE)
    channel = models.ForeignKey("channel.Channel", related_name="product_listings", on_delete=models.CASCADE)
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(blank=True, null=True)
    visible_in_listings = models.BooleanField(default=False)
    available_for_purchase_at = models.DateTimeField(blank=True, null=True)
    currency = models.CharField(max_length=3, default="EUR")
