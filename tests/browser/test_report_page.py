"""The staff report in a real headless Chromium (Debian's package, installed by scripts/test).

A shop owner signs in with their staff account, sees the funnel chart with
the numbers the API gives, and the page logs no console error, on a desktop
and on a phone-sized screen. Screenshots go to .artifacts/screenshots/.
"""

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.browsing import FormClient as Client
from tests.flows.test_flows import flows_manager, messages, send_due  # noqa: F401
from tests.graphql.conftest import MANAGE_ORDERS, MANAGE_USERS
from tests.graphql.conftest import URL as API
from tests.report.test_report import REPORT, shop  # noqa: F401

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FUNNEL = "{ journeyFunnel { stages { stage customers } lapsed } }"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: scripts/test installs Debian's chromium package (apt-get install chromium)"
    # Playwright's sync API keeps an event loop on this thread; Django's ORM calls here stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            yield launched
            launched.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def watched(browser: Browser, width: int, height: int) -> tuple[Page, list[str]]:
    """Open a new page, and collect the console errors and uncaught exceptions it logs."""
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return page, problems


def sign_in(page: Page, base: str, email: str, password: str, query: str = "") -> None:
    page.goto(f"{base}{REPORT}{query}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#funnel")


@pytest.mark.django_db(transaction=True)
def test_the_owner_signs_in_and_sees_the_funnel_with_the_api_numbers(
    shop: Any, make_user: Any, live_server: Any, browser: Browser  # noqa: F811
) -> None:
    owner = make_user("owner@example.com", is_staff=True, granted_permissions=[MANAGE_USERS, MANAGE_ORDERS])
    owner.set_password("a long staff password")
    owner.save()
    from saleor.core.jwt import create_access_token

    api = Client().post(API, {"query": FUNNEL}, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {create_access_token(owner)}").json()["data"]["journeyFunnel"]
    expected = {s["stage"].lower(): s["customers"] for s in api["stages"]} | {"lapsed": api["lapsed"]}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page, problems = watched(browser, 1200, 900)
    sign_in(page, live_server.url, "owner@example.com", "a long staff password")
    drawn = page.eval_on_selector_all(
        "#funnel svg g.bar", "bars => bars.map(b => [b.dataset.key, Number(b.dataset.value), b.textContent])"
    )
    assert {key: value for key, value, _text in drawn} == expected
    assert expected["consideration"] == 1
    assert expected["purchase"] == 1
    for key, value, text in drawn:  # each bar shows its number, not only its length
        assert text.endswith(str(value)), (key, text)
    widths = {key: page.eval_on_selector(f'#funnel g.bar[data-key="{key}"] rect', "r => r.getBBox().width")
              for key in expected}
    assert widths["consideration"] == pytest.approx(widths["purchase"])
    assert widths["consideration"] > widths["retention"]
    row = page.eval_on_selector('#flow-results tr[data-key="abandoned_cart"]',
                                "tr => [...tr.cells].map(c => c.textContent)")
    assert row == ["Abandoned cart", "2", "2", "0", "2", "1", "€59.90"]
    purchase = '#movements g.series[data-key="purchase"]'
    assert page.get_attribute(purchase, "data-total") == "1"
    assert page.is_visible(f"{purchase} polyline")
    page.screenshot(path=str(SCREENSHOTS / "report-desktop.png"), full_page=True)
    assert problems == []

    phone, phone_problems = watched(browser, 390, 844)
    sign_in(phone, live_server.url, "owner@example.com", "a long staff password", "?lang=it")
    assert phone.inner_text("#funnel h2") == "Clienti per fase, oggi"
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways on a phone by {overflow}px"
    phone.screenshot(path=str(SCREENSHOTS / "report-phone.png"), full_page=True)
    assert phone_problems == []
    (SCREENSHOTS / "report-funnel.json").write_text(json.dumps(drawn))


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_shows_the_form_again_and_no_report(live_server: Any, browser: Browser, make_user: Any) -> None:
    from tests.conftest import activate_plugin

    activate_plugin([])
    page, problems = watched(browser, 800, 700)
    page.goto(f"{live_server.url}{REPORT}")
    assert problems == []  # the sign-in form itself is a normal page
    page.fill("#email", "nobody@example.com")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    page.wait_for_selector(".error")
    assert "do not match" in page.inner_text(".error")
    assert page.query_selector("#funnel") is None
    page.screenshot(path=str(SCREENSHOTS / "report-sign-in-refused.png"))


@pytest.mark.django_db(transaction=True)
def test_the_messages_page_shows_every_step_and_sends_a_test(
    live_server: Any, browser: Browser, make_user: Any, esp: Any, twilio: Any, channel: Any
) -> None:
    from saleor_journey.config import message_steps
    from tests.conftest import activate_plugin, delivery_configuration

    activate_plugin(delivery_configuration(esp, twilio))
    owner = make_user("owner@example.com", is_staff=True, granted_permissions=[MANAGE_USERS, MANAGE_ORDERS])
    owner.set_password("a long staff password")
    owner.save()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, problems = watched(browser, 1200, 900)
    sign_in(page, live_server.url, "owner@example.com", "a long staff password", "?lang=de")
    page.click('a[href*="view=messages"]')  # the report links to its Messages page
    page.wait_for_selector("section.message")
    keys = page.eval_on_selector_all("section.message", "sections => sections.map(s => s.dataset.key)")
    assert keys == list(message_steps())
    subjects = page.eval_on_selector_all("section.message .subject", "spans => spans.map(s => s.textContent)")
    assert all(subjects)
    assert "Du hast etwas im Warenkorb vergessen" in subjects  # German, as the page asked
    page.click('section[data-key="welcome/email"] form.test button')
    page.wait_for_selector("#notice")
    assert "owner@example.com" in page.inner_text("#notice")
    assert [r.body["To"] for r in esp.received] == ["owner@example.com"]
    page.screenshot(path=str(SCREENSHOTS / "report-messages.png"), full_page=True)
    assert problems == []
