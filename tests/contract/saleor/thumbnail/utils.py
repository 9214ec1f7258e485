"""Mirror of ``saleor/thumbnail/utils.py`` (lines 29-62): a product image's thumbnail address.

``get_image_or_proxy_url(None, media_pk, "ProductMedia", size, format)`` is
Saleor's proxy route ``/thumbnail/<ProductMedia global ID>/<size>/`` (the
``thumbnail`` URL name), which creates the thumbnail on first request; Saleor's
own emails wrap it in ``build_absolute_uri`` (order/notifications.py:89). The
original upload under MEDIA_URL is served only with DEBUG.
"""

import base64
from typing import Any

from django.urls import reverse


def prepare_image_proxy_url(instance_pk: str, object_type: str, size: int, format: str | None) -> str:
    instance_id = base64.b64encode(f"{object_type}:{instance_pk}".encode()).decode()
    kwargs: dict[str, Any] = {"instance_id": instance_id, "size": size}
    if format and format.lower() != "original":
        kwargs["format"] = format.lower()
    return reverse("thumbnail", kwargs=kwargs)


def get_image_or_proxy_url(thumbnail: Any, instance_id: str, object_type: str, size: int, format: str | None) -> str:
    return prepare_image_proxy_url(instance_id, object_type, size, format) if thumbnail is None else thumbnail.image.url
