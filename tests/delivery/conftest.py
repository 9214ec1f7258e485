"""Delivery fixtures: local ESP and Twilio peers, and plugin settings that point at them."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from saleor_journey.config import JourneySettings
from saleor_journey.delivery.channels import build_channels
from saleor_journey.delivery.dispatcher import Dispatcher
from saleor_journey.delivery.outbox import MessageSpec, schedule
from tests.peers import Peer, postmark_answer, serve, twilio_answer


@pytest.fixture
def esp() -> Iterator[Peer]:
    with serve(postmark_answer) as peer:
        yield peer


@pytest.fixture
def twilio() -> Iterator[Peer]:
    with serve(twilio_answer) as peer:
        yield peer


def delivery_configuration(esp: Peer, twilio: Peer, **overrides: str) -> list[dict[str, str]]:
    values = {
        "public_base_url": "https://api.shop.example.com",
        "default_sender": "Bottega <shop@example.com>",
        "email_esp": "postmark",
        "email_api_key": "pm-server-token",
        "email_api_url": esp.url,
        "email_webhook_secret": "esp:hook-secret",
        "twilio_account_sid": "AC" + "1" * 32,
        "twilio_auth_token": "twilio-auth-token",
        "twilio_sms_from": "+390212345678",
        "twilio_whatsapp_from": "+390212345679",
        "twilio_api_url": twilio.url,
        "quiet_hours": "off",
        "channel_settings": '{"it": {"sender_name": "Bottega", "sender_email": "ciao@bottega.example",'
        ' "language": "it", "timezone": "Europe/Rome", "country": "IT"}}',
        **overrides,
    }
    return [{"name": k, "value": v} for k, v in values.items()]


@pytest.fixture
def make_dispatcher(esp: Peer, twilio: Peer) -> Any:
    def make(clock: Any = timezone.now, **overrides: str) -> Dispatcher:
        settings = JourneySettings.from_configuration(delivery_configuration(esp, twilio, **overrides))
        return Dispatcher(settings, build_channels(settings.delivery), clock=clock)

    return make


@pytest.fixture
def make_message(db: Any) -> Any:
    counter = iter(range(1, 10**6))

    def make(
        channel: str = "email",
        recipient: str = "anna@example.com",
        due_at: datetime | None = None,
        flow: str = "notice",
        step: str = "message",
        **fields: Any,
    ) -> MessageSpec:
        spec = MessageSpec(
            flow=flow,
            step=step,
            subject_key=fields.pop("subject_key", f"s{next(counter)}"),
            channel=channel,
            recipient=recipient,
            due_at=due_at or timezone.now(),
            channel_slug=fields.pop("channel_slug", "it"),
            language=fields.pop("language", "it"),
            context=fields.pop("context", {"headline": "Il tuo carrello ti aspetta", "body": "Torna a trovarci."}),
            **fields,
        )
        assert schedule(spec)
        return spec

    return make
