"""Mirror of ``saleor/plugins/manager.py`` (3.23.28): how Saleor loads plugins and calls hooks.

Reproduced exactly where the plugin depends on it:

- loading (``_ensure_channel_plugins_loaded`` line 151, ``_load_plugin`` line 104):
  a stored PluginConfiguration row wins, else DEFAULT_CONFIGURATION and
  DEFAULT_ACTIVE; global plugins are those with CONFIGURATION_PER_CHANNEL False;
- dispatch (``__run_method_on_plugins`` line 211, ``__run_method_on_single_plugin``
  line 233): active plugins only, ``previous_value`` passed by keyword,
  NotImplemented keeps the previous value, exceptions are NOT caught;
- hooks the plugin does not implement cost nothing (``getattr`` falls back to NotImplemented);
- each hook's positional argument, extra keywords and channel (lines 675-1655, 1375):
  ``webhooks=`` on most customer/checkout/order hooks, none on
  ``customer_created``/``account_deleted``/``order_bulk_created``,
  ``notify_customer=`` and (3.23 only) ``calculate_stocks_with_shipping_zones=``
  on ``fulfillment_created``; the channel slug is read from ``order.channel``,
  ``checkout.channel`` or ``fulfillment.order.channel``, which leaves those
  relations loaded on the object the plugin receives;
- the plugin route (``webhook`` line 2722, ``webhook_endpoint_without_channel``
  line 2700): path = what follows the plugin id; 404 when missing or inactive,
  except on the legacy route, which skips the active check.

``settings.SALEOR_VERSION`` ("3.21", "3.22", "3.23") selects the version-specific
keywords so tests can run the plugin against each supported line.
"""

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound
from django.utils.module_loading import import_string

from ..channel.models import Channel
from .models import PluginConfiguration


def _version() -> tuple[int, int]:
    major, minor = str(getattr(settings, "SALEOR_VERSION", "3.23")).split(".")[:2]
    return int(major), int(minor)


class PluginsManager:
    def __init__(self, plugins: list[str], requestor_getter: Any = None, allow_replica: bool = True) -> None:
        self.plugins = plugins
        self._allow_replica = allow_replica
        self.all_plugins: list[Any] = []
        self.global_plugins: list[Any] = []
        self.plugins_per_channel: dict[str, list[Any]] = defaultdict(list)
        self.loaded_channels: set[str] = set()
        self.loaded_global = False
        self.requestor_getter = requestor_getter

    def _load_plugin(self, plugin_class: type, db_configs: dict, channel: Any = None) -> Any:
        db_config = db_configs.get(plugin_class.PLUGIN_ID)
        if db_config is not None:
            configuration, active, channel = db_config.configuration, db_config.active, db_config.channel
        else:
            configuration, active = plugin_class.DEFAULT_CONFIGURATION, plugin_class.get_default_active()
        return plugin_class(
            configuration=configuration,
            active=active,
            channel=channel,
            requestor_getter=self.requestor_getter,
            db_config=db_config,
            allow_replica=self._allow_replica,
        )

    @staticmethod
    def _db_configs(channel: Any) -> dict[str, PluginConfiguration]:
        return {c.identifier: c for c in PluginConfiguration.objects.filter(channel=channel)}

    def _ensure_channel_plugins_loaded(self, channel_slug: str | None) -> None:
        if channel_slug is None and not self.loaded_global:
            configs = self._db_configs(None)
            for path in self.plugins:
                plugin_class = import_string(path)
                if not getattr(plugin_class, "CONFIGURATION_PER_CHANNEL", False):
                    plugin = self._load_plugin(plugin_class, configs)
                    self.global_plugins.append(plugin)
                    self.all_plugins.append(plugin)
            self.loaded_global = True
        if channel_slug is not None and channel_slug not in self.loaded_channels:
            channel = Channel.objects.filter(slug=channel_slug).first()
            if channel is None:
                return
            configs = self._db_configs(channel)
            for path in self.plugins:
                plugin_class = import_string(path)
                if getattr(plugin_class, "CONFIGURATION_PER_CHANNEL", False):
                    plugin = self._load_plugin(plugin_class, configs, channel)
                    self.plugins_per_channel[channel_slug].append(plugin)
                    self.all_plugins.append(plugin)
            self._ensure_channel_plugins_loaded(None)
            self.plugins_per_channel[channel_slug].extend(self.global_plugins)
            self.loaded_channels.add(channel_slug)

    def get_plugins(self, channel_slug: str | None = None, active_only: bool = False) -> list[Any]:
        if channel_slug is not None:
            self._ensure_channel_plugins_loaded(channel_slug)
            plugins = self.plugins_per_channel[channel_slug]
        else:
            self._ensure_channel_plugins_loaded(None)
            plugins = self.all_plugins
        return [p for p in plugins if p.active] if active_only else list(plugins)

    def get_all_plugins(self, active_only: bool = False) -> list[Any]:
        return self.get_plugins(None, active_only=active_only)

    def get_plugin(self, plugin_id: str, channel_slug: str | None = None) -> Any:
        for plugin in self.get_plugins(channel_slug=channel_slug):
            if plugin.check_plugin_id(plugin_id):
                return plugin
        return None

    def _run_on_plugins(self, method: str, default: Any, *args: Any, channel_slug: str | None, **kwargs: Any) -> Any:
        value = default
        for plugin in self.get_plugins(channel_slug=channel_slug, active_only=True):
            value = self._run_on_single_plugin(plugin, method, value, *args, **kwargs)
        return value

    @staticmethod
    def _run_on_single_plugin(plugin: Any, method: str, previous_value: Any, *args: Any, **kwargs: Any) -> Any:
        plugin_method = getattr(plugin, method, NotImplemented)
        if plugin_method == NotImplemented:
            return previous_value
        returned = plugin_method(*args, **kwargs, previous_value=previous_value)
        if returned == NotImplemented:
            return previous_value
        return returned

    # Customer hooks: dispatched without a channel (manager.py:675-707, 1655).
    def customer_created(self, customer: Any) -> Any:
        return self._run_on_plugins("customer_created", None, customer, channel_slug=None)

    def customer_deleted(self, customer: Any, webhooks: Any = None) -> Any:
        return self._run_on_plugins("customer_deleted", None, customer, webhooks=webhooks, channel_slug=None)

    def customer_updated(self, customer: Any, webhooks: Any = None) -> Any:
        return self._run_on_plugins("customer_updated", None, customer, webhooks=webhooks, channel_slug=None)

    def account_deleted(self, user: Any) -> Any:
        return self._run_on_plugins("account_deleted", None, user, channel_slug=None)

    # Checkout hooks (manager.py:1327, 1339).
    def checkout_created(self, checkout: Any, webhooks: Any = None) -> Any:
        return self._run_on_plugins(
            "checkout_created", None, checkout, channel_slug=checkout.channel.slug, webhooks=webhooks
        )

    def checkout_updated(self, checkout: Any, webhooks: Any = None) -> Any:
        return self._run_on_plugins(
            "checkout_updated", None, checkout, channel_slug=checkout.channel.slug, webhooks=webhooks
        )

    def checkout_metadata_updated(self, checkout: Any, webhooks: Any = None) -> Any:
        return self._run_on_plugins(
            "checkout_metadata_updated", None, checkout, channel_slug=checkout.channel.slug, webhooks=webhooks
        )

    # Order hooks (manager.py:916-1247).
    def _order_hook(self, name: str, order: Any, webhooks: Any) -> Any:
        return self._run_on_plugins(name, None, order, channel_slug=order.channel.slug, webhooks=webhooks)

    def order_created(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_created", order, webhooks)

    def order_fully_paid(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_fully_paid", order, webhooks)

    def order_paid(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_paid", order, webhooks)

    def order_fully_refunded(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_fully_refunded", order, webhooks)

    def order_refunded(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_refunded", order, webhooks)

    def order_cancelled(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_cancelled", order, webhooks)

    def order_fulfilled(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_fulfilled", order, webhooks)

    def order_updated(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_updated", order, webhooks)

    def order_confirmed(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_confirmed", order, webhooks)

    def order_expired(self, order: Any, webhooks: Any = None) -> Any:
        return self._order_hook("order_expired", order, webhooks)

    def order_bulk_created(self, orders: list[Any]) -> Any:
        return self._run_on_plugins("order_bulk_created", None, orders, channel_slug=None)

    def fulfillment_created(
        self, fulfillment: Any, notify_customer: bool | None = True, calculate_stocks_with_shipping_zones: bool = True
    ) -> Any:
        kwargs: dict[str, Any] = {"notify_customer": notify_customer}
        if _version() >= (3, 23):
            kwargs["calculate_stocks_with_shipping_zones"] = calculate_stocks_with_shipping_zones
        return self._run_on_plugins(
            "fulfillment_created", None, fulfillment, channel_slug=fulfillment.order.channel.slug, **kwargs
        )

    # Plugin route (manager.py:2700-2745).
    def webhook_endpoint_without_channel(self, request: Any, plugin_id: str) -> HttpResponse:
        parts = request.path.split(plugin_id, maxsplit=1)
        path = parts[1] if len(parts) == 2 else None
        plugin = self.get_plugin(plugin_id)
        if not plugin:
            return HttpResponseNotFound()
        return self._run_on_single_plugin(plugin, "webhook", HttpResponseNotFound(), request, path)

    def webhook(self, request: Any, plugin_id: str, channel_slug: str | None) -> HttpResponse:
        parts = request.path.split(plugin_id, maxsplit=1)
        path = parts[1] if len(parts) == 2 else None
        plugin = self.get_plugin(plugin_id, channel_slug=channel_slug)
        if not plugin or not plugin.active:
            return HttpResponseNotFound()
        if plugin.CONFIGURATION_PER_CHANNEL and not channel_slug:
            return HttpResponseNotFound(
                f"Incorrect endpoint. Use /plugins/channel/<channel_slug>/{plugin.PLUGIN_ID}/"
            )
        return self._run_on_single_plugin(plugin, "webhook", HttpResponseNotFound(), request, path)

    # pluginUpdate (manager.py:2658).
    def save_plugin_configuration(self, plugin_id: str, channel_slug: str | None, cleaned_data: dict) -> Any:
        channel = Channel.objects.filter(slug=channel_slug).first() if channel_slug else None
        for plugin in self.get_plugins(channel_slug=channel_slug):
            if plugin.PLUGIN_ID == plugin_id:
                row, _ = PluginConfiguration.objects.get_or_create(
                    identifier=plugin_id, channel=channel, defaults={"configuration": plugin.configuration}
                )
                saved = plugin.save_plugin_configuration(row, cleaned_data)
                saved.name = plugin.PLUGIN_NAME
                saved.description = plugin.PLUGIN_DESCRIPTION
                plugin.active = saved.active
                plugin.configuration = saved.configuration
                return saved
        return None


def get_plugins_manager(allow_replica: bool, requestor_getter: Any = None) -> PluginsManager:
    return PluginsManager(settings.PLUGINS, requestor_getter, allow_replica)
