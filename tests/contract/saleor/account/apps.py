"""App config of the double's `account` app; the label matches Saleor's, so table names do too."""

from django.apps import AppConfig


class Config(AppConfig):
    name = "saleor.account"
    label = "account"
    default_auto_field = "django.db.models.AutoField"
