"""Fixed-window attempt counters in Django's cache (Saleor's cache: shared across processes when it is Redis)."""

import hashlib

from django.core.cache import cache


def allowed(key: str, limit: int, seconds: int) -> bool:
    """Count one attempt under ``key``; False once more than ``limit`` were made in the current window.

    The key is hashed: it may hold an email address (personal data, and of any
    length, where memcached takes at most 250 characters).
    """
    key = "journey-rate:" + hashlib.sha256(key.encode()).hexdigest()
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return True
