"""Real celery beat and worker subprocesses send what is due, once each, through the local peers."""

import time
from typing import Any

import pytest
from django.utils import timezone

from saleor_journey.models import ScheduledMessage
from saleor_journey.services.outbox import MessageSpec, schedule
from tests.conftest import activate_plugin, delivery_configuration
from tests.worker import celery_beat, celery_worker, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_send_every_due_message_once(esp: Any, twilio: Any, channel: Any) -> None:
    activate_plugin(delivery_configuration(esp, twilio))
    now = timezone.now()
    for i in range(30):
        assert schedule(
            MessageSpec(flow="notice", step="message", subject_key=f"c{i}", channel="email",
                        recipient=f"c{i}@example.com", due_at=now, channel_slug="it", language="it",
                        context={"headline": "Ciao", "body": "x"})
        )
    later = MessageSpec(flow="notice", step="message", subject_key="later", channel="email",
                        recipient="later@example.com", due_at=now + timezone.timedelta(hours=2), channel_slug="it")
    schedule(later)
    with celery_worker(), celery_beat(sweep_seconds=1):
        assert wait_for(lambda: ScheduledMessage.objects.filter(state="sent").count() == 30, timeout=40.0)
        time.sleep(2)  # a few more sweeps: nothing is sent twice, nothing early
    recipients = [r.body["To"] for r in esp.received]
    assert len(recipients) == 30
    assert len(set(recipients)) == 30
    assert ScheduledMessage.objects.get(dedupe_key=later.dedupe_key).state == "pending"
