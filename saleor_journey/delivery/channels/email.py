"""Email through Django's email API with django-anymail; the ESP comes from the plugin configuration.

A plugin cannot add Django settings, so the ESP backend is built with
``get_connection("anymail.backends.<esp>.EmailBackend", <credential>=...)``:
anymail reads its settings from keyword arguments first. With no ESP
configured the deployment's own EMAIL_BACKEND is used.
"""

import logging
from typing import Any

import requests
from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from anymail.message import AnymailMessage
from django.core.mail import get_connection

from ...config import DeliverySettings
from ...exceptions import PermanentSendError, TransientSendError
from .base import Outgoing, Receipt

logger = logging.getLogger(__name__)

#: The keyword each ESP's anymail backend reads its API credential from.
CREDENTIAL_KWARG = {"postmark": "server_token"}
REQUEST_TIMEOUT_SECONDS = 10
TRANSIENT_STATUS = {408, 425, 429}


class EmailChannel:
    name = "email"

    def __init__(self, settings: DeliverySettings) -> None:
        self.settings = settings
        self._connection: Any = None

    def connection(self) -> Any:
        if self._connection is None:
            esp = self.settings.email_esp
            if esp:
                kwargs: dict[str, Any] = {"timeout": REQUEST_TIMEOUT_SECONDS}
                if self.settings.email_api_key:
                    kwargs[CREDENTIAL_KWARG.get(esp, "api_key")] = self.settings.email_api_key
                if self.settings.email_api_url:
                    kwargs["api_url"] = self.settings.email_api_url
                self._connection = get_connection(f"anymail.backends.{esp}.EmailBackend", **kwargs)
            else:
                self._connection = get_connection()
            try:
                self._connection.open()  # one HTTP session (keep-alive) or SMTP login for the whole batch
            except Exception:  # noqa: BLE001 - opening lazily on send reports the real error there
                logger.debug("journey: email connection could not be opened ahead of sending", exc_info=True)
        return self._connection

    @property
    def provider(self) -> str:
        return self.settings.email_esp or "django"

    def send(self, outgoing: Outgoing) -> Receipt:
        message = AnymailMessage(
            subject=outgoing.subject,
            body=outgoing.text,
            from_email=outgoing.sender or self.settings.default_sender,
            to=[outgoing.recipient],
            headers=outgoing.headers,
            connection=self.connection(),
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
