"""Mirror of ``saleor/account/utils.py`` (line 150): ``retrieve_user_by_email``, case-insensitive unless ambiguous."""

from typing import Any

from .models import User


def retrieve_user_by_email(email: str) -> Any:
    users = list(User.objects.filter(email__iexact=email))
    if len(users) > 1:
        users = [u for u in users if u.email == email] or [u for u in users if u.email == email.lower()]
    return users[0] if users else None
