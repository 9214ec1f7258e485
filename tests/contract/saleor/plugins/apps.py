"""App config of the double's ``plugins`` app (Saleor: ``saleor/plugins/apps.py``).

Like Saleor's PluginConfig.ready(), it imports every plugin class once the
app registry is ready, so a broken plugin import fails at start-up.
"""

from django.apps import AppConfig
from django.conf import settings
from django.utils.module_loading import import_string


class Config(AppConfig):
    name = "saleor.plugins"
    label = "plugins"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        for path in settings.PLUGINS:
            plugin_class = import_string(path)
            if not plugin_class.PLUGIN_ID:
                raise RuntimeError(f"{path} has no PLUGIN_ID")
