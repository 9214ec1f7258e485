"""Fixed-window attempt counters in Django's cache (Saleor's cache: shared across processes when it is Redis)."""

import hashlib
from typing import Any

from django.core.cache import cache

#: Where the plugin route stores the caller's address as Saleor computes it (its ``get_client_ip``).
CLIENT_ADDRESS_ATTRIBUTE = "journey_client_address"


def client_address(request: Any) -> str:
    """Return the caller's address for rate limits: as Saleor reads it (set by the plugin route), else REMOTE_ADDR.

    Behind a load balancer REMOTE_ADDR is the balancer's, so keying on it would
    put every storefront visitor in one bucket; Saleor takes the first valid
    address of X-Forwarded-For.
    """
    return getattr(request, CLIENT_ADDRESS_ATTRIBUTE, None) or request.META.get("REMOTE_ADDR", "") or ""


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
