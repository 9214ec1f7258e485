"""Why carts were left: the question in the cart emails, the page it opens, what an answer does, and the figures."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saleor_journey.config import JourneySettings
from saleor_journey.delivery.tokens import cart_reason_token, review_token, unsubscribe_token
from saleor_journey.exceptions import ConfigurationError
from saleor_journey.models import CartReason, Journey, ScheduledMessage
from saleor_journey.services import figures
from tests.conftest import activate_plugin, delivery_configuration
from tests.flows.test_flows import STORE, flows_manager, messages, send_due  # noqa: F401
from tests.graphql.conftest import MANAGE_ORDERS, URL, token_for  # noqa: F401

HOST = "https://api.shop.example.com"
REASONS = ["price", "shipping_cost", "delivery_time", "payment_options", "just_looking", "other"]


def reason_links(text: str) -> dict[str, str]:
    """Return the email's "Tell us why" links, reason -> path on the plugin route."""
    return {code: path for path, code in re.findall(rf"{HOST}(/\S*/cart-reason/\S+/)\?reason=(\w+)", text)}


def waiting() -> set[str]:
    return {m.step for m in messages("abandoned_cart") if m.state in ("pending", "deferred")}


@pytest.fixture
def reminded(flows_manager: Any, make_checkout: Any, esp: Any) -> dict[str, Any]:  # noqa: F811
    """Remind an Italian customer of a cart; return the links as they are in the email."""
    checkout = make_checkout(email="anna@example.com", lines=1)
    checkout.language_code = "it"
    checkout.save()
    flows_manager.checkout_created(checkout)
    assert send_due(messages("abandoned_cart")[0].due_at).sent == 1
    body = esp.received[-1].body
    return {"checkout": checkout, "body": body, "links": reason_links(body["TextBody"]), "manager": flows_manager}


def test_each_cart_email_asks_why_with_a_link_per_reason_in_the_customers_language(reminded: dict[str, Any]) -> None:
    body = reminded["body"]
    assert "Non acquisti per ora? Dicci perché:" in body["TextBody"]
    assert "- Il costo di spedizione: https://api.shop.example.com/plugins/global/saleor.journey/cart-reason/" in body["TextBody"]
    assert list(reminded["links"]) == REASONS
    assert len(set(reminded["links"].values())) == 1  # one page; the link names the reason
    html = body["HtmlBody"]
    assert html.count("/cart-reason/") == 6
    assert ">Sto solo guardando</a>" in html


def test_the_text_reminder_carries_no_question(flows_manager: Any, make_checkout: Any, twilio: Any) -> None:  # noqa: F811
    from saleor.account.models import Address

    from saleor_journey.delivery import preferences

    checkout = make_checkout(email="anna@example.com")
    preferences.record_consent("sms", "+393331234567", True, source="checkout")
    checkout.billing_address = Address.objects.create(phone="+393331234567")
    checkout.save()
    flows_manager.checkout_created(checkout)
    sms = ScheduledMessage.objects.get(step="reminder_2_sms")
    ScheduledMessage.objects.exclude(pk=sms.pk).update(state="cancelled")
    assert send_due(sms.due_at).sent == 1
    assert "cart-reason" not in twilio.received[-1].body["Body"]


def test_opening_the_links_changes_nothing(client: Any, reminded: dict[str, Any]) -> None:
    """Mail scanners open every link of an email: a link alone never answers for the customer."""
    for code, path in reminded["links"].items():
        page = client.get(path, {"reason": code})
        assert page.status_code == 200
        html = page.content.decode()
        assert f'value="{code}" required checked' in html
        assert html.count(" checked") == 1
        assert '<html lang="it">' in html
    assert not CartReason.objects.exists()
    assert waiting() == {"reminder_2", "reminder_3"}


def test_a_reason_is_recorded_and_the_reminders_go_on(client: Any, reminded: dict[str, Any]) -> None:
    path = reminded["links"]["shipping_cost"]
    page = client.post(path, {"reason": "shipping_cost"})
    assert page.status_code == 200
    assert "Grazie per avercelo detto." in page.content.decode()
    assert "Non ti invieremo altri promemoria" not in page.content.decode()
    answer = CartReason.objects.get()
    assert (answer.reason, answer.text, answer.stopped, answer.language, answer.channel_slug) == (
        "shipping_cost", "", False, "it", "it")
    assert answer.journey_id == Journey.objects.get(email="anna@example.com").pk
    assert waiting() == {"reminder_2", "reminder_3"}


def test_just_looking_stops_the_cart_and_a_later_change_starts_no_new_reminders(
    client: Any, reminded: dict[str, Any]
) -> None:
    page = client.post(reminded["links"]["just_looking"], {"reason": "just_looking"})
    assert "Non ti invieremo altri promemoria per questo carrello." in page.content.decode()
    assert waiting() == set()
    assert {m.reason for m in messages("abandoned_cart") if m.state == "cancelled"} == {"stopped by the customer"}
    checkout = reminded["checkout"]
    checkout.last_change = timezone.now() + timedelta(days=10)  # back after the cool-down, the cart changed
    checkout.save()
    reminded["manager"].checkout_updated(checkout)
    assert waiting() == set()
    assert ScheduledMessage.objects.filter(flow="abandoned_cart").count() == 3  # no new sequence


def test_another_cart_of_the_same_customer_is_still_reminded(
    client: Any, reminded: dict[str, Any], make_checkout: Any
) -> None:
    client.post(reminded["links"]["just_looking"], {"reason": "just_looking"})
    reminded["manager"].checkout_created(make_checkout(email="anna@example.com"))
    assert len(waiting()) == 3


def test_any_reason_stops_the_reminders_when_the_customer_asks(client: Any, reminded: dict[str, Any]) -> None:
    page = client.post(reminded["links"]["price"], {"reason": "price", "stop": "1"})
    assert page.status_code == 200
    assert CartReason.objects.get().stopped
    assert waiting() == set()


def test_a_second_answer_replaces_the_first_and_a_stop_stays(client: Any, reminded: dict[str, Any]) -> None:
    path = reminded["links"]["price"]
    client.post(path, {"reason": "price"})
    first = CartReason.objects.get()
    again = client.get(path)  # the same link later: the answer given is shown, and can be changed
    assert 'value="price" required checked' in again.content.decode()
    assert "Hai già risposto" in again.content.decode()
    client.post(path, {"reason": "other", "text": "  Aspetto   lo stipendio  "})
    answer = CartReason.objects.get()
    assert (answer.pk, answer.reason, answer.text) == (first.pk, "other", "Aspetto lo stipendio")
    assert answer.created_at == first.created_at
    assert answer.updated_at > first.updated_at
    client.post(path, {"reason": "just_looking"})
    client.post(path, {"reason": "delivery_time", "text": "ignored without other"})
    answer = CartReason.objects.get()
    assert (answer.reason, answer.text, answer.stopped) == ("delivery_time", "", True)
    assert waiting() == set()  # changing the answer does not restart the reminders


@pytest.mark.parametrize("form", [
    {"reason": "cheap"}, {"reason": ""}, {"reason": "other", "text": "x" * 301}, {"reason": "price", "text": "\x00"},
])
def test_bad_answers_are_refused_and_nothing_changes(client: Any, reminded: dict[str, Any], form: dict[str, str]) -> None:
    page = client.post(reminded["links"]["price"], form)
    assert page.status_code == 400
    assert not CartReason.objects.exists()
    assert waiting() == {"reminder_2", "reminder_3"}


def test_a_multipart_post_is_refused(reminded: dict[str, Any]) -> None:
    assert Client().post(reminded["links"]["price"], {"reason": "just_looking"}).status_code == 415
    assert not CartReason.objects.exists()


def test_forged_expired_or_foreign_links_change_nothing(
    client: Any, reminded: dict[str, Any], monkeypatch: Any
) -> None:
    import time

    base = "/plugins/global/saleor.journey/cart-reason"
    reminder = messages("abandoned_cart")[0]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 31 * 86400)  # a link sent 31 days ago
    stale = cart_reason_token(reminder.pk)
    monkeypatch.setattr(time, "time", real)
    other_flow = ScheduledMessage.objects.create(
        dedupe_key="x", flow="win_back", step="email", subject_key="w", channel="email", recipient="anna@example.com",
        due_at=timezone.now())
    for token in ("forged", cart_reason_token(reminder.pk)[:-2] + "xx", stale, unsubscribe_token(reminder.pk),
                  review_token("1", 1, None, "it", "it"), cart_reason_token(other_flow.pk), cart_reason_token(10**9)):
        assert client.get(f"{base}/{token}/").status_code == 400
        assert client.post(f"{base}/{token}/", {"reason": "just_looking"}).status_code == 400
    assert not CartReason.objects.exists()
    assert waiting() == {"reminder_2", "reminder_3"}


def test_too_many_answers_from_one_link_are_rate_limited(client: Any, reminded: dict[str, Any]) -> None:
    path = reminded["links"]["price"]
    codes = [client.post(path, {"reason": "nope"}).status_code for _ in range(12)]
    assert codes[:10] == [400] * 10
    assert codes[10:] == [429, 429]


def test_the_owner_words_the_question_and_reasons(
    esp: Any, twilio: Any, channel: Any, make_checkout: Any, client: Any
) -> None:
    texts = '{"abandoned_cart/reasons": {"it": {"question": "Perché no?", "shipping_cost": "Spedizione troppo cara"}}}'
    manager = activate_plugin(delivery_configuration(esp, twilio, channel_settings=STORE, message_texts=texts))
    checkout = make_checkout(email="anna@example.com")
    checkout.language_code = "it"
    checkout.save()
    manager.checkout_created(checkout)
    send_due(messages("abandoned_cart")[0].due_at)
    text = esp.received[-1].body["TextBody"]
    assert "Perché no?\n- Il prezzo: " in text
    assert "- Spedizione troppo cara: " in text
    page = client.get(reason_links(text)["shipping_cost"]).content.decode()
    assert all(words in page for words in ("Perché no?", "Spedizione troppo cara", "Il prezzo"))


@pytest.mark.parametrize(("words", "named"), [
    ({"it": {"cheap": "Costa poco"}}, "abandoned_cart/reasons it: 'cheap' is not a part"),
    ({"it": {"price": "Prezzo {{ shop_name }}"}}, "write words only"),
    ({"it": {"price": "Due\nrighe"}}, "must be one line"),
    ({"xx": {"price": "Prezzo"}}, "'xx' is not one of the languages"),
])
def test_owner_words_that_cannot_be_shown_are_refused_at_save(
    esp: Any, twilio: Any, words: dict[str, Any], named: str
) -> None:
    import json

    config = delivery_configuration(esp, twilio, message_texts=json.dumps({"abandoned_cart/reasons": words}))
    with pytest.raises(ConfigurationError, match=re.escape(named)):
        JourneySettings.from_configuration(config)


def test_erasing_the_customer_removes_their_answers(
    client: Any, flows_manager: Any, make_checkout: Any, make_user: Any, esp: Any  # noqa: F811
) -> None:
    user = make_user("carla@example.com")
    flows_manager.checkout_created(make_checkout(email="carla@example.com", user=user))
    send_due(messages("abandoned_cart")[0].due_at)
    client.post(reason_links(esp.received[-1].body["TextBody"])["other"], {"reason": "other", "text": "Ci penso"})
    assert CartReason.objects.count() == 1
    user.delete()
    assert not CartReason.objects.exists()
    assert not Journey.objects.filter(email="carla@example.com").exists()


METRICS = """query M($period: PeriodInput, $channel: String) { journeyMetrics(period: $period, channel: $channel) {
  abandonedCarts cartsWithItems abandonedCheckouts abandonmentRate cartReasonsGiven
  cartReasons { reason answers share } } }"""


def test_abandonment_rate_and_reasons_match_a_hand_count_in_the_api_and_the_report(
    client: Any, flows_manager: Any, make_checkout: Any, make_order: Any, esp: Any, token_for: Any,  # noqa: F811
) -> None:
    """Five carts with an item and one empty: one bought at once, four left; three customers say why."""
    carts = [make_checkout(email=f"c{i}@example.com") for i in range(5)]
    empty = make_checkout(email="empty@example.com", lines=0)
    for checkout in (*carts, empty):
        flows_manager.checkout_created(checkout)
    for checkout in carts:  # a cart changed twice is still one cart
        checkout.save()
        flows_manager.checkout_updated(checkout)
    flows_manager.order_created(make_order(email="c0@example.com", checkout=carts[0]))
    due = max(m.due_at for m in messages("abandoned_cart") if m.step == "reminder_1")
    assert send_due(due).sent == 4
    links = {m.recipient: reason_links(m.body["TextBody"]) for m in _bodies(esp)}
    client.post(links["c1@example.com"]["shipping_cost"], {"reason": "shipping_cost"})
    client.post(links["c2@example.com"]["shipping_cost"], {"reason": "shipping_cost"})
    client.post(links["c3@example.com"]["price"], {"reason": "price"})
    client.post(links["c3@example.com"]["price"], {"reason": "just_looking"})  # changed their mind: counts once
    period = {"gte": (timezone.now() - timedelta(days=1)).isoformat(), "lte": (timezone.now() + timedelta(days=1)).isoformat()}

    def api() -> dict[str, Any]:
        answer = Client().post(URL, {"query": METRICS, "variables": {"period": period}}, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {token_for(MANAGE_ORDERS)}")
        return answer.json()["data"]["journeyMetrics"]

    live = api()
    assert (live["cartsWithItems"], live["abandonedCheckouts"], live["abandonmentRate"]) == (5, 4, 0.8)
    assert live["abandonedCarts"] == 4
    assert live["cartReasonsGiven"] == 3
    shares = {r["reason"]: (r["answers"], r["share"]) for r in live["cartReasons"]}
    assert shares == {"PRICE": (0, 0.0), "SHIPPING_COST": (2, 0.6667), "DELIVERY_TIME": (0, 0.0),
                      "PAYMENT_OPTIONS": (0, 0.0), "JUST_LOOKING": (1, 0.3333), "OTHER": (0, 0.0)}
    figures.refresh()
    assert api() == live  # the stored figures say the same
    from tests.report.test_report import get, row

    html = get(token_for(MANAGE_ORDERS), days="7").content.decode()
    assert "80.0%" in html.split('id="abandonment"', 1)[1].split("</div>", 1)[0]
    assert "4 of 5 carts with an item were not bought" in html
    assert row(html, "cart-reason-shares", "shipping_cost") == ["Shipping cost", "2", "66.7%"]
    assert row(html, "cart-reason-shares", "just_looking") == ["Just looking", "1", "33.3%"]
    assert "The reason given most: Shipping cost (66.7%)." in html
    assert Client().post(URL, {"query": METRICS, "variables": {"period": period, "channel": "de"}},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token_for(MANAGE_ORDERS)}",
                         ).json()["data"]["journeyMetrics"]["cartsWithItems"] == 0


def _bodies(esp: Any) -> list[Any]:
    class Sent:
        def __init__(self, body: dict[str, Any]) -> None:
            self.recipient, self.body = body["To"], body

    return [Sent(r.body) for r in esp.received]


def test_no_carts_no_rate(flows_manager: Any, token_for: Any) -> None:  # noqa: F811
    period = {"gte": (timezone.now() - timedelta(days=1)).isoformat()}
    m = Client().post(URL, {"query": METRICS, "variables": {"period": period}}, content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {token_for(MANAGE_ORDERS)}").json()["data"]["journeyMetrics"]
    assert (m["cartsWithItems"], m["abandonmentRate"], m["cartReasonsGiven"]) == (0, None, 0)
    assert {r["share"] for r in m["cartReasons"]} == {None}


def test_a_cart_answered_in_time_is_not_counted_twice_when_its_email_was_corrected(
    client: Any, reminded: dict[str, Any], token_for: Any  # noqa: F811
) -> None:
    """The guest fixed a typo in the address: the cart moves to the new journey, still one cart."""
    checkout = reminded["checkout"]
    checkout.email = "anna.rossi@example.com"
    checkout.save()
    reminded["manager"].checkout_updated(checkout)
    period = {"gte": (timezone.now() - timedelta(days=1)).isoformat()}
    m = Client().post(URL, {"query": METRICS, "variables": {"period": period}}, content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {token_for(MANAGE_ORDERS)}").json()["data"]["journeyMetrics"]
    assert m["cartsWithItems"] == 1
