"""Review requests, the review page and what a review does to the journey."""

from typing import Any

import pytest

from saleor_journey.delivery.tokens import review_token
from saleor_journey.models import Journey, ProductReview, ScheduledMessage
from tests.conftest import activate_plugin, delivery_configuration
from tests.flows.test_flows import STORE, send_due

BASE = "/plugins/global/saleor.journey/review"


@pytest.fixture
def shop(esp: Any, twilio: Any, channel: Any, make_user: Any, make_order: Any, make_variant: Any) -> dict[str, Any]:
    from saleor.order.models import OrderLine

    manager = activate_plugin(delivery_configuration(esp, twilio, channel_settings=STORE,
                                                     review_alert_email="staff@bottega.example"))
    user = make_user("anna@example.com")
    order = make_order(user=user)
    variants = [make_variant("Caffè"), make_variant("Moka")]
    for v in variants:
        OrderLine.objects.create(order=order, variant=v, product_name=v.product.name, variant_name=v.name,
                                 quantity=1, unit_price_gross_amount=10)
    manager.order_created(order)
    manager.order_fulfilled(order)
    return {"manager": manager, "user": user, "order": order, "variants": variants}


def token_for(shop: dict[str, Any], index: int = 0) -> str:
    v = shop["variants"][index]
    return review_token(str(shop["order"].pk), v.product_id, v.pk, "it", "it")


def test_the_request_links_each_product_and_the_page_takes_a_review(client: Any, shop: dict[str, Any], esp: Any) -> None:
    request = ScheduledMessage.objects.get(flow="review_request", step="request")
    ScheduledMessage.objects.filter(flow="post_purchase").update(state="cancelled")
    assert send_due(request.due_at).sent == 1
    text = esp.received[0].body["TextBody"]
    links = [line.split(": ", 1)[1] for line in text.splitlines() if "/review/" in line]
    assert len(links) == 2
    assert all(link.startswith("https://api.shop.example.com/plugins/global/saleor.journey/review/") for link in links)
    path = links[0].split("https://api.shop.example.com", 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    assert 'type="radio" name="rating"' in page.content.decode()
    assert 'lang="en"' in page.content.decode()  # the order's language
    response = client.post(path, {"rating": "5", "title": "Ottimo", "text": "<b>buono</b> http://spam.example"})
    assert response.status_code == 200
    assert "Thank you for your review" in response.content.decode()
    review = ProductReview.objects.get()
    assert (review.rating, review.status, review.text) == (5, "pending", "<b>buono</b> http://spam.example")
    assert Journey.objects.get(user_id=shop["user"].pk).stage == "advocacy"


def test_a_link_works_once_and_the_reminder_only_lists_what_is_left(client: Any, shop: dict[str, Any]) -> None:
    path = f"{BASE}/{token_for(shop, 0)}/"
    client.post(path, {"rating": "4"})
    again = client.post(path, {"rating": "1"})
    assert "già stato recensito" in again.content.decode()
    assert ProductReview.objects.count() == 1
    assert ProductReview.objects.get().rating == 4
    client.post(f"{BASE}/{token_for(shop, 1)}/", {"rating": "5"})
    reminder = ScheduledMessage.objects.get(flow="review_request", step="reminder")
    ScheduledMessage.objects.exclude(pk=reminder.pk).update(state="cancelled")
    assert send_due(reminder.due_at).cancelled == 1
    reminder.refresh_from_db()
    assert reminder.reason == "every product already reviewed"


@pytest.mark.parametrize("form", [{"rating": "6"}, {"rating": ""}, {"rating": "3", "text": "x" * 5001}, {"rating": "3", "title": "t" * 121}])
def test_bad_input_is_refused_and_nothing_is_stored(client: Any, shop: dict[str, Any], form: dict[str, str]) -> None:
    response = client.post(f"{BASE}/{token_for(shop)}/", form)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not ProductReview.objects.exists()


def test_forged_or_expired_links_change_nothing(client: Any, shop: dict[str, Any], monkeypatch: Any) -> None:
    import time

    assert client.post(f"{BASE}/forged-token/", {"rating": "5"}).status_code == 400
    token = token_for(shop)
    assert client.post(f"{BASE}/{token[:-2]}xx/", {"rating": "5"}).status_code == 400
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 61 * 86400)  # a link signed 61 days ago
    stale = token_for(shop)
    monkeypatch.setattr(time, "time", real)
    assert client.post(f"{BASE}/{stale}/", {"rating": "5"}).status_code == 400
    assert not ProductReview.objects.exists()


def _links(shop: dict[str, Any], esp: Any) -> list[str]:
    """Return the review links of the request email, as paths on the plugin route."""
    request = ScheduledMessage.objects.get(flow="review_request", step="request")
    ScheduledMessage.objects.filter(flow="post_purchase").update(state="cancelled")
    send_due(request.due_at)
    text = esp.received[-1].body["TextBody"]
    return [line.split(": ", 1)[1].split("https://api.shop.example.com", 1)[1]
            for line in text.splitlines() if "/review/" in line]


def test_each_review_page_names_its_product(client: Any, shop: dict[str, Any], esp: Any) -> None:
    from saleor.product.models import ProductMedia

    ProductMedia.objects.create(product=shop["variants"][0].product, image="products/caffe.jpg", sort_order=0)
    pages = [client.get(link) for link in _links(shop, esp)]
    shown = [page.content.decode() for page in pages]
    assert "<strong>Caffè</strong>" in shown[0]
    assert "<strong>Moka</strong>" in shown[1]
    assert "250 g" in shown[0]
    assert 'src="https://api.shop.example.com/thumbnail/' in shown[0]
    assert "img-src https://api.shop.example.com" in pages[0]["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in pages[0]["Content-Security-Policy"]


def test_a_low_rating_alerts_the_shop_naming_product_and_order(
    client: Any, shop: dict[str, Any], esp: Any, twilio: Any
) -> None:
    from base64 import b64encode

    activate_plugin(delivery_configuration(esp, twilio, channel_settings=STORE, review_alert_email="staff@bottega.example",
                                           dashboard_url="https://shop.example.com/dashboard"))
    link = _links(shop, esp)[1]
    client.post(link, {"rating": "2", "title": "Deluso", "text": "Arrivato rotto"})
    alert = ScheduledMessage.objects.get(flow="review_alert")
    assert alert.recipient == "staff@bottega.example"
    assert alert.marketing is False
    send_due(alert.due_at)
    body = esp.received[-1].body
    order = shop["order"]
    assert body["Subject"] in ("Low review: 2 stars for Moka", "Recensione negativa: 2 stelle per Moka")
    assert "Moka (250 g)" in body["TextBody"]
    assert str(order.number) in body["TextBody"]
    order_id = b64encode(f"Order:{order.pk}".encode()).decode()
    assert f"https://shop.example.com/dashboard/orders/{order_id}" in body["TextBody"]
    assert "Arrivato rotto" in body["TextBody"]
    assert Journey.objects.get(user_id=shop["user"].pk).stage == "purchase"


def test_too_many_attempts_are_rate_limited(client: Any, shop: dict[str, Any]) -> None:
    path = f"{BASE}/{token_for(shop)}/"
    codes = [client.post(path, {"rating": "9"}).status_code for _ in range(12)]
    assert codes[:10] == [400] * 10
    assert codes[10:] == [429, 429]


def test_erasing_the_customer_removes_their_reviews(client: Any, shop: dict[str, Any]) -> None:
    client.post(f"{BASE}/{token_for(shop)}/", {"rating": "5", "text": "Buono"})
    assert ProductReview.objects.count() == 1
    shop["user"].delete()
    assert not ProductReview.objects.exists()
    assert not Journey.objects.filter(email="anna@example.com").exists()


def test_a_review_link_names_the_order_and_product_never_the_customer(shop: dict[str, Any], esp: Any) -> None:
    """Links are signed, not encrypted: anyone holding one can read what it carries."""
    import base64
    import json
    import zlib

    request = ScheduledMessage.objects.get(flow="review_request", step="request")
    ScheduledMessage.objects.filter(flow="post_purchase").update(state="cancelled")
    send_due(request.due_at)
    text = esp.received[0].body["TextBody"]
    for link in (line.split(": ", 1)[1] for line in text.splitlines() if "/review/" in line):
        token = link.rstrip("/").rsplit("/", 1)[1]
        body = token.split(":", 1)[0]
        raw = base64.urlsafe_b64decode(body.lstrip(".") + "=" * (-len(body.lstrip(".")) % 4))
        claims = json.loads(zlib.decompress(raw) if body.startswith(".") else raw)
        # Order, product, variant, language, channel, and what the page shows: product name, variant, order number.
        assert set(claims) <= {"o", "p", "v", "l", "c", "n", "vn", "img", "no"}
        assert "anna" not in link
        assert "anna" not in json.dumps(claims)
