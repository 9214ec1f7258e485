"""journeyMetrics: the flows' results over a period, as a shop owner's dashboard or a BI job reads them."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from saleor_journey.models import ProductReview, ScheduledMessage
from tests.delivery.test_inbound import esp_post
from tests.flows.test_flows import flows_manager, messages, send_due  # noqa: F401
from tests.graphql.conftest import MANAGE_ORDERS, MANAGE_USERS, URL, token_for  # noqa: F401

METRICS = """query M($channel: String, $period: PeriodInput) { journeyMetrics(channel: $channel, period: $period) {
  abandonedCarts remindersSent cartsRecovered recoveryRate recoveredRevenue { currency amount }
  reviewRequestsSent reviewsReceived reviewRate averageRating promoterShare
  flows { flow triggered sent suppressed cancelled converted revenue { currency amount } }
  delivery { channel sent delivered opened clicked bounced complained failed } } }"""


def ask(token: str | None, **variables: Any) -> Any:
    # The reminders went out an hour from now (the dispatcher's clock was set to their due time).
    variables.setdefault("period", {"gte": (timezone.now() - timedelta(days=1)).isoformat(),
                                    "lte": (timezone.now() + timedelta(days=1)).isoformat()})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(URL, {"query": METRICS, "variables": variables}, content_type="application/json", **headers)


def test_metrics_add_up_what_the_flows_did(
    flows_manager: Any, make_checkout: Any, make_order: Any, make_user: Any, token_for: Any  # noqa: F811
) -> None:
    bought, left = make_checkout(email="anna@example.com"), make_checkout(email="bruno@example.com")
    for checkout in (bought, left):
        flows_manager.checkout_created(checkout)
    first = messages("abandoned_cart")[0]
    assert send_due(first.due_at + timedelta(minutes=1)).sent == 2  # both first reminders
    order = make_order(email="anna@example.com", checkout=bought, total=Decimal("59.90"))
    flows_manager.order_created(order)
    sent = ScheduledMessage.objects.get(recipient="anna@example.com", step="reminder_1")
    now = timezone.now().isoformat()
    client = Client()
    esp_post(client, {"RecordType": "Delivery", "MessageID": "pm-1", "Recipient": sent.recipient, "DeliveredAt": now,
                      "Metadata": {"journey_message_id": str(sent.pk)}})
    esp_post(client, {"RecordType": "Open", "MessageID": "pm-1", "Recipient": sent.recipient, "ReceivedAt": now,
                      "Metadata": {"journey_message_id": str(sent.pk)}})
    for rating in (5, 4, 2):
        ProductReview.objects.create(product_id=rating, order_id=f"o{rating}", rating=rating)

    answer = ask(token_for(MANAGE_ORDERS))
    assert answer.status_code == 200, answer.content
    m = answer.json()["data"]["journeyMetrics"]
    assert (m["abandonedCarts"], m["remindersSent"], m["cartsRecovered"], m["recoveryRate"]) == (2, 2, 1, 0.5)
    assert m["recoveredRevenue"] == [{"currency": "EUR", "amount": "59.90"}]
    assert (m["reviewsReceived"], m["averageRating"], m["promoterShare"]) == (3, 3.67, 0.6667)
    assert m["reviewRequestsSent"] == 0
    assert m["reviewRate"] is None
    cart = next(f for f in m["flows"] if f["flow"] == "abandoned_cart")
    assert (cart["triggered"], cart["sent"], cart["cancelled"], cart["converted"]) == (2, 2, 2, 1)
    assert m["delivery"] == [{"channel": "email", "sent": 2, "delivered": 1, "opened": 1, "clicked": 0,
                              "bounced": 0, "complained": 0, "failed": 0}]
    assert ask(token_for(MANAGE_ORDERS, email="de@example.com"), channel="de").json()["data"]["journeyMetrics"][
        "abandonedCarts"] == 0
    refused = ask(token_for(MANAGE_USERS, email="support@example.com"))
    assert refused.status_code == 403
    assert refused.json()["data"] == {"journeyMetrics": None}
    assert ask(None).status_code == 401


def test_a_cart_bought_before_its_first_reminder_was_never_abandoned(
    flows_manager: Any, make_checkout: Any, make_order: Any, token_for: Any  # noqa: F811
) -> None:
    """As in a real shop: two carts bought at once, one bought after its reminder, one left."""
    quick = [make_checkout(email=f"quick{i}@example.com") for i in range(2)]
    reminded, left = make_checkout(email="anna@example.com"), make_checkout(email="bruno@example.com")
    for checkout in (*quick, reminded, left):
        flows_manager.checkout_created(checkout)
    for checkout in quick:  # bought a minute later: nothing was abandoned
        flows_manager.order_created(make_order(email=checkout.email, checkout=checkout))
    token = token_for(MANAGE_ORDERS)
    m = ask(token).json()["data"]["journeyMetrics"]
    assert (m["abandonedCarts"], m["cartsRecovered"], m["recoveryRate"]) == (0, 0, None)  # not "0 / 4, 0.0 %"
    first = messages("abandoned_cart")[0].due_at
    assert send_due(first + timedelta(minutes=1)).sent == 2  # the delay passed for the two carts still open
    flows_manager.order_created(make_order(email="anna@example.com", checkout=reminded, total=Decimal("20.00")))
    m = ask(token).json()["data"]["journeyMetrics"]
    assert (m["abandonedCarts"], m["cartsRecovered"], m["recoveryRate"]) == (2, 1, 0.5)
    cart = next(f for f in m["flows"] if f["flow"] == "abandoned_cart")
    assert cart["triggered"] == 4  # sequences started, for comparison
