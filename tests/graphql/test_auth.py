"""Who may ask what: Saleor's tokens and permissions decide, and refusals leak nothing."""

from datetime import timedelta
from typing import Any

import pytest

from tests.graphql.conftest import MANAGE_PRODUCTS, MANAGE_USERS, URL

JOURNEYS = "{ customerJourneys(first: 5) { totalCount edges { node { email stage } } } }"


@pytest.fixture
def journey(make_user: Any, make_order: Any, channel: Any) -> Any:
    from django.utils import timezone

    from saleor_journey.core.events import EventKind
    from saleor_journey.plugins import runtime
    from saleor_journey.plugins.events import order_event
    from saleor_journey.plugins.plugin import recorder_for

    user = make_user("anna@example.com")
    recorder_for(runtime.active_settings()).record(order_event(make_order(user=user), EventKind.ORDER_PLACED, timezone.now()))
    return user


def test_staff_with_manage_users_reads_journeys(api: Any, token_for: Any, journey: Any) -> None:
    answer = api(JOURNEYS, token=token_for(MANAGE_USERS))
    assert answer.status == 200, answer.body
    assert answer.data["customerJourneys"]["totalCount"] == 1
    assert answer.data["customerJourneys"]["edges"][0]["node"] == {"email": "anna@example.com", "stage": "PURCHASE"}


@pytest.mark.parametrize("who", ["anonymous", "customer", "staff without the permission", "customer claiming staff perms"])
def test_the_others_get_nothing(api: Any, token_for: Any, journey: Any, who: str) -> None:
    token = {
        "anonymous": None,
        "customer": lambda: token_for(staff=False, email="bruno@example.com"),
        "staff without the permission": lambda: token_for(MANAGE_PRODUCTS),
        "customer claiming staff perms": lambda: token_for(MANAGE_USERS, staff=False),
    }[who]
    answer = api(JOURNEYS, token=token() if token else None)
    assert answer.status == (401 if who == "anonymous" else 403)
    assert answer.data == {"customerJourneys": None}
    assert answer.codes == ["PERMISSION_DENIED"]
    assert "anna" not in str(answer.body)


def test_an_app_token_with_the_permission_reads_and_without_it_does_not(api: Any, app_token: Any, journey: Any) -> None:
    assert api(JOURNEYS, token=app_token(MANAGE_USERS)).data["customerJourneys"]["totalCount"] == 1
    assert api(JOURNEYS, token=app_token()).status == 403
    assert api(JOURNEYS, token=app_token(MANAGE_USERS, is_active=False)).status == 401  # Saleor ignores inactive apps


def test_bad_tokens_are_refused_with_401(api: Any, token_for: Any, make_user: Any, settings: Any) -> None:
    from saleor.core.jwt import create_access_token

    expired = create_access_token(make_user("old@example.com", is_staff=True), ttl=timedelta(seconds=-1))
    forged = token_for(MANAGE_USERS)[:-4] + "abcd"
    user = make_user("rotated@example.com", is_staff=True, granted_permissions=[MANAGE_USERS])
    revoked = create_access_token(user)
    user.jwt_token_key = "changed"  # Saleor's "log out everywhere"
    user.save()
    for token in (expired, forged, revoked, "not-a-jwt-and-not-30-chars", "x" * 30):
        answer = api(JOURNEYS, token=token)
        assert answer.status == 401, token
        assert answer.data is None, token
        assert answer.codes == ["INVALID_TOKEN"], token


def test_the_legacy_route_refuses_when_the_plugin_is_inactive(api: Any, token_for: Any, client: Any) -> None:
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.plugins import runtime

    token = token_for(MANAGE_USERS)
    legacy = URL.replace("/global/", "/")
    assert client.post(legacy, {"query": JOURNEYS}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    get_plugins_manager(allow_replica=False).save_plugin_configuration("saleor.journey", None, {"active": False})
    runtime.forget()
    assert client.post(legacy, {"query": JOURNEYS}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
    assert client.post(URL, {"query": JOURNEYS}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404


def test_malformed_requests_get_clear_errors(api: Any, token_for: Any, client: Any) -> None:
    token = token_for(MANAGE_USERS)
    assert client.post(URL, "not json", content_type="application/json").status_code == 400
    assert client.post(URL, {"variables": {}}, content_type="application/json").status_code == 400
    assert client.put(URL).status_code == 405
    syntax = api("{ customerJourneys(first: 5) { ", token=token)
    assert syntax.status == 400
    assert "Syntax Error" in syntax.body["errors"][0]["message"]
    unknown = api("{ customerJourneys(first: 5) { edges { node { password } } } }", token=token)
    assert unknown.status == 400
    assert 'Cannot query field "password"' in unknown.body["errors"][0]["message"]
    bad_enum = api('{ customerJourneys(first: 5, filter: {stage: [SHOPPING]}) { totalCount } }', token=token)
    assert bad_enum.status == 400


def test_deep_or_costly_queries_are_refused_before_running(api: Any, token_for: Any) -> None:
    token = token_for(MANAGE_USERS)
    nested = "{ customerJourneys(first: 1) { edges { node { " + "history { at } " * 1 + "} } } }"
    assert api(nested, token=token).status == 200
    fields = " ".join(f"a{i}: history {{ at cause fromStage toStage }}" for i in range(120))
    costly = api("{ customerJourneys(first: 100) { edges { node { " + fields + " } } } }", token=token)
    assert costly.status == 400
    assert costly.codes == ["QUERY_TOO_COMPLEX"]
    page = api("{ customerJourneys(first: 101) { totalCount } }", token=token)
    assert page.data == {"customerJourneys": None}
    assert "between 1 and 100" in page.body["errors"][0]["message"]


def test_get_serves_the_explorer_page_without_data(api: Any, client: Any, journey: Any) -> None:
    page = client.get(URL)
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "customerJourneys" in html
    assert 'id="token"' in html
    assert "anna@example.com" not in html
    csp = page["Content-Security-Policy"]
    nonce = csp.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">' in html
    assert "connect-src 'self'" in csp
