"""App config of the double's `channel` app; the label matches Saleor's, so table names do too."""

from django.apps import AppConfig


class Config(AppConfig):
    name = "saleor.channel"
    label = "channel"
    default_auto_field = "django.db.models.AutoField"
