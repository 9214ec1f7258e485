"""Once, even when a task is delivered twice or several workers send to one person at the same moment."""

import threading
from typing import Any

import pytest
from django.db import connection

from saleor_journey.delivery import preferences
from saleor_journey.models import ScheduledMessage

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_redelivered_send_task_never_sends_twice(make_dispatcher: Any, make_message: Any, esp: Any) -> None:
    """The worker stamped the provider call and died; the broker (or a manual retry) hands the task out again."""
    spec = make_message()
    dispatcher = make_dispatcher()
    claim = dispatcher.claim(10)
    ScheduledMessage.objects.filter(dedupe_key=spec.dedupe_key).update(submitting_at=dispatcher.clock())
    assert make_dispatcher().deliver(claim).sent == 0  # the same claim, delivered again
    assert esp.count == 0


def test_two_workers_running_the_same_task_at_once_send_once(make_dispatcher: Any, make_message: Any, esp: Any) -> None:
    for i in range(20):
        make_message(recipient=f"c{i}@example.com")
    claim = make_dispatcher().claim(50)
    results = []

    def work() -> None:
        try:
            results.append(make_dispatcher().deliver(claim).sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recipients = [r.body["To"] for r in esp.received]
    assert sorted(recipients) == sorted(f"c{i}@example.com" for i in range(20))  # each once
    assert sum(results) == 20


def test_the_frequency_cap_holds_when_twenty_workers_claim_for_one_person(
    make_dispatcher: Any, make_message: Any, esp: Any
) -> None:
    preferences.record_consent("email", "anna@example.com", True, source="test")
    for i in range(20):
        make_message(recipient="anna@example.com", subject_key=f"offer{i}", marketing=True)
    claims = [make_dispatcher().claim(1) for _ in range(20)]
    assert sum(len(c.ids) for c in claims) == 20
    barrier = threading.Barrier(20)

    def work(claim: Any) -> None:
        try:
            dispatcher = make_dispatcher()
            barrier.wait()
            dispatcher.deliver(claim)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(claim,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert esp.count == 3  # the default cap: 3 marketing messages in 7 days
    states = list(ScheduledMessage.objects.values_list("state", flat=True))
    assert states.count("sent") == 3
    assert states.count("deferred") == 17


def test_unsubscribing_stops_marketing_only(make_dispatcher: Any, make_message: Any, esp: Any) -> None:
    """The README promises order thank-yous and other service messages still go."""
    preferences.suppress("email", "anna@example.com", reason="unsubscribed", source="link")
    preferences.record_consent("email", "anna@example.com", False, source="unsubscribe link")
    offer = make_message(subject_key="offer", marketing=True)
    thanks = make_message(subject_key="thanks", marketing=False)
    make_dispatcher().deliver(make_dispatcher().claim(10))
    assert ScheduledMessage.objects.get(dedupe_key=offer.dedupe_key).state == "suppressed"
    assert ScheduledMessage.objects.get(dedupe_key=thanks.dedupe_key).state == "sent"
    preferences.suppress("email", "anna@example.com", reason="bounced", source="postmark")  # a hard bounce: nothing
    again = make_message(subject_key="thanks-again", marketing=False)
    make_dispatcher().deliver(make_dispatcher().claim(10))
    assert ScheduledMessage.objects.get(dedupe_key=again.dedupe_key).state == "suppressed"
    assert esp.count == 1
