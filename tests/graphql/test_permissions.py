"""Every protected operation, asked by each kind of caller: who gets an answer, who gets 401 or 403."""

from typing import Any

import pytest
from graphene import relay

from tests.graphql.conftest import MANAGE_ORDERS, MANAGE_PRODUCTS, MANAGE_USERS

ID = relay.Node.to_global_id
OPERATIONS = {
    "customerJourney": ('{ customerJourney(email: "x@example.com") { stage } }', MANAGE_USERS),
    "customerJourneys": ("{ customerJourneys(first: 1) { totalCount } }", MANAGE_USERS),
    "journeyFunnel": ("{ journeyFunnel { lapsed } }", MANAGE_USERS),
    "scheduledMessages": ("{ scheduledMessages(first: 1) { totalCount } }", MANAGE_USERS),
    "journeyMetrics": ("{ journeyMetrics { abandonedCarts } }", MANAGE_ORDERS),
    "scheduledMessageCancel": (f'mutation {{ scheduledMessageCancel(id: "{ID("ScheduledMessage", 1)}") {{ errors {{ code }} }} }}',
                               MANAGE_USERS),
    "customerStageSet": (f'mutation {{ customerStageSet(id: "{ID("CustomerJourney", 1)}", stage: AWARENESS) {{ errors {{ code }} }} }}',
                         MANAGE_USERS),
    "reviewModerate": (f'mutation {{ reviewModerate(id: "{ID("ProductReview", 1)}", status: APPROVED) {{ errors {{ code }} }} }}',
                       MANAGE_PRODUCTS),
}
CALLERS = ["anonymous", "customer", "staff without it", "staff with it", "app without it", "app with it"]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_who_may_call_what(api: Any, token_for: Any, app_token: Any, operation: str, caller: str) -> None:
    query, permission = OPERATIONS[operation]
    other = MANAGE_PRODUCTS if permission != MANAGE_PRODUCTS else MANAGE_ORDERS
    token = {
        "anonymous": lambda: None,
        "customer": lambda: token_for(permission, staff=False),  # a customer's token never carries staff rights
        "staff without it": lambda: token_for(other),
        "staff with it": lambda: token_for(permission),
        "app without it": lambda: app_token(other),
        "app with it": lambda: app_token(permission),
    }[caller]()
    answer = api(query, token=token)
    if caller.endswith("with it"):
        assert answer.status == 200, answer.body
        assert "errors" not in answer.body, answer.body  # (no such customer is null)
    else:
        assert answer.status == (401 if caller == "anonymous" else 403), answer.body
        assert answer.data == {operation: None}
        assert answer.codes == ["PERMISSION_DENIED"]


@pytest.mark.parametrize("query", [
    '{ productReviews(product: "UHJvZHVjdDox", first: 5) { totalCount } productRating(product: "UHJvZHVjdDox") { count } }',
    'mutation { journeyTrack(event: NEWSLETTER_SIGNUP, email: "new@example.com") { recorded } }',
    'mutation { reviewSubmit(token: "forged", rating: 5) { errors { code } } }',
])
def test_public_operations_answer_anonymous_callers(api: Any, query: str) -> None:
    answer = api(query)
    assert answer.status == 200, answer.body
    assert "errors" not in answer.body, answer.body
