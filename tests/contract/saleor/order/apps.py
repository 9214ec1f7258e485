"""App config of the double's `order` app; the label matches Saleor's, so table names do too."""

from django.apps import AppConfig


class Config(AppConfig):
    name = "saleor.order"
    label = "order"
    default_auto_field = "django.db.models.AutoField"
