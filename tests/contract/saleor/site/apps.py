"""App config of the double's `site` app; Saleor creates the site's settings row in a data migration."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_settings(sender: Any, **kwargs: Any) -> None:
    from django.contrib.sites.models import Site

    from .models import SiteSettings

    site, _ = Site.objects.get_or_create(pk=1, defaults={"domain": "localhost:8000", "name": "Saleor e-commerce"})
    SiteSettings.objects.get_or_create(site=site)


class Config(AppConfig):
    name = "saleor.site"
    label = "site"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        post_migrate.connect(_ensure_settings, sender=self, dispatch_uid="double-site-settings")
