"""SMS and WhatsApp through the twilio client; its HTTP client is injectable (tests use a local peer)."""

import json
import logging
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ...config import DeliverySettings
from ...exceptions import PermanentSendError, TransientSendError
from .base import Outgoing, Receipt

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 10
#: Twilio error codes after which retrying cannot help; the first ones are opt-outs.
OPT_OUT_CODES = {21610}
PERMANENT_CODES = {21211, 21214, 21408, 21612, 21614, 21606, 63016, 63003, 63024, 21610}


TWILIO_API = "https://api.twilio.com"


class RebasedTwilioHttpClient(TwilioHttpClient):
    """Sends Twilio's REST calls to another base URL (a regional proxy, or a test peer on 127.0.0.1)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


class TwilioChannel:
    """One Twilio account; ``whatsapp=True`` sends through WhatsApp with approved Content templates."""

    def __init__(self, settings: DeliverySettings, whatsapp: bool = False, http_client: Any = None) -> None:
        self.settings = settings
        self.whatsapp = whatsapp
        self.name = "whatsapp" if whatsapp else "sms"
        self.http_client = http_client
        self._client: Client | None = None

    def client(self) -> Client:
        if self._client is None:
            if not self.settings.twilio_configured:
                raise PermanentSendError("Twilio is not configured (account SID and auth token)", provider="twilio")
            http_client = self.http_client
            if http_client is None:
                http_client = (
                    RebasedTwilioHttpClient(self.settings.twilio_api_url, timeout=REQUEST_TIMEOUT_SECONDS)
                    if self.settings.twilio_api_url
                    else TwilioHttpClient(timeout=REQUEST_TIMEOUT_SECONDS)
                )
            self._client = Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token, http_client=http_client)
        return self._client

    def send(self, outgoing: Outgoing) -> Receipt:
        sender = self.settings.twilio_whatsapp_from if self.whatsapp else self.settings.twilio_sms_from
        if not sender:
            raise PermanentSendError(f"no sender configured for {self.name}", provider="twilio")
        to = outgoing.recipient
        params: dict[str, Any] = {}
        if self.whatsapp:
            to, sender = f"whatsapp:{to}", f"whatsapp:{sender.removeprefix('whatsapp:')}"
            if outgoing.content_sid:
                params["content_sid"] = outgoing.content_sid
                params["content_variables"] = json.dumps(outgoing.content_variables)
            else:
                params["body"] = outgoing.text
        else:
            params["body"] = outgoing.text
        if sender.startswith("MG"):
            params["messaging_service_sid"] = sender
        else:
            params["from_"] = sender
        if outgoing.status_callback:
            params["status_callback"] = outgoing.status_callback
        try:
            message = self.client().messages.create(to=to, **params)
        except TwilioRestException as exc:
            if exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status not in (408, 429)):
                raise PermanentSendError(
                    f"twilio refused ({exc.code}): {exc.msg}", provider="twilio", code=exc.code,
                    suppress=exc.code in OPT_OUT_CODES,
                ) from exc
            raise TransientSendError(f"twilio unavailable ({exc.status})", provider="twilio", code=exc.status) from exc
        except (TwilioException, OSError) as exc:
            raise TransientSendError(f"twilio unreachable: {exc.__class__.__name__}", provider="twilio") from exc
        return Receipt(provider="twilio", provider_message_id=message.sid)
