"""Django app configuration: Saleor adds `saleor_journey` to INSTALLED_APPS itself."""

from django.apps import AppConfig, apps


class SaleorJourneyConfig(AppConfig):
    name = "saleor_journey"
    label = "saleor_journey"
    verbose_name = "Customer Journey"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers for Saleor models are connected lazily by "app_label.Model"
        # strings, so nothing here imports Saleor.
        from .plugins import flow_support, receivers

        receivers.connect()
        flow_support.register()  # each flow's send-time re-check, in every process that sends
        if apps.is_installed("saleor.plugins"):
            from .plugins import checks

            checks.register()
