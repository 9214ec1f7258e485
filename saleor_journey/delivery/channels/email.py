"""Email through Django's email API with django-anymail; the ESP comes from the plugin configuration.

A plugin cannot add Django settings, so the ESP backend is built with
``get_connection("anymail.backends.<esp>.EmailBackend", <setting>=...)``
(``esp.py`` knows each ESP's setting names). With no ESP configured Saleor's
own EMAIL_BACKEND (from EMAIL_URL) is used. A backend that cannot be built is
a configuration error found before the provider is called: the message is
retried (the owner may fix the form meanwhile) and fails with that reason.
"""

import logging
from typing import Any

import requests
from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from anymail.message import AnymailMessage

from ...config import DeliverySettings
from ...exceptions import DeliveryNotConfigured, PermanentSendError, TransientSendError
from . import esp
from .base import Outgoing, Receipt

logger = logging.getLogger(__name__)

TRANSIENT_STATUS = {408, 425, 429}


class EmailChannel:
    name = "email"

    def __init__(self, settings: DeliverySettings) -> None:
        self.settings = settings
        self._connection: Any = None

    def connection(self) -> Any:
        """Return the backend for the whole batch; raise DeliveryNotConfigured (before any provider call)."""
        if self._connection is None:
            try:
                self._connection = esp.open_connection(self.settings)
            except esp.EmailNotConfigured as exc:
                logger.error("journey: email cannot be sent: %s", exc)
                raise DeliveryNotConfigured(f"email is not configured: {exc}", provider=self.provider) from exc
            try:
                self._connection.open()  # one HTTP session (keep-alive) or SMTP login for the whole batch
            except Exception:  # noqa: BLE001 - opening lazily on send reports the real error there
                logger.debug("journey: email connection could not be opened ahead of sending", exc_info=True)
        return self._connection

    @property
    def provider(self) -> str:
        return self.settings.email_esp or "django"

    def send(self, outgoing: Outgoing) -> Receipt:
        connection = self.connection()
        message = AnymailMessage(
            subject=outgoing.subject,
            body=outgoing.text,
            from_email=outgoing.sender or self.settings.default_sender,
            to=[outgoing.recipient],
            headers=outgoing.headers,
            connection=connection,
        )
        if outgoing.html:
            message.attach_alternative(outgoing.html, "text/html")
        message.metadata = {"journey_message_id": str(outgoing.message_id)}
        message.tags = outgoing.tags[:1]  # several ESPs (Postmark) take a single tag
        try:
            message.send()
        except AnymailRecipientsRefused as exc:
            raise PermanentSendError(f"recipient refused: {exc}", provider=self.provider, suppress=True) from exc
        except AnymailAPIError as exc:
            status = getattr(exc, "status_code", None)
            if status is None or status >= 500 or status in TRANSIENT_STATUS:
                raise TransientSendError(f"{self.provider} unavailable ({status or 'no response'})", provider=self.provider, code=status) from exc
            raise PermanentSendError(f"{self.provider} refused the message ({status})", provider=self.provider, code=status) from exc
        except AnymailError as exc:
            raise PermanentSendError(f"{self.provider}: {exc}", provider=self.provider) from exc
        except (requests.RequestException, OSError) as exc:  # the deployment's SMTP backend, network errors
            raise TransientSendError(f"{self.provider} unreachable: {exc.__class__.__name__}", provider=self.provider) from exc
        status = getattr(message, "anymail_status", None)
        provider_id = getattr(status, "message_id", None)
        if isinstance(provider_id, set):
            provider_id = next(iter(provider_id), None)
        return Receipt(provider=self.provider, provider_message_id=str(provider_id) if provider_id else None)
