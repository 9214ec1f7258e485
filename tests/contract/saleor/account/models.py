"""Mirror of ``saleor/account/models.py`` (line 169): the User columns the plugin reads or writes.

``private_metadata`` is a jsonb column updated with ``||`` by Saleor's
``update_private_metadata`` (graphql/meta/mutations/utils.py:99), which also
bumps ``updated_at``. ``number_of_orders`` exists from 3.22 on.

Permissions: Saleor's ``has_perm`` (line 350) lets active superusers through
and otherwise checks the permissions of the user's groups; the double keeps
those as a list of values (``"account.manage_users"``) in ``granted_permissions``.
"""

import secrets
from enum import Enum
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from ..core.models import ModelWithMetadata


def new_token_key() -> str:
    return secrets.token_urlsafe(9)[:12]


class User(ModelWithMetadata, AbstractBaseUser):
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=256, blank=True)
    last_name = models.CharField(max_length=256, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_confirmed = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    language_code = models.CharField(max_length=35, default="en")
    number_of_orders = models.PositiveIntegerField(default=0)
    is_superuser = models.BooleanField(default=False)
    jwt_token_key = models.CharField(max_length=12, default=new_token_key)
    granted_permissions = ArrayField(models.CharField(max_length=100), default=list, blank=True)

    USERNAME_FIELD = "email"

    def has_perm(self, perm: Any, obj: Any = None) -> bool:
        value = perm.value if isinstance(perm, Enum) else perm
        if not self.is_active:
            return False
        return self.is_superuser or value in self.granted_permissions

    class Meta:
        app_label = "account"


class Address(ModelWithMetadata):
    """Mirror of Address (account/models.py:63): the ``phone`` column (E.164 text, may be empty)."""

    first_name = models.CharField(max_length=256, blank=True)
    last_name = models.CharField(max_length=256, blank=True)
    country = models.CharField(max_length=2, default="IT")
    phone = models.CharField(max_length=128, blank=True, default="", db_index=True)

    class Meta:
        app_label = "account"
