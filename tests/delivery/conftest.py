"""Delivery fixtures: local ESP and Twilio peers, and plugin settings that point at them."""

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from saleor_journey.config import JourneySettings
from saleor_journey.delivery.channels import build_channels
from saleor_journey.delivery.dispatcher import Dispatcher
from saleor_journey.services.outbox import MessageSpec, schedule
from tests.conftest import delivery_configuration
from tests.peers import Peer


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
