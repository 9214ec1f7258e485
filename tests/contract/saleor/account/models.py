"""Mirror of ``saleor/account/models.py`` (line 169): the User columns the plugin reads or writes.

``private_metadata`` is a jsonb column updated with ``||`` by Saleor's
``update_private_metadata`` (graphql/meta/mutations/utils.py:99), which also
bumps ``updated_at``. ``number_of_orders`` exists from 3.22 on.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone

from ..core.models import ModelWithMetadata


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

    USERNAME_FIELD = "email"

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
