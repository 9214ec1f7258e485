"""App config of the double's `app` app (Saleor's apps: integrations with their own tokens)."""

from django.apps import AppConfig


class Config(AppConfig):
    name = "saleor.app"
    label = "app"
    default_auto_field = "django.db.models.AutoField"
