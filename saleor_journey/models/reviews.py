"""Product reviews: Saleor has none, so the plugin keeps them (verified purchases by construction)."""

from django.db import models

from .journey import Journey


class ReviewStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ProductReview(models.Model):
    """One customer's review of one product of one order; only reachable through that order's signed link."""

    product_id = models.BigIntegerField(db_index=True)
    variant_id = models.BigIntegerField(null=True, blank=True)
    order_id = models.CharField(max_length=36)
    journey = models.ForeignKey(Journey, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120, blank=True)
    text = models.TextField(max_length=5000, blank=True)
    language = models.CharField(max_length=16, default="en")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order_id", "product_id"], name="journey_review_once_per_order_product"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="journey_review_rating_1_5"),
        ]
        indexes = [models.Index(fields=["product_id", "status", "created_at"], name="journey_review_product_idx")]

    def __str__(self) -> str:
        return f"{self.rating}★ product {self.product_id}"
