"""Which email service providers the plugin can send through, and the anymail settings each one reads.

A plugin cannot add Django settings, so every ESP setting reaches anymail as a
keyword of ``get_connection``; anymail reads keywords under its own setting
names, which differ per ESP (Postmark's ``server_token``, MailerSend's
``api_token``, Mailjet's ``api_key`` and ``secret_key``, ...). The form's
"API key" goes to the ESP's main credential, "API secret" to its second one,
and "options" (JSON) to the other settings the ESP documents.

``configuration_problems`` finds a configuration that cannot send before any
message is due: an ESP anymail does not have, a missing credential or API URL,
an unknown option, or, with no ESP, a Saleor without an email backend
(``EMAIL_URL`` unset makes Saleor's ``EMAIL_BACKEND`` empty).
"""

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection
from django.utils.module_loading import import_string

from ...config import DeliverySettings

#: Seconds anymail waits for the ESP's API (anymail's ``requests_timeout``; its default is 30).
REQUEST_TIMEOUT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Esp:
    """One anymail ESP: the setting names its backend reads."""

    key: str | None  # where the form's API key goes (None: the ESP takes no key)
    secret: str | None = None  # where the form's API secret goes
    secret_required: bool = False
    url_required: bool = False  # the ESP has no default API URL (self-hosted or regional)
    options: frozenset[str] = frozenset()  # other anymail settings accepted from the options field
    label: str = ""


ESPS: dict[str, Esp] = {
    "amazon_ses": Esp(None, label="Amazon SES (credentials from the server's AWS configuration, or options "
                      "session_params)", options=frozenset({"session_params", "client_params", "configuration_set_name",
                                                           "message_tag_name"})),
    "brevo": Esp("api_key", label="Brevo"),
    "mailersend": Esp("api_token", options=frozenset({"batch_send_mode"}), label="MailerSend"),
    "mailgun": Esp("api_key", options=frozenset({"sender_domain"}), label="Mailgun"),
    "mailjet": Esp("api_key", secret="secret_key", secret_required=True, label="Mailjet"),
    "mailtrap": Esp("api_token", options=frozenset({"sandbox_id"}), label="Mailtrap"),
    "mandrill": Esp("api_key", label="Mandrill"),
    "postal": Esp("api_key", url_required=True, label="Postal"),
    "postmark": Esp("server_token", options=frozenset({"message_stream"}), label="Postmark"),
    "resend": Esp("api_key", label="Resend"),
    "scaleway": Esp("secret_key", options=frozenset({"project_id", "region"}), label="Scaleway TEM"),
    "sendgrid": Esp("api_key", label="SendGrid"),
    "sparkpost": Esp("api_key", options=frozenset({"subaccount"}), label="SparkPost"),
    "unisender_go": Esp("api_key", url_required=True, label="Unisender Go"),
}
#: Options an ESP's backend cannot do without (anymail raises at construction otherwise).
REQUIRED_OPTIONS = {"scaleway": ("project_id",)}


class EmailNotConfigured(ImproperlyConfigured):
    """No usable email backend: the message names the form field or setting to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def esp_options(delivery: DeliverySettings) -> dict[str, Any]:
    """Return the options field as a dict (validated by ``config``)."""
    raw = delivery.email_esp_options
    return json.loads(raw) if raw else {}


def connection_kwargs(delivery: DeliverySettings) -> tuple[str, dict[str, Any]]:
    """Return the backend path and the keywords anymail reads, for the configured ESP; raise EmailNotConfigured."""
    name = delivery.email_esp
    if not name:
        return _saleor_backend(), {}
    esp = ESPS.get(name)
    if esp is None:
        raise EmailNotConfigured("email_esp", f"{name!r} is not an email provider anymail supports here; "
                                 f"choose one of {', '.join(sorted(ESPS))}")
    kwargs: dict[str, Any] = {"requests_timeout": REQUEST_TIMEOUT_SECONDS}
    if esp.key is not None:
        if not delivery.email_api_key:
            raise EmailNotConfigured("email_api_key", f"{esp.label or name} needs its API key ({esp.key})")
        kwargs[esp.key] = delivery.email_api_key
    if esp.secret is not None and delivery.email_api_secret:
        kwargs[esp.secret] = delivery.email_api_secret
    elif esp.secret_required:
        raise EmailNotConfigured("email_api_secret", f"{esp.label or name} needs its API secret ({esp.secret})")
    if delivery.email_api_url:
        kwargs["api_url"] = delivery.email_api_url
    elif esp.url_required:
        raise EmailNotConfigured("email_api_url", f"{esp.label or name} needs the API URL of your server")
    options = esp_options(delivery)
    unknown = set(options) - esp.options
    if unknown:
        allowed = ", ".join(sorted(esp.options)) or "none"
        raise EmailNotConfigured("email_esp_options", f"{', '.join(sorted(unknown))} not accepted for {name} "
                                 f"(accepted: {allowed})")
    missing = [option for option in REQUIRED_OPTIONS.get(name, ()) if option not in options]
    if missing:
        raise EmailNotConfigured("email_esp_options", f"{name} needs {', '.join(missing)} in the options")
    kwargs.update(options)
    return f"anymail.backends.{name}.EmailBackend", kwargs


def _saleor_backend() -> str:
    """Saleor's own backend (from EMAIL_URL); empty when the shop's mail is set only in Dashboard email plugins."""
    backend = getattr(django_settings, "EMAIL_BACKEND", "")
    if not backend:
        raise EmailNotConfigured(
            "email_esp", "Saleor has no email backend (EMAIL_URL is not set): choose an email provider in this "
            "form, or set EMAIL_URL for Saleor's API server and Celery worker")
    return backend


def open_connection(delivery: DeliverySettings) -> Any:
    """Return a backend instance for the configuration (no network yet); raise EmailNotConfigured."""
    path, kwargs = connection_kwargs(delivery)
    try:
        import_string(path)
        return get_connection(path, **kwargs)
    except ImportError as exc:
        raise EmailNotConfigured("email_esp", f"email backend {path} cannot be imported: {exc}") from exc
    except ImproperlyConfigured as exc:  # anymail's AnymailConfigurationError: a setting it requires is missing
        raise EmailNotConfigured("email_esp", f"{path}: {exc}") from exc


def configuration_problem(delivery: DeliverySettings) -> EmailNotConfigured | None:
    """Why this configuration cannot send email, or None."""
    try:
        open_connection(delivery)
    except EmailNotConfigured as exc:
        return exc
    return None
