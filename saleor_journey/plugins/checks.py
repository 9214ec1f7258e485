"""Django system checks: configuration problems surface at ``migrate``/``check``, not at 3 a.m.

They read the database (the plugin's stored configuration, Saleor's beat
table), so they are tagged ``database`` and run with ``manage.py migrate`` and
``manage.py check --database default``.
"""

from typing import Any

from django.core import checks
from django.db import DatabaseError

from ..delivery.channels import esp
from ..exceptions import ConfigurationError

#: The sweep's Celery task name (``tasks.dispatch``, which sits above this adapter and is not imported here).
DISPATCH_TASK = "saleor_journey.dispatch_due_messages"


def check_configuration(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not databases:
        return []
    from saleor.plugins.models import PluginConfiguration

    from ..config import JourneySettings
    from ..routes import PLUGIN_ID

    try:
        row = PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel__isnull=True).first()
    except DatabaseError:
        return []  # tables not migrated yet
    if row is None or not row.active:
        return []
    try:
        settings = JourneySettings.from_configuration(row.configuration or [])
    except ConfigurationError as exc:
        return [checks.Error(f"Customer Journey configuration is invalid: {exc}", id="saleor_journey.E001")]
    delivery = settings.delivery
    problems: list[checks.CheckMessage] = []
    email_problem = esp.configuration_problem(delivery)
    if email_problem is not None:
        problems.append(checks.Error(
            f"Customer Journey cannot send email: {email_problem}", hint=f"Fix '{email_problem.field}' in the "
            "plugin configuration (Dashboard > Plugins > Customer Journey).", id="saleor_journey.E002"))
    if not delivery.public_base_url:
        problems.append(checks.Warning(
            "Customer Journey has no public API URL: marketing messages cannot carry an unsubscribe link and will "
            "fail, and provider callbacks cannot be verified.",
            hint="Set 'Public API URL' in the plugin configuration.", id="saleor_journey.W001"))
    tracking = _tracking_problem(delivery)
    if tracking:
        problems.append(checks.Warning(
            f"Email tracking calls will be refused ({tracking}), so bounced addresses are not suppressed.",
            hint="Set the provider's signing key and/or 'Email tracking webhook secret'.", id="saleor_journey.W003"))
    if bool(delivery.twilio_account_sid) != bool(delivery.twilio_auth_token):
        problems.append(checks.Warning("Twilio needs both the account SID and the auth token.", id="saleor_journey.W004"))
    return problems


def _tracking_problem(delivery: Any) -> str | None:
    from ..delivery.inbound.esp import TrackingNotConfigured, tracking_view

    if not delivery.email_esp:
        return None  # Saleor's own backend: no provider calls back
    try:
        tracking_view(delivery, None)
    except TrackingNotConfigured as exc:
        return str(exc)
    return None


def check_beat_schedule(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Saleor's beat (DatabaseScheduler) stores the app's schedule in django_celery_beat's table at start-up."""
    if not databases:
        return []
    from django.apps import apps

    if not apps.is_installed("django_celery_beat"):
        return []
    from django_celery_beat.models import PeriodicTask

    try:
        present = PeriodicTask.objects.filter(task=DISPATCH_TASK, enabled=True).exists()
    except DatabaseError:
        return []
    if present:
        return []
    return [checks.Warning(
        "The Customer Journey dispatch sweep is not in Celery beat's schedule yet, so no message will be sent.",
        hint="Restart 'celery beat' (Saleor's DatabaseScheduler) after installing the plugin; it registers "
        "the sweep itself.", id="saleor_journey.W010")]


def register() -> None:
    """Add the plugin's system checks to Django's (called from ``AppConfig.ready``)."""
    checks.register(check_configuration, checks.Tags.database)
    checks.register(check_beat_schedule, checks.Tags.database)
