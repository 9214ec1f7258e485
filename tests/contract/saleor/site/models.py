"""Mirror of ``saleor/site/models.py`` (line 38): the SiteSettings fields the plugin reads.

One row per django.contrib.sites Site (``Site.objects.get_current().settings``):
the shop's default sender (``default_mail_sender_name`` / ``_address``) and
``password_login_mode``.
"""

from django.contrib.sites.models import Site
from django.db import models

from ..core.models import ModelWithMetadata
from . import PasswordLoginMode


class SiteSettings(ModelWithMetadata):
    site = models.OneToOneField(Site, related_name="settings", on_delete=models.CASCADE)
    default_mail_sender_name = models.CharField(max_length=78, blank=True, default="")
    default_mail_sender_address = models.EmailField(blank=True, null=True)
    password_login_mode = models.CharField(
        max_length=32, choices=PasswordLoginMode.CHOICES, default=PasswordLoginMode.ENABLED
    )

    class Meta:
        app_label = "site"
