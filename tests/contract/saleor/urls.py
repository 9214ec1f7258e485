"""Mirror of the plugin routes in ``saleor/urls.py`` (lines 23-38); ``plugin_id`` is ``[.0-9A-Za-z_\\-]+``."""

from django.urls import re_path

from .plugins.views import (
    handle_global_plugin_webhook,
    handle_plugin_per_channel_webhook,
    handle_plugin_webhook,
)

urlpatterns = [
    re_path(
        r"^plugins/channel/(?P<channel_slug>[.0-9A-Za-z_\-]+)/(?P<plugin_id>[.0-9A-Za-z_\-]+)/",
        handle_plugin_per_channel_webhook,
        name="plugins-per-channel",
    ),
    re_path(r"^plugins/global/(?P<plugin_id>[.0-9A-Za-z_\-]+)/", handle_global_plugin_webhook, name="plugins-global"),
    re_path(r"^plugins/(?P<plugin_id>[.0-9A-Za-z_\-]+)/", handle_plugin_webhook, name="plugins"),
]
