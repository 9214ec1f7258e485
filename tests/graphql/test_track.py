"""journeyTrack: a storefront reports sign-ups and product views; the journey moves, floods are refused."""

from typing import Any

import pytest
from django.core.cache import cache
from graphene import relay

from saleor_journey.models import Journey, JourneyEvent
from tests.graphql.conftest import Answer

TRACK = """mutation T($event: JourneyTrackEvent!, $email: String, $checkout: ID, $product: ID) {
  journeyTrack(event: $event, email: $email, checkout: $checkout, product: $product, channel: "it") {
    recorded stage errors { field code message } } }"""


@pytest.fixture
def track(api: Any, channel: Any) -> Any:
    cache.clear()  # rate-limit counters live in Django's cache

    def call(**variables: Any) -> dict[str, Any]:
        answer: Answer = api(TRACK, variables)
        assert answer.status == 200, answer.body
        return answer.data["journeyTrack"]

    yield call
    cache.clear()


PRODUCT = relay.Node.to_global_id("Product", 12)


def test_a_sign_up_starts_a_journey_and_a_view_moves_it_to_consideration(track: Any) -> None:
    # Anonymous: recorded, but nobody learns a stage they could look up for any address.
    assert track(event="NEWSLETTER_SIGNUP", email=" Carla@Example.com ") == {"recorded": True, "stage": None, "errors": []}
    assert track(event="NEWSLETTER_SIGNUP", email="carla@example.com")["recorded"] is False  # once
    assert track(event="PRODUCT_VIEWED", email="carla@example.com", product=PRODUCT) == {
        "recorded": True, "stage": None, "errors": []}
    assert track(event="PRODUCT_VIEWED", email="carla@example.com", product=PRODUCT)["recorded"] is False  # same hour
    journey = Journey.objects.get(email="carla@example.com")
    assert journey.stage == "consideration"
    assert list(JourneyEvent.objects.filter(journey=journey).values_list("kind", "channel", "payload")) == [
        ("newsletter_signup", "it", {}), ("product_viewed", "it", {"product": 12})]


def test_a_view_by_cart_joins_the_cart_s_journey(track: Any, make_checkout: Any) -> None:
    from saleor.plugins.manager import get_plugins_manager

    checkout = make_checkout(email="dario@example.com")
    get_plugins_manager(allow_replica=False).checkout_created(checkout)  # the hook records the cart
    answer = track(event="PRODUCT_VIEWED", checkout=relay.Node.to_global_id("Checkout", checkout.pk), product=PRODUCT)
    assert answer["recorded"] is True
    assert answer["errors"] == []
    assert JourneyEvent.objects.filter(kind="product_viewed", journey__email="dario@example.com").count() == 1
    unknown = track(event="PRODUCT_VIEWED", checkout=relay.Node.to_global_id("Checkout", "0b7c7f5e-9f3a-4d7e-8a59-2f1c9e0f4a11"),
                    product=PRODUCT)
    assert unknown["errors"][0]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(("variables", "field"), [
    ({"event": "NEWSLETTER_SIGNUP", "email": "not an address"}, "email"),
    ({"event": "NEWSLETTER_SIGNUP"}, "email"),
    ({"event": "PRODUCT_VIEWED", "email": "a@example.com"}, "product"),
    ({"event": "PRODUCT_VIEWED", "email": "a@example.com", "product": "junk"}, "product"),
    ({"event": "PRODUCT_VIEWED", "checkout": relay.Node.to_global_id("Order", 1), "product": PRODUCT}, "checkout"),
    ({"event": "PRODUCT_VIEWED", "product": PRODUCT}, "email"),
])
def test_bad_input_records_nothing(track: Any, variables: dict[str, Any], field: str) -> None:
    answer = track(**variables)
    assert answer["recorded"] is False
    assert answer["errors"][0]["field"] == field
    assert answer["errors"][0]["code"] == "INVALID"
    assert not JourneyEvent.objects.exists()


def test_floods_are_refused(track: Any) -> None:
    for n in range(30):
        assert track(event="PRODUCT_VIEWED", email="bot@example.com", product=relay.Node.to_global_id("Product", n))["errors"] == []
    refused = track(event="PRODUCT_VIEWED", email="bot@example.com", product=relay.Node.to_global_id("Product", 99))
    assert refused["errors"][0]["code"] == "NOT_ALLOWED"
    assert JourneyEvent.objects.count() == 30
    for n in range(29):  # 60 calls a minute from one address, whoever they are about
        track(event="NEWSLETTER_SIGNUP", email=f"list{n}@example.com")
    assert track(event="NEWSLETTER_SIGNUP", email="one-too-many@example.com")["errors"][0]["code"] == "NOT_ALLOWED"


def test_behind_a_load_balancer_one_busy_storefront_visitor_does_not_block_the_others(channel: Any) -> None:
    """Saleor reads the caller from X-Forwarded-For; REMOTE_ADDR is the balancer's for everyone."""
    from django.test import Client

    from tests.conftest import activate_plugin
    from tests.graphql.conftest import URL

    activate_plugin([])

    def signup(visitor: str, email: str) -> dict[str, Any]:
        response = Client().post(
            URL, {"query": TRACK, "variables": {"event": "NEWSLETTER_SIGNUP", "email": email}},
            content_type="application/json", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{visitor}, 10.0.0.2")
        return response.json()["data"]["journeyTrack"]

    for n in range(60):
        assert signup("203.0.113.7", f"list{n}@example.com")["errors"] == []
    assert signup("203.0.113.7", "one-too-many@example.com")["errors"][0]["code"] == "NOT_ALLOWED"
    assert signup("198.51.100.8", "anna@example.com")["recorded"] is True  # another visitor, same balancer


def test_an_anonymous_caller_cannot_move_a_customer_or_learn_their_stage(
    api: Any, channel: Any, make_user: Any, token_for: Any
) -> None:
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.core.stages import Stage

    anna = make_user("anna@example.com")
    get_plugins_manager(allow_replica=False).customer_created(anna)
    view = {"event": "PRODUCT_VIEWED", "email": "anna@example.com", "product": PRODUCT}
    refused = api(TRACK, view).data["journeyTrack"]
    assert refused["errors"][0]["code"] == "NOT_ALLOWED"
    assert refused["stage"] is None
    assert Journey.objects.get(user_id=anna.pk).stage == Stage.AWARENESS  # not moved, metadata untouched
    from saleor.core.jwt import create_access_token

    herself = api(TRACK, view, token=create_access_token(anna)).data["journeyTrack"]  # signed in as herself
    assert herself == {"recorded": True, "stage": "CONSIDERATION", "errors": []}
    staff = api(TRACK, {**view, "product": relay.Node.to_global_id("Product", 13)},
                token=token_for("account.manage_users")).data["journeyTrack"]
    assert staff["stage"] == "CONSIDERATION"
    bad_channel = api(TRACK.replace('channel: "it"', 'channel: "x"'), {"event": "NEWSLETTER_SIGNUP",
                                                                        "email": "new@example.com"}).data
    assert bad_channel["journeyTrack"]["errors"][0]["field"] == "channel"
    assert not Journey.objects.filter(email="new@example.com").exists()
