"""Each query and mutation over HTTP, with what a dashboard, a storefront or a BI job would see."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphene import relay

from saleor_journey.core.events import EventKind
from saleor_journey.models import Journey, ProductReview, ScheduledMessage
from tests.graphql.conftest import MANAGE_ORDERS, MANAGE_PRODUCTS, MANAGE_USERS


def gid(type_name: str, pk: Any) -> str:
    return relay.Node.to_global_id(type_name, pk)


@pytest.fixture
def shop(api: Any, make_user: Any, make_order: Any, make_checkout: Any, channel: Any) -> Any:
    """Make a recorder with the plugin's flows, and helpers to make customers at each stage."""
    from saleor_journey.plugins import runtime
    from saleor_journey.plugins.events import checkout_event, order_event
    from saleor_journey.plugins.plugin import recorder_for

    recorder = recorder_for(runtime.active_settings())

    def buyer(email: str, orders: int = 1) -> Any:
        user = make_user(email)
        for _ in range(orders):
            recorder.record(order_event(make_order(user=user, total=Decimal("30.00")), EventKind.ORDER_PLACED, timezone.now()))
        return user

    def browser(email: str, idle: timedelta = timedelta(hours=2)) -> Any:
        """Make a visitor who put an item in a cart ``idle`` ago and left (past the first reminder's delay)."""
        checkout = make_checkout(email=email)
        type(checkout).objects.filter(pk=checkout.pk).update(last_change=timezone.now() - idle)
        checkout.refresh_from_db()
        assert checkout.channel.slug  # Saleor's manager reads the channel before calling a hook
        built = checkout_event(checkout, EventKind.CHECKOUT_CREATED, timezone.now())
        event, read = built if isinstance(built, tuple) else (built, None)
        recorder.record(event, (read,) if read else ())
        return email

    return type("Shop", (), {"buyer": staticmethod(buyer), "browser": staticmethod(browser)})


JOURNEY = """
query One($email: String, $user: ID) {
  customerJourney(email: $email, user: $user) {
    id user email stage stageSince lastOrderAt
    history { fromStage toStage cause at }
    events { kind occurredAt channel source }
    messages { id flow step channel state reason dueAt sentAt }
    consent { channel address granted suppressed }
    reviews { rating title status product }
  }
}"""


def test_one_customer_s_journey_by_email_or_user(api: Any, token_for: Any, shop: Any) -> None:
    from saleor_journey.delivery import preferences

    anna = shop.buyer("anna@example.com")
    shop.browser("anna@example.com")
    preferences.record_consent("email", "anna@example.com", True, source="checkout")
    journey = Journey.objects.get(user_id=anna.pk)
    ProductReview.objects.create(product_id=7, order_id="o-1", journey=journey, rating=5, title="Ottimo")
    token = token_for(MANAGE_USERS)
    by_email = api(JOURNEY, {"email": "Anna@Example.com"}, token=token)
    assert by_email.status == 200, by_email.body
    data = by_email.data["customerJourney"]
    assert data["user"] == gid("User", anna.pk)
    assert data["stage"] == "PURCHASE"
    assert [(h["fromStage"], h["toStage"], h["cause"]) for h in data["history"]] == [
        ("AWARENESS", "PURCHASE", "order_placed")]
    assert {e["kind"] for e in data["events"]} == {"order_placed", "checkout_created"}
    assert {m["step"] for m in data["messages"]} == {"reminder_1", "reminder_2", "reminder_3"}
    assert data["consent"] == [{"channel": "email", "address": "anna@example.com", "granted": True, "suppressed": False}]
    assert data["reviews"] == [{"rating": 5, "title": "Ottimo", "status": "PENDING", "product": gid("Product", 7)}]
    assert api(JOURNEY, {"user": gid("User", anna.pk)}, token=token).data == by_email.data
    assert api(JOURNEY, {"email": "nobody@example.com"}, token=token).data == {"customerJourney": None}
    bad = api(JOURNEY, {"user": gid("Order", 1)}, token=token)
    assert bad.data == {"customerJourney": None}
    assert bad.codes == ["INVALID"]
    assert "is not a User ID" in bad.body["errors"][0]["message"]
    for garbage in ("not-base64!", "", "VXNlcjphYmM="):  # the last is "User:abc"
        assert api(JOURNEY, {"user": garbage}, token=token).codes == ["INVALID"]


PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String, $filter: CustomerJourneyFilterInput,
           $sortBy: CustomerJourneySortingInput) {
  customerJourneys(first: $first, after: $after, last: $last, before: $before, filter: $filter, sortBy: $sortBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { email stage history { toStage } events { kind } messages { step } consent { channel }
                          reviews { rating } } }
  }
}"""


def emails(answer: Any) -> list[str]:
    return [e["node"]["email"] for e in answer.data["customerJourneys"]["edges"]]


def test_journeys_page_forward_and_back_with_filters_and_sorting(api: Any, token_for: Any, shop: Any) -> None:
    for i in range(5):
        shop.buyer(f"buyer{i}@example.com")
    shop.browser("looker@example.com")
    token = token_for(MANAGE_USERS)
    oldest_first = {"field": "CREATED_AT", "direction": "ASC"}
    first = api(PAGE, {"first": 2, "sortBy": oldest_first}, token=token)
    assert emails(first) == ["buyer0@example.com", "buyer1@example.com"]
    info = first.data["customerJourneys"]["pageInfo"]
    assert info["hasNextPage"]
    assert not info["hasPreviousPage"]
    assert first.data["customerJourneys"]["totalCount"] == 6
    second = api(PAGE, {"first": 2, "after": info["endCursor"], "sortBy": oldest_first}, token=token)
    assert emails(second) == ["buyer2@example.com", "buyer3@example.com"]
    back = api(PAGE, {"last": 2, "before": second.data["customerJourneys"]["pageInfo"]["startCursor"],
                      "sortBy": oldest_first}, token=token)
    assert emails(back) == emails(first)
    last = api(PAGE, {"last": 2, "sortBy": oldest_first}, token=token)
    assert emails(last) == ["buyer4@example.com", "looker@example.com"]
    browsing = api(PAGE, {"first": 10, "filter": {"stage": ["CONSIDERATION"]}}, token=token)
    assert emails(browsing) == ["looker@example.com"]
    assert emails(api(PAGE, {"first": 10, "filter": {"email": "BUYER3@example.com"}}, token=token)) == ["buyer3@example.com"]
    assert api(PAGE, {"first": 10, "filter": {"channel": "it"}}, token=token).data["customerJourneys"]["totalCount"] == 6
    assert api(PAGE, {"first": 10, "filter": {"channel": "de"}}, token=token).data["customerJourneys"]["totalCount"] == 0
    forged = api(PAGE, {"first": 2, "after": "bm90IGEgY3Vyc29y"}, token=token)
    assert forged.codes == ["INVALID"]
    assert "Invalid cursor" in forged.body["errors"][0]["message"]


def test_a_page_costs_the_same_queries_whatever_its_size(api: Any, token_for: Any, shop: Any) -> None:
    token = token_for(MANAGE_USERS)
    for i in range(12):
        shop.buyer(f"buyer{i}@example.com")
        shop.browser(f"buyer{i}@example.com")

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            answer = api(PAGE, {"first": size}, token=token)
        assert len(answer.data["customerJourneys"]["edges"]) == size
        return len(captured.captured_queries)

    queries(1)  # the process's first request also loads Saleor's Site (cached afterwards, as in Saleor)
    assert queries(2) == queries(12)


FUNNEL = """query Funnel($period: PeriodInput, $channel: String) {
  journeyFunnel(period: $period, channel: $channel) { lapsed stages { stage customers reached conversionRate } } }"""


def test_the_funnel_counts_stages_now_and_moves_in_the_period(api: Any, token_for: Any, shop: Any) -> None:
    for i in range(3):
        shop.browser(f"look{i}@example.com")
    shop.buyer("one@example.com")
    shop.buyer("two@example.com", orders=2)
    answer = api(FUNNEL, token=token_for(MANAGE_USERS))
    assert answer.status == 200, answer.body
    stages = {s["stage"]: s for s in answer.data["journeyFunnel"]["stages"]}
    assert [s["stage"] for s in answer.data["journeyFunnel"]["stages"]] == [
        "AWARENESS", "CONSIDERATION", "PURCHASE", "RETENTION", "ADVOCACY"]
    assert (stages["CONSIDERATION"]["customers"], stages["PURCHASE"]["customers"], stages["RETENTION"]["customers"]) == (3, 1, 1)
    assert (stages["CONSIDERATION"]["reached"], stages["PURCHASE"]["reached"], stages["RETENTION"]["reached"]) == (3, 2, 1)
    assert stages["PURCHASE"]["conversionRate"] == pytest.approx(2 / 3, abs=1e-4)
    assert stages["RETENTION"]["conversionRate"] == 0.5
    assert stages["AWARENESS"]["conversionRate"] is None
    assert stages["AWARENESS"]["reached"] == 5  # becoming known is entering the first stage
    assert stages["CONSIDERATION"]["conversionRate"] == 0.6
    long_ago = {"gte": (timezone.now() - timedelta(days=90)).isoformat(), "lte": (timezone.now() - timedelta(days=60)).isoformat()}
    old = api(FUNNEL, {"period": long_ago}, token=token_for(MANAGE_USERS, email="s2@example.com"))
    assert all(s["reached"] == 0 for s in old.data["journeyFunnel"]["stages"])
    backwards = {"gte": timezone.now().isoformat(), "lte": (timezone.now() - timedelta(days=1)).isoformat()}
    assert api(FUNNEL, {"period": backwards}, token=token_for(MANAGE_USERS, email="s3@example.com")).codes == ["INVALID"]


REVIEWS = """query Reviews($product: ID!, $filter: ProductReviewFilterInput) {
  productReviews(product: $product, first: 10, filter: $filter) { totalCount edges { node { rating text status order } } }
  productRating(product: $product) { average count distribution } }"""


def test_storefronts_see_approved_reviews_and_staff_see_and_moderate_all(api: Any, token_for: Any, db: Any) -> None:
    product = gid("Product", 42)
    for rating, status in ((5, "approved"), (4, "approved"), (1, "pending"), (2, "rejected")):
        ProductReview.objects.create(product_id=42, order_id=f"o{rating}", rating=rating, text="<b>ok</b>", status=status)
    public = api(REVIEWS, {"product": product})
    assert public.status == 200, public.body
    assert sorted(e["node"]["rating"] for e in public.data["productReviews"]["edges"]) == [4, 5]
    assert {e["node"]["order"] for e in public.data["productReviews"]["edges"]} == {None}
    assert public.data["productRating"] == {"average": 4.5, "count": 2, "distribution": [0, 0, 0, 1, 1]}
    assert public.data["productReviews"]["edges"][0]["node"]["text"] == "<b>ok</b>"  # as written; the client escapes
    sneaky = api(REVIEWS, {"product": product, "filter": {"status": ["PENDING"]}})
    assert sneaky.status == 401
    assert sneaky.data["productReviews"] is None
    moderator = token_for(MANAGE_PRODUCTS, MANAGE_ORDERS)
    everything = api(REVIEWS, {"product": product}, token=moderator)
    assert everything.data["productReviews"]["totalCount"] == 4
    assert {e["node"]["order"] for e in everything.data["productReviews"]["edges"]} == {
        gid("Order", f"o{r}") for r in (5, 4, 1, 2)}
    pending = ProductReview.objects.get(status="pending")
    moderate = "mutation M($id: ID!) { reviewModerate(id: $id, status: APPROVED) { review { status } errors { field code message } } }"
    refused = api(moderate, {"id": gid("ProductReview", pending.pk)}, token=token_for(MANAGE_USERS, email="s2@example.com"))
    assert refused.status == 403
    assert ProductReview.objects.get(pk=pending.pk).status == "pending"
    done = api(moderate, {"id": gid("ProductReview", pending.pk)}, token=moderator)
    assert done.data["reviewModerate"] == {"review": {"status": "APPROVED"}, "errors": []}
    assert api(REVIEWS, {"product": product}).data["productRating"]["count"] == 3
    missing = api(moderate, {"id": gid("ProductReview", 999999)}, token=moderator)
    assert missing.data["reviewModerate"]["errors"] == [{"field": "id", "code": "NOT_FOUND", "message": f"No review {gid('ProductReview', 999999)}."}]
    assert api(moderate, {"id": "junk"}, token=moderator).data["reviewModerate"]["errors"][0]["code"] == "INVALID"
    assert api(REVIEWS, {"product": "junk"}).codes == ["INVALID", "INVALID"]


def test_staff_list_and_cancel_scheduled_messages(api: Any, token_for: Any, shop: Any) -> None:
    shop.browser("anna@example.com")
    token = token_for(MANAGE_USERS)
    listing = api("{ scheduledMessages(first: 10, filter: {state: [PENDING]}) { totalCount edges { node { id step } } } }",
                  token=token)
    assert listing.data["scheduledMessages"]["totalCount"] == 3
    first = next(e["node"] for e in listing.data["scheduledMessages"]["edges"] if e["node"]["step"] == "reminder_1")
    cancel = "mutation C($id: ID!) { scheduledMessageCancel(id: $id) { message { state reason } errors { code } } }"
    done = api(cancel, {"id": first["id"]}, token=token)
    assert done.data["scheduledMessageCancel"]["message"]["state"] == "CANCELLED"
    assert done.data["scheduledMessageCancel"]["message"]["reason"].startswith("cancelled by staff")
    again = api(cancel, {"id": first["id"]}, token=token)
    assert again.data["scheduledMessageCancel"]["errors"] == [{"code": "NOT_ALLOWED"}]
    other = ScheduledMessage.objects.exclude(state="cancelled").first()
    assert api(cancel, {"id": gid("ScheduledMessage", other.pk)}).status == 401
    assert ScheduledMessage.objects.get(pk=other.pk).state == "pending"


STAGE_SET = """mutation S($id: ID!, $stage: JourneyStageEnum!, $note: String) {
  customerStageSet(id: $id, stage: $stage, note: $note) { journey { stage history { toStage cause } } errors { field code } } }"""


def test_staff_set_a_stage_by_hand_and_it_shows_in_the_history(api: Any, token_for: Any, shop: Any) -> None:
    anna = shop.buyer("anna@example.com")
    shop.browser("looker@example.com")
    journey_id = gid("CustomerJourney", Journey.objects.get(user_id=anna.pk).pk)
    staff = token_for(MANAGE_USERS)
    answer = api(STAGE_SET, {"id": journey_id, "stage": "ADVOCACY", "note": "Wrote to us about the moka"}, token=staff)
    assert answer.data["customerStageSet"]["errors"] == []
    assert answer.data["customerStageSet"]["journey"]["stage"] == "ADVOCACY"
    assert answer.data["customerStageSet"]["journey"]["history"][-1] == {"toStage": "ADVOCACY", "cause": "stage_set"}
    event = Journey.objects.get(user_id=anna.pk).events.get(kind="stage_set")
    assert event.payload["note"] == "Wrote to us about the moka"
    assert event.payload["by"].startswith("staff:")
    looker = gid("CustomerJourney", Journey.objects.get(email="looker@example.com").pk)
    no_order = api(STAGE_SET, {"id": looker, "stage": "ADVOCACY"}, token=staff).data["customerStageSet"]
    assert no_order["errors"] == [{"field": "stage", "code": "NOT_ALLOWED"}]
    assert no_order["journey"]["stage"] == "CONSIDERATION"
    assert api(STAGE_SET, {"id": journey_id, "stage": "PURCHASE", "note": "x" * 501}, token=staff).data[
        "customerStageSet"]["errors"] == [{"field": "note", "code": "INVALID"}]
    assert api(STAGE_SET, {"id": gid("CustomerJourney", 10**9), "stage": "PURCHASE"}, token=staff).data[
        "customerStageSet"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    refused = api(STAGE_SET, {"id": journey_id, "stage": "LAPSED"}, token=token_for(MANAGE_ORDERS, email="s2@example.com"))
    assert refused.status == 403
    assert Journey.objects.get(user_id=anna.pk).stage == "advocacy"
