"""The staff report page: what a shop owner sees, who may see it, and how a browser signs in."""

import re
import warnings
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.utils import timezone

from saleor_journey.models import ProductReview
from tests.browsing import FormClient as Client
from tests.conftest import activate_plugin
from tests.flows.test_flows import flows_manager, messages, send_due  # noqa: F401
from tests.graphql.conftest import MANAGE_ORDERS, MANAGE_USERS, app_token, token_for  # noqa: F401
from tests.graphql.conftest import URL as API

REPORT = "/plugins/global/saleor.journey/report/"
FUNNEL = "{ journeyFunnel(period: {gte: \"%s\"}) { stages { stage customers reached } lapsed } }"


def bars(html: str) -> dict[str, int]:
    """Read the funnel and rating bars as drawn: data key -> value."""
    return {k: int(v) for k, v in re.findall(r'<g class="bar" data-key="([^"]+)" data-value="(\d+)"', html)}


def row(html: str, table: str, key: str) -> list[str]:
    """Return the cells of one row of a table, as text."""
    body = html.split(f'id="{table}"', 1)[1]
    found = re.search(rf'<tr data-key="{key}">(.*?)</tr>', body, re.DOTALL)
    assert found, f"no row {key} in {table}"
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", found.group(1), re.DOTALL)]


@pytest.fixture
def shop(flows_manager: Any, make_checkout: Any, make_order: Any) -> None:  # noqa: F811
    """Two abandoned carts, one bought after its reminder, three reviews."""
    bought, left = make_checkout(email="anna@example.com"), make_checkout(email="bruno@example.com")
    for checkout in (bought, left):
        flows_manager.checkout_created(checkout)
    assert send_due(messages("abandoned_cart")[0].due_at + timedelta(minutes=1)).sent == 2
    flows_manager.order_created(make_order(email="anna@example.com", checkout=bought, total=Decimal("59.90")))
    for rating in (5, 4, 2):
        ProductReview.objects.create(product_id=rating, order_id=f"o{rating}", rating=rating)


def get(token: str | None = None, client: Client | None = None, **params: str) -> Any:
    headers = {name: params.pop(name) for name in list(params) if name.startswith("HTTP_")}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return (client or Client()).get(REPORT, params, **headers)


def test_the_report_shows_the_figures_the_api_gives(shop: Any, token_for: Any) -> None:  # noqa: F811
    token = token_for(MANAGE_USERS, MANAGE_ORDERS)
    since = (timezone.now() - timedelta(days=29)).replace(hour=0, minute=0, second=0, microsecond=0).isoformat()
    api = Client().post(API, {"query": FUNNEL % since}, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {token}").json()["data"]["journeyFunnel"]

    response = get(token)
    assert response.status_code == 200
    html = response.content.decode()
    drawn = bars(html)
    for stage in api["stages"]:
        assert drawn[stage["stage"].lower()] == stage["customers"]
        assert row(html, "reached", stage["stage"].lower())[1] == str(stage["reached"])
    assert drawn["lapsed"] == api["lapsed"]
    assert drawn["consideration"] == 1
    assert drawn["purchase"] == 1
    assert row(html, "flow-results", "abandoned_cart") == ["Abandoned cart", "2", "2", "0", "2", "1", "€59.90"]
    assert (drawn["5"], drawn["4"], drawn["3"], drawn["2"], drawn["1"]) == (1, 1, 0, 1, 0)
    assert 'id="reviews-received">3<' in html
    assert "4★ and above <b>66.7%</b>" in html  # the advocacy rating of the configuration (default 4)
    assert '<g class="series" data-key="purchase" data-total="1">' in html  # anna entered purchase today
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "<script" not in html

    italian = get(token, lang="it").content.decode()
    assert row(italian, "flow-results", "abandoned_cart")[0] == "Carrello abbandonato"
    assert row(italian, "flow-results", "abandoned_cart")[-1] == "59,90\xa0€"
    browser_language = get(token, HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="it">' in browser_language
    assert "Clienti per fase, oggi" in browser_language
    # Every language the plugin translates: its own words, and links to the other four by their own names.
    from django.utils.html import escape

    from saleor_journey.report.labels import LANGUAGE_NAMES, labels

    titles = set()
    for lang in LANGUAGE_NAMES:
        page = get(token, lang=lang).content.decode()
        assert f'<html lang="{lang}">' in page
        title = labels(lang)["title"]
        assert f"<h1>{escape(title)}</h1>" in page
        titles.add(title)
        links = re.findall(r'hreflang="(\w+)">([^<]+)</a>', page)
        assert links == [(code, own) for code, own in LANGUAGE_NAMES.items() if code != lang]
    assert len(titles) == len(LANGUAGE_NAMES)  # none falls back to English


def test_each_section_needs_the_permission_the_api_asks_for(
    shop: Any, token_for: Any, app_token: Any  # noqa: F811
) -> None:
    customers_only = get(token_for(MANAGE_USERS, email="support@example.com")).content.decode()
    assert 'id="funnel"' in customers_only
    assert 'id="flow-results"' not in customers_only
    assert "need the MANAGE_ORDERS permission" in customers_only
    orders_only = get(token_for(MANAGE_ORDERS, email="finance@example.com")).content.decode()
    assert 'id="flow-results"' in orders_only
    assert 'id="funnel"' not in orders_only
    assert get(app_token(MANAGE_ORDERS)).status_code == 200
    assert get(token_for(email="intern@example.com")).status_code == 403
    assert get(token_for(MANAGE_USERS, MANAGE_ORDERS, staff=False, email="cliente@example.com")).status_code == 403
    assert get("not-a-valid-jwt-" * 4).status_code == 401
    anonymous = get()  # a browser that has not signed in: the sign-in form
    assert anonymous.status_code == 200
    assert b'type="password"' in anonymous.content
    assert b'id="funnel"' not in anonymous.content
    assert get(token_for(MANAGE_USERS, email="a@example.com"), days="12").status_code == 400
    assert get(token_for(MANAGE_USERS, email="c@example.com"), days="3" * 5000).status_code == 400
    assert get(token_for(MANAGE_USERS, email="b@example.com"), channel="<script>").status_code == 400
    assert get(token_for(MANAGE_USERS, email="d@example.com"), channel="it\n").status_code == 400


def test_a_browser_signs_in_with_the_staff_account_and_out_again(shop: Any, make_user: Any) -> None:
    owner = make_user("owner@example.com", is_staff=True, granted_permissions=[MANAGE_USERS, MANAGE_ORDERS])
    owner.set_password("correct horse battery staple")
    owner.save()
    browser = Client()

    wrong = browser.post(REPORT, {"email": "owner@example.com", "password": "guess"}, REMOTE_ADDR="198.51.100.20")
    assert wrong.status_code == 401
    assert "do not match" in wrong.content.decode()
    assert "journey_report" not in wrong.cookies
    signed_in = browser.post(f"{REPORT}?days=7", {"email": "OWNER@example.com", "password": "correct horse battery staple"})
    assert signed_in.status_code == 303
    assert signed_in["Location"] == f"{REPORT}?days=7&lang=en"
    cookie = signed_in.cookies["journey_report"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == REPORT
    assert cookie["secure"]  # the shop's public address is https
    page = get(client=browser, days="7")
    assert page.status_code == 200
    assert bars(page.content.decode())["purchase"] == 1

    owner.set_password("a new password")  # Saleor's passwordChange: the token key stays, the session must not
    owner.save(update_fields=["password"])
    assert b'type="password"' in get(client=browser).content

    browser.post(REPORT, {"email": "owner@example.com", "password": "a new password"})
    assert get(client=browser).status_code == 200
    owner.jwt_token_key = "rotated12345"  # Saleor's tokensDeactivateAll
    owner.save(update_fields=["jwt_token_key"])
    assert b'type="password"' in get(client=browser).content
    browser.post(REPORT, {"email": "owner@example.com", "password": "a new password"})
    signed_out = browser.post(REPORT, {"action": "sign_out"})
    assert signed_out.status_code == 303
    assert signed_out.cookies["journey_report"].value == ""
    assert b'type="password"' in get(client=browser).content


def test_sign_in_refuses_customers_forged_cookies_other_sites_and_guessing(make_user: Any) -> None:
    activate_plugin([])
    customer = make_user("buyer@example.com", is_staff=False, granted_permissions=[MANAGE_ORDERS])
    customer.set_password("secret-secret")
    customer.save()
    browser = Client()
    assert browser.post(REPORT, {"email": "buyer@example.com", "password": "secret-secret"}).status_code == 401
    browser.cookies["journey_report"] = "eyJ1IjoxfQ:forged:signature"
    forged = get(client=browser)
    assert b'type="password"' in forged.content
    assert b'id="funnel"' not in forged.content
    cross_site = Client().post(REPORT, {"email": "buyer@example.com", "password": "x"}, HTTP_ORIGIN="https://evil.example")
    assert cross_site.status_code == 403
    # Guesses at one account from many addresses (a botnet): ten, then the account's window is closed.
    attempts = [Client().post(REPORT, {"email": "victim@example.com", "password": f"guess{i}"},
                              REMOTE_ADDR=f"203.0.113.{i}").status_code for i in range(11)]
    assert attempts == [401] * 10 + [429]
    for i, spelling in enumerate(("VICTIM@example.com", " victim@example.com\t")):  # no fresh allowance for another spelling
        assert Client().post(REPORT, {"email": spelling, "password": "guess"},
                             REMOTE_ADDR=f"203.0.113.{50 + i}").status_code == 429
    very_long = "x" * 300 + "@example.com"  # longer than a memcached key may be
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert Client().post(REPORT, {"email": very_long, "password": "guess"},
                             REMOTE_ADDR="203.0.113.99").status_code == 401
    assert not [w for w in caught if issubclass(w.category, CacheKeyWarning)]


def test_one_address_waits_after_a_wrong_password_as_saleor_makes_it_wait(make_user: Any) -> None:
    """Saleor's own throttling (tokenCreate's): after a failure the address waits, doubling as failures grow."""
    activate_plugin([])
    first = Client().post(REPORT, {"email": "staff0@example.com", "password": "Summer2026!"}, REMOTE_ADDR="203.0.113.9")
    spray = [Client().post(REPORT, {"email": f"staff{i}@example.com", "password": "Summer2026!"},
                           REMOTE_ADDR="203.0.113.9").status_code for i in range(1, 6)]
    assert first.status_code == 401
    assert spray == [429] * 5
    assert Client().post(REPORT, {"email": "staff0@example.com", "password": "x"},
                         REMOTE_ADDR="198.51.100.7").status_code == 401  # others are not locked out


def test_behind_a_load_balancer_each_visitor_has_their_own_allowance(make_user: Any) -> None:
    """Every request reaches Saleor from the balancer's address; Saleor reads the client from X-Forwarded-For."""
    activate_plugin([])
    owner = make_user("owner@example.com", is_staff=True, granted_permissions=[MANAGE_USERS])
    owner.set_password("correct horse battery staple")
    owner.save()
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    guess = Client().post(REPORT, {"email": "x@example.com", "password": "x"},
                          HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.2", **balancer)
    assert guess.status_code == 401
    owner_in = Client().post(REPORT, {"email": "owner@example.com", "password": "correct horse battery staple"},
                             HTTP_X_FORWARDED_FOR="198.51.100.23, 10.0.0.2", **balancer)
    assert owner_in.status_code == 303  # the guesser's wait is not the owner's


@pytest.mark.parametrize("mode", ["disabled", "customers_only"])
def test_a_shop_whose_staff_sign_in_only_with_sso_gets_no_password_sign_in(make_user: Any, mode: str) -> None:
    from saleor.site.models import SiteSettings

    activate_plugin([])
    owner = make_user("owner@example.com", is_staff=True, granted_permissions=[MANAGE_USERS])
    owner.set_password("correct horse battery staple")
    owner.save()
    browser = Client()
    assert browser.post(REPORT, {"email": "owner@example.com", "password": "correct horse battery staple"},
                        REMOTE_ADDR="198.51.100.30").status_code == 303
    assert b'id="funnel"' in get(client=browser).content
    SiteSettings.objects.update(password_login_mode=mode)
    page = get(client=browser).content.decode()  # the password session ends with the setting
    assert 'type="password"' not in page
    assert "single sign-on" in page
    assert 'id="funnel"' not in page
    refused = Client().post(REPORT, {"email": "owner@example.com", "password": "correct horse battery staple"},
                            REMOTE_ADDR="198.51.100.31")
    assert refused.status_code == 403
    assert "journey_report" not in refused.cookies


def test_signing_out_ends_the_session_on_the_server_a_copied_cookie_opens_nothing(shop: Any, make_user: Any) -> None:
    from saleor_journey.models import ReportSession
    from tests.hostile import header_problems

    owner = make_user("owner@example.com", is_staff=True, granted_permissions=[MANAGE_USERS, MANAGE_ORDERS])
    owner.set_password("correct horse battery staple")
    owner.save()
    laptop, phone, thief = Client(), Client(), Client()
    for browser in (laptop, phone):
        browser.post(REPORT, {"email": "owner@example.com", "password": "correct horse battery staple"})
    thief.cookies["journey_report"] = laptop.cookies["journey_report"].value  # copied off the laptop
    page = get(client=thief)
    assert page.status_code == 200
    assert b'id="funnel"' in page.content
    assert header_problems(dict(page.items())) == []

    laptop.post(REPORT, {"action": "sign_out"})

    assert b'type="password"' in get(client=thief).content
    assert b'id="funnel"' not in get(client=thief).content
    assert b'id="funnel"' in get(client=phone).content  # the other sign-in is its own session
    assert ReportSession.objects.count() == 1
