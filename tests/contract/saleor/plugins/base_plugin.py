"""Mirror of ``saleor/plugins/base_plugin.py`` (3.23.28): BasePlugin and ConfigurationTypeField.

Reproduced: the class attributes (lines 100-116), the keyword-only constructor
(line 123), how ``configuration`` is built from stored values plus
``DEFAULT_CONFIGURATION`` and decorated with ``CONFIG_STRUCTURE`` (lines
1843-1880: unknown keys dropped, missing keys filled from defaults),
``save_plugin_configuration`` (update items, BOOLEAN strings to bool, OUTPUT
ignored, None skipped, then validate, pre-save, save: lines 1783-1821; the row's
new ``active`` is set in memory only, so at pre-save the stored row still holds
the previous state, and a row ``PluginsManager.save_plugin_configuration`` had
to create is stored inactive: PluginConfiguration.active defaults to False,
plugins/models.py) and ``is_event_active``.
Hooks exist on the real BasePlugin only as annotations, so a hook is present
only when the subclass defines it; the same holds here.
"""

from copy import copy
from typing import Any

from django.utils.functional import SimpleLazyObject


class ConfigurationTypeField:
    STRING = "String"
    MULTILINE = "Multiline"
    BOOLEAN = "Boolean"
    SECRET = "Secret"
    SECRET_MULTILINE = "SecretMultiline"
    PASSWORD = "Password"
    OUTPUT = "OUTPUT"
    CHOICES = [
        (STRING, "Field is a String"),
        (MULTILINE, "Field is a Multiline"),
        (BOOLEAN, "Field is a Boolean"),
        (SECRET, "Field is a Secret"),
        (PASSWORD, "Field is a Password"),
        (SECRET_MULTILINE, "Field is a Secret multiline"),
        (OUTPUT, "Field is a read only"),
    ]


class BasePlugin:
    PLUGIN_NAME = ""
    PLUGIN_ID = ""
    PLUGIN_DESCRIPTION = ""
    CONFIG_STRUCTURE: dict | None = None
    CONFIGURATION_PER_CHANNEL = True
    DEFAULT_CONFIGURATION: list[dict] = []
    DEFAULT_ACTIVE = False
    HIDDEN = False

    @classmethod
    def check_plugin_id(cls, plugin_id: str) -> bool:
        return cls.PLUGIN_ID == plugin_id

    def __init__(
        self,
        *,
        configuration: list[dict],
        active: bool,
        channel: Any = None,
        requestor_getter: Any = None,
        db_config: Any = None,
        allow_replica: bool = True,
    ) -> None:
        self.configuration = self.get_plugin_configuration(configuration)
        self.active = active
        self.channel = channel
        self.requestor = SimpleLazyObject(requestor_getter) if requestor_getter else requestor_getter
        self.db_config = db_config
        self.allow_replica = allow_replica

    def __str__(self) -> str:
        return self.PLUGIN_NAME

    @classmethod
    def get_default_active(cls) -> bool:
        return cls.DEFAULT_ACTIVE

    @classmethod
    def _update_configuration_structure(cls, configuration: list[dict]) -> list[dict]:
        structure = cls.CONFIG_STRUCTURE or {}
        updated = [copy(item) for item in configuration if item["name"] in structure]
        missing = set(structure) - {item["name"] for item in updated}
        if missing and cls.DEFAULT_CONFIGURATION:
            updated.extend(copy(item) for item in cls.DEFAULT_CONFIGURATION if item["name"] in missing)
        return updated

    @classmethod
    def _append_config_structure(cls, configuration: list[dict]) -> None:
        structure = cls.CONFIG_STRUCTURE or {}
        for item in list(configuration):
            extra = structure.get(item.get("name"))
            if extra:
                item.update(extra)
            else:
                configuration.remove(item)

    def get_plugin_configuration(self, configuration: list[dict] | None) -> list[dict]:
        configuration = self._update_configuration_structure(configuration or [])
        if configuration:
            self._append_config_structure(configuration)
        return configuration

    @classmethod
    def _clean_configuration_value(cls, item_type: str | None, value: Any) -> Any:
        if item_type == ConfigurationTypeField.BOOLEAN and value and not isinstance(value, bool):
            value = value.lower() == "true"
        if item_type == ConfigurationTypeField.OUTPUT:
            return None
        return value

    @classmethod
    def _update_config_items(cls, to_update: list[dict], current: list[dict]) -> None:
        structure = cls.CONFIG_STRUCTURE or {}
        new_values = {item["name"]: item.get("value") for item in to_update}
        for item in current:
            value = new_values.get(item["name"])
            if value is None:
                continue
            value = cls._clean_configuration_value(structure.get(item["name"], {}).get("type"), value)
            if value is not None:
                item["value"] = value
        known = {item["name"] for item in current}
        for name in set(new_values) - known:
            if not structure.get(name):
                continue
            value = cls._clean_configuration_value(structure[name].get("type"), new_values[name])
            if value is not None:
                current.append({"name": name, "value": value})

    @classmethod
    def validate_plugin_configuration(cls, plugin_configuration: Any, **kwargs: Any) -> None:
        return

    @classmethod
    def pre_save_plugin_configuration(cls, plugin_configuration: Any) -> None:
        return

    @classmethod
    def save_plugin_configuration(cls, plugin_configuration: Any, cleaned_data: dict) -> Any:
        current = plugin_configuration.configuration
        if cleaned_data.get("configuration"):
            cls._update_config_items(cleaned_data["configuration"], current)
        if "active" in cleaned_data:
            plugin_configuration.active = cleaned_data["active"]
        cls.validate_plugin_configuration(plugin_configuration)
        cls.pre_save_plugin_configuration(plugin_configuration)
        plugin_configuration.save()
        if plugin_configuration.configuration:
            cls._append_config_structure(plugin_configuration.configuration)
        return plugin_configuration

    def resolve_plugin_configuration(self, request: Any) -> list[dict]:
        return self.configuration

    def is_event_active(self, event: str, channel: str | None = None) -> bool:
        return hasattr(self, event)
