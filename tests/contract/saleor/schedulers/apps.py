"""App config of the double's `schedulers` app (Saleor's beat scheduler models)."""

from django.apps import AppConfig


class Config(AppConfig):
    name = "saleor.schedulers"
    label = "schedulers"
    default_auto_field = "django.db.models.AutoField"
