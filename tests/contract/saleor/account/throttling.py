"""Mirror of ``saleor/account/throttling.py`` (3.23.28): ``authenticate_with_throttling``, what tokenCreate uses.

Keys on the client address from ``get_client_ip``; with none it refuses
(``UNKNOWN_IP_ADDRESS``). Before each attempt the address is blocked for at
least a second (``cache.add``), so concurrent guesses are refused
(``LOGIN_ATTEMPT_DELAYED``); each failure raises the block: doubling every ten
failures from the address, and every failure for one existing account from it,
up to an hour. A correct password clears the counters. Returns the user or None;
it does not look at ``is_active`` or ``is_staff``.
"""

import datetime
from math import ceil
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..core.utils import get_client_ip
from .models import User
from .utils import retrieve_user_by_email

MIN_DELAY = 1
MAX_DELAY = 3600
ATTEMPT_COUNTER_EXPIRE_TIME = 7200


def authenticate_with_throttling(request: Any, email: str, password: str) -> User | None:
    ip = get_client_ip(request)
    if not ip:
        raise ValidationError("Can't identify requester IP address.", code="unknown_ip_address")
    ip_key, block_key = f"login:fail:ip:{ip}", f"login:block:ip:{ip}"
    if not cache.add(block_key, timezone.now() + datetime.timedelta(seconds=MIN_DELAY), timeout=MIN_DELAY):
        next_attempt = cache.get(block_key) or timezone.now() + datetime.timedelta(seconds=MIN_DELAY)
        raise ValidationError(
            f"Logging has been suspended till {next_attempt} due to too many logging attempts originating from "
            "the same IP address.", code="login_attempt_delayed")
    user = retrieve_user_by_email(email)
    exists = user is not None
    if user is None:
        user = User()
    correct = user.check_password(password)
    ip_user_attempts = 0
    if exists:
        ip_user_key = f"login:fail:ip:{ip}:user:{user.pk}"
        if correct:
            for key in (ip_key, ip_user_key, block_key):
                cache.delete(key)
            return user
        ip_user_attempts = _increment(ip_user_key)
    ip_attempts = _increment(ip_key)
    delay = _delay(ip_attempts, ip_user_attempts)
    cache.set(block_key, timezone.now() + datetime.timedelta(seconds=delay), timeout=delay)
    return None


def _increment(key: str) -> int:
    if not cache.add(key, 1, timeout=ATTEMPT_COUNTER_EXPIRE_TIME):
        return cache.incr(key, 1)
    return 1


def _delay(ip_attempts: int, ip_user_attempts: int) -> int:
    ip_delay = (2 ** (ceil(ip_attempts / 10) - 1) if ip_attempts < 100 else MAX_DELAY) if ip_attempts else 0
    user_delay = (2 ** (ip_user_attempts - 1) if ip_user_attempts < 10 else MAX_DELAY) if ip_user_attempts else 0
    return max(ip_delay, user_delay, MIN_DELAY)
