"""App config of the double's `warehouse` app; the label matches Saleor's, so table names do too."""

from django.apps import AppConfig


class Config(AppConfig):
    name = "saleor.warehouse"
    label = "warehouse"
    default_auto_field = "django.db.models.AutoField"
