r"""Mirror of ``saleor/urls.py``: the plugin routes and the thumbnail route product images are served through.

The plugin routes are lines 23-38 (``plugin_id`` is ``[.0-9A-Za-z_\-]+``); the thumbnail route is line 41.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import re_path

from .plugins.views import (
    handle_global_plugin_webhook,
    handle_plugin_per_channel_webhook,
    handle_plugin_webhook,
)


def handle_thumbnail(request: HttpRequest, instance_id: str, size: str, format: str | None = None) -> HttpResponse:
    """Saleor's thumbnail view (thumbnail/views.py) answers with the image; the double only routes it."""
    return HttpResponse(status=404)


urlpatterns = [
    re_path(
        r"^thumbnail/(?P<instance_id>[.0-9A-Za-z_=\-]+)/(?P<size>\d+)/(?:(?P<format>[a-zA-Z]+)/)?",
        handle_thumbnail,
        name="thumbnail",
    ),
    re_path(
        r"^plugins/channel/(?P<channel_slug>[.0-9A-Za-z_\-]+)/(?P<plugin_id>[.0-9A-Za-z_\-]+)/",
        handle_plugin_per_channel_webhook,
        name="plugins-per-channel",
    ),
    re_path(r"^plugins/global/(?P<plugin_id>[.0-9A-Za-z_\-]+)/", handle_global_plugin_webhook, name="plugins-global"),
    re_path(r"^plugins/(?P<plugin_id>[.0-9A-Za-z_\-]+)/", handle_plugin_webhook, name="plugins"),
]
