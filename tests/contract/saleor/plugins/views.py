"""Mirror of ``saleor/plugins/views.py``: the three plugin routes hand the request to the manager."""

from django.http import HttpResponse

from .manager import get_plugins_manager


def handle_plugin_webhook(request, plugin_id: str) -> HttpResponse:  # noqa: ANN001
    return get_plugins_manager(allow_replica=False).webhook_endpoint_without_channel(request, plugin_id)


def handle_global_plugin_webhook(request, plugin_id: str) -> HttpResponse:  # noqa: ANN001
    return get_plugins_manager(allow_replica=False).webhook(request, plugin_id, channel_slug=None)


def handle_plugin_per_channel_webhook(request, plugin_id: str, channel_slug: str) -> HttpResponse:  # noqa: ANN001
    return get_plugins_manager(allow_replica=False).webhook(request, plugin_id, channel_slug=channel_slug)
