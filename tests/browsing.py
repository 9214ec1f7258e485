"""A Django test client that posts a dict the way browsers and Twilio do: ``application/x-www-form-urlencoded``.

Django's own test client posts dicts as multipart, which no form or callback
of the plugin receives in real life (and the plugin refuses).
"""

from typing import Any
from urllib.parse import urlencode

from django.test import Client


class FormClient(Client):
    def post(self, path: str, data: Any = None, content_type: str | None = None, **extra: Any) -> Any:
        if content_type is None:
            body = urlencode(data or {}, doseq=True) if isinstance(data, dict) else (data or "")
            return super().post(path, body, content_type="application/x-www-form-urlencoded", **extra)
        return super().post(path, data, content_type=content_type, **extra)
