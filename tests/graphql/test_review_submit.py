"""reviewSubmit: a storefront's own review form posts through the API with the link's token."""

from typing import Any

from saleor_journey.models import Journey, ProductReview, ScheduledMessage
from tests.flows.test_reviews import shop, token_for  # noqa: F401 - the same order with two products
from tests.graphql.conftest import URL

SUBMIT = """mutation S($token: String!, $rating: Int!, $title: String, $text: String) {
  reviewSubmit(token: $token, rating: $rating, title: $title, text: $text) {
    review { rating title text status product verifiedPurchase order }
    errors { field code message }
  }
}"""


def submit(client: Any, **variables: Any) -> dict[str, Any]:
    response = client.post(URL, {"query": SUBMIT, "variables": variables}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["data"]["reviewSubmit"]


def test_a_storefront_submits_a_review_with_the_link_token(client: Any, shop: dict[str, Any]) -> None:  # noqa: F811
    answer = submit(client, token=token_for(shop), rating=5, title="Ottimo", text="<script>x</script> buono")
    assert answer["errors"] == []
    assert answer["review"]["rating"] == 5
    assert answer["review"]["status"] == "PENDING"
    assert answer["review"]["verifiedPurchase"] is True
    assert answer["review"]["order"] is None
    assert answer["review"]["text"] == "<script>x</script> buono"  # stored as written; shown escaped
    assert Journey.objects.get(user_id=shop["user"].pk).stage == "advocacy"
    again = submit(client, token=token_for(shop), rating=4)
    assert again["review"] is None
    assert again["errors"][0]["code"] == "NOT_ALLOWED"
    assert ProductReview.objects.count() == 1


def test_bad_reviews_and_tokens_change_nothing(client: Any, shop: dict[str, Any]) -> None:  # noqa: F811
    bad = submit(client, token=token_for(shop), rating=6, title="x" * 121, text="y" * 5001)
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("rating", "INVALID"), ("title", "INVALID"), ("text", "INVALID")]
    forged = submit(client, token=token_for(shop)[:-3] + "abc", rating=5)
    assert forged["errors"] == [{"field": "token", "code": "INVALID", "message": "The review link is not valid or has expired."}]
    assert ProductReview.objects.count() == 0


def test_a_low_rating_through_the_api_alerts_the_shop_too(client: Any, shop: dict[str, Any]) -> None:  # noqa: F811
    assert submit(client, token=token_for(shop, 1), rating=1, text="Arrivata rotta")["errors"] == []
    alert = ScheduledMessage.objects.get(flow="review_alert")
    assert alert.recipient == "staff@bottega.example"
    assert alert.context["text"] == "Arrivata rotta"
