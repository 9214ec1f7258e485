"""Mirror of ``saleor/app/models.py``: an App with permissions and its 30-character tokens.

Saleor stores each token hashed (``check_password``) with its last four
characters for lookup (``AppToken.token_last_4``); ``App.has_perm`` (line 75)
is False for an inactive app. ``removed_at`` marks an app being deleted.
The double keeps permission values (``"order.manage_orders"``) in a list.
"""

import secrets
from enum import Enum
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.postgres.fields import ArrayField
from django.db import models


class App(models.Model):
    name = models.CharField(max_length=60)
    is_active = models.BooleanField(default=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    granted_permissions = ArrayField(models.CharField(max_length=100), default=list, blank=True)

    class Meta:
        app_label = "app"

    def has_perm(self, perm: Any) -> bool:
        if not self.is_active:
            return False
        value = perm.value if isinstance(perm, Enum) else perm
        return value in self.granted_permissions

    def create_token(self) -> str:
        """Make a new 30-character token for this app (Saleor shows it once, at creation)."""
        raw = secrets.token_urlsafe(30)[:30]
        AppToken.objects.create(app=self, auth_token=make_password(raw), token_last_4=raw[-4:])
        return raw


class AppToken(models.Model):
    app = models.ForeignKey(App, related_name="tokens", on_delete=models.CASCADE)
    auth_token = models.CharField(max_length=128)
    token_last_4 = models.CharField(max_length=4)

    class Meta:
        app_label = "app"


def app_by_token(raw_token: str) -> App | None:
    """Resolve the app as ``AppByTokenLoader`` (graphql/app/dataloaders/app.py) does: an active, not removed app."""
    for token in AppToken.objects.filter(token_last_4=raw_token[-4:]).select_related("app"):
        if check_password(raw_token, token.auth_token):
            app = token.app
            return app if app.is_active and app.removed_at is None else None
    return None
