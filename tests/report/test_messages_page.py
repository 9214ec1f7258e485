"""The report's Messages page: every step with sample data in each language, and a test sent to oneself."""

import json
import re
from typing import Any

import pytest

from saleor_journey.config import message_steps
from saleor_journey.languages import LANGUAGES
from saleor_journey.models import DeliveryEvent, ScheduledMessage
from tests.browsing import FormClient as Client
from tests.conftest import activate_plugin, delivery_configuration
from tests.graphql.conftest import MANAGE_ORDERS, MANAGE_USERS, token_for  # noqa: F401 - a fixture, by name

REPORT = "/plugins/global/saleor.journey/report/"
OWN = {"welcome/email": {"it": {"subject": "Benvenuta da {{ shop_name }}!"}}}


@pytest.fixture
def owner_browser(esp: Any, twilio: Any, channel: Any, make_user: Any) -> Client:
    """Sign a staff member in on the report, with the plugin sending through the local ESP peer."""
    activate_plugin(delivery_configuration(esp, twilio) + [{"name": "message_texts", "value": json.dumps(OWN)}])
    owner = make_user("owner@example.com", is_staff=True, granted_permissions=[MANAGE_USERS, MANAGE_ORDERS])
    owner.set_password("correct horse battery staple")
    owner.save()
    browser = Client()
    signed_in = browser.post(REPORT, {"email": "owner@example.com", "password": "correct horse battery staple"})
    assert signed_in.status_code == 303
    return browser


def shown(page: str) -> dict[str, str]:
    """Return each step's subject (or SMS text) as the page shows it."""
    found = {}
    for key, body in re.findall(r'data-key="([^"]+)"[^>]*>(.*?)</section>', page, re.DOTALL):
        subject = re.search(r'<span class="subject">(.*?)</span>', body)
        sms = re.search(r'<pre class="sms">(.*?)</pre>', body, re.DOTALL)
        found[key] = (subject or sms).group(1) if (subject or sms) else ""
    return found


def test_every_step_in_every_language_with_the_owners_own_words(owner_browser: Client) -> None:
    pages = {}
    for lang in LANGUAGES:
        response = owner_browser.get(REPORT, {"view": "messages", "mlang": lang})
        assert response.status_code == 200
        assert "default-src 'none'" in response["Content-Security-Policy"]
        pages[lang] = shown(response.content.decode())
        assert set(pages[lang]) == set(message_steps())
        assert all(pages[lang].values()), pages[lang]
    # Each language reads differently, and the owner's Italian subject is what an Italian customer would get.
    assert len({page["abandoned_cart/reminder_1"] for page in pages.values()}) == len(LANGUAGES)
    assert pages["it"]["welcome/email"] == "Benvenuta da Bottega!"
    assert pages["de"]["welcome/email"] != "Benvenuta da Bottega!"


def test_the_html_part_opens_on_its_own_page_without_scripts(owner_browser: Client) -> None:
    page = owner_browser.get(REPORT, {"view": "messages", "mlang": "fr"}).content.decode()
    link = re.search(r'<a href="([^"]+view=preview[^"]+key=abandoned_cart%2Freminder_1[^"]*)"', page)
    assert link
    html = owner_browser.get(link.group(1).replace("&amp;", "&"))
    assert html.status_code == 200
    assert 'lang="fr"' in html.content.decode()
    assert "script-src" not in html["Content-Security-Policy"]
    assert html["Content-Security-Policy"].startswith("default-src 'none'")
    assert owner_browser.get(REPORT, {"view": "preview", "key": "nothing/here"}).status_code == 404


def test_a_test_goes_to_the_signed_in_staff_member_marked_and_counted_nowhere(owner_browser: Client, esp: Any) -> None:
    before = (ScheduledMessage.objects.count(), DeliveryEvent.objects.count())
    answer = owner_browser.post(f"{REPORT}?view=messages&mlang=de",
                                {"action": "send_test", "key": "abandoned_cart/reminder_1", "mlang": "de"})
    assert answer.status_code == 200
    assert "owner@example.com" in answer.content.decode()
    [request] = esp.received
    body = request.body
    assert body["To"] == "owner@example.com"
    assert body["Subject"].startswith("[Test] ")
    assert body["Subject"] != "[Test] You left something in your cart"  # German
    assert {h["Name"]: h["Value"] for h in body["Headers"]}["X-Journey-Test"] == "1"
    assert body["Tag"] == "journey-test"
    assert (ScheduledMessage.objects.count(), DeliveryEvent.objects.count()) == before

    refused = owner_browser.post(f"{REPORT}?view=messages", {"action": "send_test", "key": "../etc", "mlang": "de"})
    assert refused.status_code == 400
    assert len(esp.received) == 1


def test_a_provider_refusal_is_told_on_the_page(owner_browser: Client, esp: Any) -> None:
    esp.plan = ["fail"]
    answer = owner_browser.post(f"{REPORT}?view=messages&mlang=en",
                                {"action": "send_test", "key": "win_back/sms", "mlang": "en"})
    assert answer.status_code == 502
    assert "could not be sent" in answer.content.decode()


def test_staff_without_the_reports_permissions_see_no_messages(esp: Any, twilio: Any, channel: Any, make_user: Any) -> None:
    activate_plugin(delivery_configuration(esp, twilio))
    intern = make_user("intern@example.com", is_staff=True)
    intern.set_password("a long intern password")
    intern.save()
    browser = Client()
    browser.post(REPORT, {"email": "intern@example.com", "password": "a long intern password"})
    assert browser.get(REPORT, {"view": "messages"}).status_code == 403
    answer = browser.post(REPORT, {"action": "send_test", "key": "welcome/email", "mlang": "en"})
    assert answer.status_code == 403
    assert esp.received == []


def test_a_token_user_sees_the_messages_without_a_test_button_they_could_not_use(
    esp: Any, twilio: Any, channel: Any, token_for: Any  # noqa: F811 - the fixture imported above, by name
) -> None:
    activate_plugin(delivery_configuration(esp, twilio))
    page = Client().get(REPORT, {"view": "messages"},
                        HTTP_AUTHORIZATION=f"Bearer {token_for(MANAGE_USERS, email='api@example.com')}")
    assert page.status_code == 200
    assert set(shown(page.content.decode())) == set(message_steps())
    assert 'value="send_test"' not in page.content.decode()



def texts(page: str) -> dict[str, str]:
    """Return each step's text part (or SMS text) as the page shows it."""
    found = {}
    for key, body in re.findall(r'data-key="([^"]+)"[^>]*>(.*?)</section>', page, re.DOTALL):
        part = re.search(r'<pre class="(?:text|sms)">(.*?)</pre>', body, re.DOTALL)
        found[key] = part.group(1) if part else ""
    return found


def test_each_step_previews_with_what_its_flow_really_carries(owner_browser: Client) -> None:
    page = texts(owner_browser.get(REPORT, {"view": "messages", "mlang": "en"}).content.decode())
    cart_total, cart_price = "61.80", "18.90"
    for step in ("reminder_1", "reminder_2", "reminder_3"):
        assert cart_total in page[f"abandoned_cart/{step}"], page[f"abandoned_cart/{step}"]
        assert cart_price in page[f"abandoned_cart/{step}"]
    thank_you = page["post_purchase/thank_you"]
    assert "#1042" in thank_you
    assert "Caffè in grani (1 kg) x 2" in thank_you  # what was ordered, without prices or a cart total
    assert cart_price not in thank_you
    assert cart_total not in thank_you
    cross_sell = page["post_purchase/cross_sell"]
    assert "Tazzine in ceramica: https://shop.example.com/products/tazzine/" in cross_sell  # recommendations
    assert "Caffè in grani" not in cross_sell  # not what was bought, not the cart
    assert cart_total not in cross_sell
    assert "/review/SAMPLE-1/" in page["review_request/request"]
    for key in ("win_back/email", "win_back/sms", "welcome/email"):
        assert "Caffè in grani" not in page[key], key  # no cart lines
        assert cart_total not in page[key], key
    assert "BENTORNATO15" in page["win_back/email"]
    assert "TORNA10" not in page["win_back/email"]
