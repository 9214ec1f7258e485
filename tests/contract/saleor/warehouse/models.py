"""Mirror of ``saleor/warehouse/models.py`` (line 527): Stock per warehouse and variant (quantity, allocated)."""

from django.db import models


class Warehouse(models.Model):
    name = models.CharField(max_length=250)


class Stock(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE)
    product_variant = models.ForeignKey("product.ProductVariant", related_name="stocks", on_delete=models.CASCADE)
    quantity = models.IntegerField(default=0)
    quantity_allocated = models.IntegerField(default=0)

    class Meta:
        unique_together = [["warehouse", "product_variant"]]
