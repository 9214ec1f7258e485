"""App config of the double's `product` app; the label matches Saleor's, so table names do too."""

from django.apps import AppConfig


class Config(AppConfig):
    name = "saleor.product"
    label = "product"
    default_auto_field = "django.db.models.AutoField"
