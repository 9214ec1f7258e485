"""App config of the double's `checkout` app; the label matches Saleor's, so table names do too."""

from django.apps import AppConfig


class Config(AppConfig):
    name = "saleor.checkout"
    label = "checkout"
    default_auto_field = "django.db.models.AutoField"
