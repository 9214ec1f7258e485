"""Mirror of ``saleor/core/utils/__init__.py`` (3.23.28): public URLs and the client's address.

``get_public_url`` (line 32): ``settings.PUBLIC_URL`` when set, else the
current Site's domain with http(s) by ``ENABLE_SSL``. ``build_absolute_uri``
(line 46) joins a relative location onto it. ``get_client_ip`` (line 57): the
first valid IPv4/IPv6 address in ``X-Forwarded-For``, else ``REMOTE_ADDR``.
"""

import socket
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.sites.models import Site
from django.utils.encoding import iri_to_uri


def get_public_url(domain: str | None = None) -> str:
    if settings.PUBLIC_URL:
        return settings.PUBLIC_URL
    host = domain or Site.objects.get_current().domain
    protocol = "https" if getattr(settings, "ENABLE_SSL", False) else "http"
    return f"{protocol}://{host}"


def build_absolute_uri(location: str, domain: str | None = None) -> str:
    return iri_to_uri(urljoin(get_public_url(domain), location))


def get_client_ip(request: Any) -> str | None:
    for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(","):
        if is_valid_ipv4(ip) or is_valid_ipv6(ip):
            return ip
    return request.META.get("REMOTE_ADDR", None)


def is_valid_ipv4(ip: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET, ip)
    except OSError:
        return False
    return True


def is_valid_ipv6(ip: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6, ip)
    except OSError:
        return False
    return True
