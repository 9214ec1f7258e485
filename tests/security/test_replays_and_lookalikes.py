"""Replays are one event, look-alike digits are not ids, long addresses fit, real clients still get through."""

import base64
import json
from typing import Any

from graphql.utils.introspection_query import introspection_query

from saleor_journey.delivery import preferences
from saleor_journey.models import Consent, DeliveryEvent, Journey, JourneyEvent, ScheduledMessage
from tests.browsing import FormClient
from tests.hostile import BASE, FULL_WIDTH, LONG_EMAIL, Keys, twilio_signature


def signed_twilio_post(client: Any, keys: Keys, path: str, params: dict[str, str]) -> Any:
    return client.post(f"{BASE}{path}", params, HTTP_X_TWILIO_SIGNATURE=twilio_signature(keys, path, params))


def unsubscribed_events(message_id: int) -> int:
    return DeliveryEvent.objects.filter(message_id=message_id, kind="unsubscribed").count()


def test_a_replayed_unsubscribe_is_recorded_once_and_an_opt_in_makes_the_link_work_again(shop: Keys) -> None:
    client, link = FormClient(), f"{BASE}/unsubscribe/{shop.unsubscribe_token}/"
    message = ScheduledMessage.objects.get(recipient="gone@example.com")
    refused_at = Consent.objects.get(channel="email", address="gone@example.com").recorded_at
    for _ in range(6):  # a mail client retrying the one-click POST, a scanner, a double click
        assert client.post(link, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert unsubscribed_events(message.pk) == 1
    assert Consent.objects.get(channel="email", address="gone@example.com").recorded_at == refused_at

    preferences.set_marketing_consent("email", "gone@example.com", True, source="storefront")  # changed their mind
    assert not preferences.is_suppressed("email", "gone@example.com")
    assert client.post(link, {"List-Unsubscribe": "One-Click"}).status_code == 200  # and back again
    assert unsubscribed_events(message.pk) == 2
    assert preferences.is_suppressed("email", "gone@example.com")
    assert Consent.objects.get(channel="email", address="gone@example.com").granted is False


def postmark_bounce(message_id: str) -> bytes:
    return json.dumps({"RecordType": "Bounce", "ID": 99, "Type": "HardBounce", "TypeCode": 1, "Inactive": True,
                       "MessageID": "4a1e0f3c-0000-0000-0000-000000000001", "Email": "kept@example.com",
                       "BouncedAt": "2026-11-29T10:00:00Z", "Description": "unknown user", "Details": "550 5.1.1",
                       "Metadata": {"journey_message_id": message_id}}).encode()


def test_full_width_digits_in_esp_metadata_are_not_our_message_id(shop: Keys) -> None:
    auth = "Basic " + base64.b64encode(shop.esp_basic_auth.encode()).decode()
    client = FormClient()
    look_alike = str(shop.message_id).translate(FULL_WIDTH)
    assert int(look_alike) == shop.message_id  # what Python's int() would have read
    answer = client.post(f"{BASE}/esp/tracking/", postmark_bounce(look_alike), content_type="application/json",
                         HTTP_AUTHORIZATION=auth)
    assert answer.status_code == 200
    assert not preferences.is_suppressed("email", "kept@example.com")
    client.post(f"{BASE}/esp/tracking/", postmark_bounce(str(shop.message_id)), content_type="application/json",
                HTTP_AUTHORIZATION=auth)
    assert preferences.is_suppressed("email", "kept@example.com")  # the same call with our real id does


def test_full_width_digits_in_a_twilio_error_code_are_not_an_opt_out(shop: Keys, make_message: Any) -> None:
    spec = make_message(channel="sms", recipient="+393331112222")
    ScheduledMessage.objects.filter(dedupe_key=spec.dedupe_key).update(provider_message_id="SM" + "a" * 32, state="sent")
    client = FormClient()
    look_alike = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "undelivered", "ErrorCode": "２１６１０"}
    assert signed_twilio_post(client, shop, "/twilio/status/", look_alike).status_code == 204
    assert not preferences.is_suppressed("sms", "+393331112222")
    real = {**look_alike, "ErrorCode": "21610", "MessageStatus": "failed"}
    assert signed_twilio_post(client, shop, "/twilio/status/", real).status_code == 204
    assert preferences.is_suppressed("sms", "+393331112222")


def test_a_253_character_address_is_a_customer_like_any_other(shop: Keys) -> None:
    client = FormClient()
    mutation = "mutation($e: String) { journeyTrack(event: NEWSLETTER_SIGNUP, email: $e) { recorded errors { code } } }"
    first = client.post(f"{BASE}/graphql/", {"query": mutation, "variables": {"e": LONG_EMAIL}},
                        content_type="application/json").json()
    again = client.post(f"{BASE}/graphql/", {"query": mutation, "variables": {"e": LONG_EMAIL.upper()}},
                        content_type="application/json").json()
    assert first["data"]["journeyTrack"] == {"recorded": True, "errors": []}
    assert again["data"]["journeyTrack"] == {"recorded": False, "errors": []}  # the same person, the same sign-up
    journey = Journey.objects.get(email=LONG_EMAIL)
    assert JourneyEvent.objects.filter(journey=journey).count() == 1


def test_real_clients_get_through_the_limits(shop: Keys) -> None:
    """The explorer's introspection (staff and anonymous) and a staff query with fragments and aliases."""
    client = FormClient()
    staff = {"HTTP_AUTHORIZATION": f"Bearer {shop.staff_token}"}
    answers = []
    for headers in ({}, staff, {}):  # the third is answered from the remembered answer: the same
        answer = client.post(f"{BASE}/graphql/", {"query": introspection_query}, content_type="application/json",
                             **headers)
        assert answer.status_code == 200, answer.content[:300]
        assert "customerJourneys" in answer.content.decode(), answer.content[:300]
        answers.append(answer.json())
    assert answers[0] == answers[1] == answers[2]
    dashboard = """
      fragment Money on Money { currency amount }
      fragment Flow on FlowResult { flow triggered sent converted revenue { ...Money } }
      query Dashboard {
        week: journeyMetrics(period: {gte: "2026-11-22T00:00:00Z"}) { flows { ...Flow } recoveredRevenue { ...Money } }
        month: journeyMetrics { flows { ...Flow } recoveredRevenue { ...Money } }
        funnel: journeyFunnel { stages { stage customers reached } lapsed }
      }"""
    answer = client.post(f"{BASE}/graphql/", {"query": dashboard, "operationName": "Dashboard"},
                         content_type="application/json", **staff)
    assert answer.status_code == 200, answer.content
    assert "errors" not in answer.json(), answer.content
