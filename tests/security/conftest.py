"""A configured shop for the hostile requests: email (Postmark) and Twilio set up, a staff token, real links."""

from typing import Any

import pytest

from saleor_journey.delivery.tokens import cart_reason_token, nps_token, review_token, unsubscribe_token
from saleor_journey.models import ScheduledMessage
from tests.browsing import FormClient
from tests.conftest import activate_plugin, delivery_configuration
from tests.delivery.conftest import make_message  # noqa: F401
from tests.graphql.conftest import MANAGE_ORDERS, MANAGE_USERS, token_for  # noqa: F401
from tests.hostile import BASE, Keys


@pytest.fixture
def shop(
    esp: Any, twilio: Any, channel: Any,
    make_message: Any, token_for: Any,  # noqa: F811 - the fixtures imported above for pytest to find, passed in by name
    make_order: Any, make_variant: Any,
) -> Keys:
    activate_plugin(delivery_configuration(esp, twilio))
    gone = ScheduledMessage.objects.get(dedupe_key=make_message(recipient="gone@example.com").dedupe_key)
    kept = ScheduledMessage.objects.get(dedupe_key=make_message(recipient="kept@example.com").dedupe_key)
    cart = ScheduledMessage.objects.get(dedupe_key=make_message(
        recipient="cart@example.com", flow="abandoned_cart", step="reminder_1", subject_key="checkout:00000000-0000-0000-0000-000000000001",
        context={"checkout": "00000000-0000-0000-0000-000000000001"}).dedupe_key)
    order, variant = make_order(), make_variant()
    survey = ScheduledMessage.objects.get(dedupe_key=make_message(
        recipient="nps@example.com", flow="nps_survey", step="survey", subject_key=f"order:{order.pk}",
        context={"order": str(order.pk)}).dedupe_key)
    keys = Keys(
        staff_token=token_for(MANAGE_USERS, MANAGE_ORDERS, email="owner@example.com"),
        unsubscribe_token=unsubscribe_token(gone.pk),
        review_token=review_token(str(order.pk), variant.product_id, variant.pk, "it", "it", product="Moka"),
        twilio_auth_token="twilio-auth-token",
        public_base="https://api.shop.example.com",
        esp_basic_auth="esp:hook-secret",
        message_id=kept.pk,
        cart_reason_token=cart_reason_token(cart.pk),
        nps_token=nps_token(survey.pk),
    )
    # The unsubscribe link was used once already: what the probes send is a replay.
    assert FormClient().post(f"{BASE}/unsubscribe/{keys.unsubscribe_token}/", {}).status_code == 200
    return keys
