"""Each flow through Saleor's hooks: what gets scheduled, moved, cancelled, sent and attributed."""

import base64
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from saleor_journey.config import JourneySettings
from saleor_journey.core.events import EventKind
from saleor_journey.delivery.channels import build_channels
from saleor_journey.delivery.dispatcher import Dispatcher
from saleor_journey.models import DeliveryEvent, Journey, ScheduledMessage
from saleor_journey.plugins import runtime
from saleor_journey.plugins.events import order_event
from saleor_journey.plugins.plugin import recorder_for, stage_mirror
from saleor_journey.services.recording import JourneyRecorder
from tests.conftest import activate_plugin, delivery_configuration

STORE = '{"it": {"storefront_url": "https://shop.example.com/cart", "sender_name": "Bottega", "language": "it"}}'


@pytest.fixture
def flows_manager(esp: Any, twilio: Any, channel: Any) -> Any:
    return activate_plugin(delivery_configuration(esp, twilio, channel_settings=STORE))


def messages(flow: str) -> list[ScheduledMessage]:
    return list(ScheduledMessage.objects.filter(flow=flow).order_by("due_at", "step"))


def send_due(at: Any) -> Any:
    settings = runtime.active_settings()
    dispatcher = Dispatcher(settings, build_channels(settings.delivery), clock=lambda: at)
    return dispatcher.deliver(dispatcher.claim(100))


def test_a_quiet_cart_gets_three_reminders_and_a_change_restarts_them(flows_manager: Any, make_checkout: Any) -> None:
    checkout = make_checkout(email="anna@example.com", lines=2)
    flows_manager.checkout_created(checkout)
    reminders = messages("abandoned_cart")
    assert [(m.step, m.due_at - checkout.last_change, m.marketing) for m in reminders] == [
        ("reminder_1", timedelta(hours=1), True),  # promotional, as mailbox providers see it
        ("reminder_2", timedelta(hours=24), True),
        ("reminder_3", timedelta(hours=72), True),
    ]
    assert {m.recipient for m in reminders} == {"anna@example.com"}
    checkout.save()  # the customer changed the cart: last_change moves
    flows_manager.checkout_updated(checkout)
    moved = messages("abandoned_cart")
    assert len(moved) == 3
    assert moved[0].due_at == checkout.last_change + timedelta(hours=1)


def test_ordering_stops_the_reminders_and_attributes_the_revenue(flows_manager: Any, make_checkout: Any, make_order: Any) -> None:
    checkout = make_checkout(email="anna@example.com")
    flows_manager.checkout_created(checkout)
    first = messages("abandoned_cart")[0]
    counts = send_due(first.due_at)
    assert counts.sent == 1
    order = make_order(email="anna@example.com", checkout=checkout, total=Decimal("89.00"))
    flows_manager.order_created(order)
    states = {m.step: (m.state, m.reason) for m in messages("abandoned_cart")}
    assert states["reminder_1"][0] == "sent"
    assert states["reminder_2"] == ("cancelled", "order placed")
    conversion = DeliveryEvent.objects.get(kind="converted")
    assert conversion.message_id == first.pk
    assert conversion.detail == {"order": str(order.pk), "total": "89.00", "currency": "EUR"}
    flows_manager.order_created(order)  # a duplicate delivery attributes nothing twice
    assert DeliveryEvent.objects.filter(kind="converted").count() == 1


def test_emptied_cart_cancels(flows_manager: Any, make_checkout: Any) -> None:
    checkout = make_checkout(email="anna@example.com")
    flows_manager.checkout_created(checkout)
    checkout.lines.all().delete()
    checkout.save()
    flows_manager.checkout_updated(checkout)
    assert {(m.state, m.reason) for m in messages("abandoned_cart")} == {("cancelled", "cart emptied")}


def test_reminder_shows_the_cart_and_links_back_to_it(flows_manager: Any, make_checkout: Any, esp: Any) -> None:
    checkout = make_checkout(email="anna@example.com", lines=1)
    checkout.language_code = "it"  # the customer's language picks the message's
    checkout.save()
    flows_manager.checkout_created(checkout)
    assert send_due(messages("abandoned_cart")[0].due_at).sent == 1
    body = esp.received[0].body
    assert body["Subject"] == "Hai dimenticato qualcosa nel carrello"
    assert "Caffè" in body["HtmlBody"]
    assert "Caffè (250 g) x 2" in body["TextBody"]
    checkout_id = base64.b64encode(f"Checkout:{checkout.token}".encode()).decode()
    assert f"https://shop.example.com/cart?checkout={checkout_id.replace('=', '%3D')}" in body["TextBody"]


def test_a_cart_bought_without_a_hook_is_not_reminded(flows_manager: Any, make_checkout: Any, make_order: Any, esp: Any) -> None:
    checkout = make_checkout(email="anna@example.com")
    flows_manager.checkout_created(checkout)
    make_order(email="anna@example.com", checkout=checkout)  # e.g. the order hook failed
    assert send_due(messages("abandoned_cart")[0].due_at).cancelled == 1
    assert messages("abandoned_cart")[0].reason == "order placed"
    assert esp.count == 0


def test_fulfilment_starts_follow_up_and_review_request_and_cancellation_stops_them(
    flows_manager: Any, make_order: Any, make_user: Any
) -> None:
    user = make_user("anna@example.com")
    order = make_order(user=user)
    flows_manager.order_created(order)
    flows_manager.order_fulfilled(order)
    steps = {(m.flow, m.step) for m in ScheduledMessage.objects.filter(state="pending")}
    assert steps == {("post_purchase", "thank_you"), ("post_purchase", "cross_sell"),
                     ("review_request", "request"), ("review_request", "reminder")}
    flows_manager.order_cancelled(order)
    assert set(ScheduledMessage.objects.values_list("state", flat=True)) == {"cancelled"}


def test_lapse_starts_win_back_and_a_new_order_ends_it(flows_manager: Any, make_order: Any, make_user: Any) -> None:
    user = make_user("anna@example.com")
    settings = runtime.active_settings()
    past = timezone.now() - timedelta(days=180, hours=1)  # she went quiet an hour ago (lapse after 180 days)
    old = make_order(user=user, created_at=past)
    # The order was recorded live 180 days ago, when the hook ran.
    recorder = JourneyRecorder(settings.policy, stage_mirror("journey.stage"), clock=lambda: past, flows=settings.flows)
    recorder.record(order_event(old, EventKind.ORDER_PLACED, past))
    journey = Journey.objects.get(user_id=user.pk)
    recorder_for(settings).settle(journey.pk, "lapse")
    win_back = messages("win_back")
    assert [(m.step, m.state) for m in win_back] == [("email", "pending")]
    flows_manager.order_created(make_order(user=user))
    assert {(m.state, m.reason) for m in messages("win_back")} == {("cancelled", "ordered again")}


def test_an_order_soon_after_a_win_back_message_is_credited_to_it(
    flows_manager: Any, make_order: Any, make_user: Any, esp: Any
) -> None:
    settings = runtime.active_settings()
    past = timezone.now() - timedelta(days=180, hours=1)
    users = {}
    for email in ("back@example.com", "late@example.com"):
        users[email] = user = make_user(email)
        recorder = JourneyRecorder(settings.policy, stage_mirror("journey.stage"), clock=lambda: past, flows=settings.flows)
        recorder.record(order_event(make_order(user=user, created_at=past), EventKind.ORDER_PLACED, past))
        recorder_for(settings).settle(Journey.objects.get(user_id=user.pk).pk, "lapse")
    assert send_due(timezone.now()).sent == 2  # both win-back emails go out now
    flows_manager.order_created(make_order(user=users["back@example.com"], total=Decimal("80.00")))
    in_40_days = timezone.now() + timedelta(days=40)
    late_order = make_order(user=users["late@example.com"], total=Decimal("50.00"), created_at=in_40_days)
    JourneyRecorder(settings.policy, stage_mirror("journey.stage"), clock=lambda: in_40_days, flows=settings.flows).record(
        order_event(late_order, EventKind.ORDER_PLACED, in_40_days)
    )
    flows_manager.order_created(make_order(user=users["back@example.com"], total=Decimal("35.00")))  # she buys again
    won = DeliveryEvent.objects.filter(kind="converted", message__flow="win_back")
    # Only the first order in the window is won back; the second is an ordinary repeat purchase.
    assert [(e.message.recipient, e.detail["total"]) for e in won] == [("back@example.com", "80.00")]
    assert Journey.objects.get(user_id=users["back@example.com"].pk).stage == "retention"


def test_welcome_is_off_by_default(flows_manager: Any, make_user: Any, esp: Any, twilio: Any) -> None:
    flows_manager.customer_created(make_user("anna@example.com"))
    assert not messages("welcome")
    manager = activate_plugin(delivery_configuration(esp, twilio, welcome_enabled="true"))
    manager.customer_created(make_user("bruno@example.com"))
    assert [m.recipient for m in messages("welcome")] == ["bruno@example.com"]


def test_disabled_flow_schedules_nothing(esp: Any, twilio: Any, channel: Any, make_checkout: Any) -> None:
    manager = activate_plugin(delivery_configuration(esp, twilio, abandoned_cart_enabled="false"))
    manager.checkout_created(make_checkout(email="anna@example.com"))
    assert not messages("abandoned_cart")


def test_backfill_never_schedules(flows_manager: Any, make_checkout: Any, make_order: Any, transactional_db: Any) -> None:
    make_checkout(email="anna@example.com")
    make_order(email="bruno@example.com")
    call_command("journey_backfill", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert Journey.objects.count() == 2
    assert not ScheduledMessage.objects.exists()


def test_delays_are_validated() -> None:
    from saleor_journey.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError, match="abandoned_cart_delays"):
        JourneySettings.from_configuration([{"name": "abandoned_cart_delays", "value": "1h,soon,72h"}])
    with pytest.raises(ConfigurationError, match="needs 3"):
        JourneySettings.from_configuration([{"name": "abandoned_cart_delays", "value": "1h"}])


def test_cross_sell_recommends_what_others_bought_with_it_but_not_what_they_own(
    flows_manager: Any, make_order: Any, make_user: Any, make_variant: Any, esp: Any
) -> None:
    from saleor.order.models import OrderLine

    coffee, moka, cups, grinder, beans = (make_variant(n) for n in ("Caffè", "Moka", "Tazzine", "Macinino", "Chicchi"))
    retired = make_variant("Vecchia moka", published=False)  # no longer sold in this channel
    filter_, stale = make_variant("Filtri"), make_variant("Bricco")

    def bought(order: Any, *variants: Any) -> None:
        for v in variants:
            OrderLine.objects.create(order=order, variant=v, product_name=v.product.name, quantity=1,
                                     unit_price_gross_amount=5)

    for _ in range(3):
        bought(make_order(email="x@example.com"), coffee, moka)
    for _ in range(2):
        bought(make_order(email="y@example.com"), coffee, cups)
    bought(make_order(email="z@example.com"), coffee, grinder)
    bought(make_order(email="w@example.com"), beans, grinder)  # not bought with coffee at all
    for _ in range(5):
        bought(make_order(email="v@example.com"), coffee, retired)  # often, but not for sale any more
    for _ in range(4):
        bought(make_order(email="u@example.com", status="canceled"), coffee, filter_)  # orders that did not stand
        bought(make_order(email="t@example.com", created_at=timezone.now() - timedelta(days=400)), coffee, stale)
    user = make_user("anna@example.com")
    bought(make_order(user=user), cups)  # she already owns the cups
    order = make_order(user=user)
    bought(order, coffee)
    flows_manager.order_created(order)
    flows_manager.order_fulfilled(order)
    cross = ScheduledMessage.objects.get(flow="post_purchase", step="cross_sell")
    ScheduledMessage.objects.exclude(pk=cross.pk).update(state="cancelled")
    assert send_due(cross.due_at).sent == 1
    text = esp.received[0].body["TextBody"]
    assert text.index("Moka") < text.index("Macinino")
    assert "Tazzine" not in text
    assert "Chicchi" not in text
    assert "Vecchia moka" not in text
    assert "Filtri" not in text
    assert "Bricco" not in text


def test_cart_reminders_are_marketing_they_need_consent_under_opt_in_and_carry_one_click_unsubscribe(
    esp: Any, twilio: Any, channel: Any, make_checkout: Any
) -> None:
    from saleor_journey.delivery import preferences

    manager = activate_plugin(delivery_configuration(esp, twilio, email_marketing_policy="opt_in"))
    manager.checkout_created(make_checkout(email="anna@example.com"))
    for m in messages("abandoned_cart"):
        send_due(m.due_at)
    assert {(m.state, m.reason) for m in messages("abandoned_cart")} == {("suppressed", "no recorded opt-in")}
    assert esp.count == 0  # under the opt-in policy no cart email goes without consent
    preferences.record_consent("email", "bruno@example.com", True, source="checkout")
    manager.checkout_created(make_checkout(email="bruno@example.com"))
    first = ScheduledMessage.objects.get(recipient="bruno@example.com", step="reminder_1")
    assert send_due(first.due_at).sent == 1
    headers = {h["Name"]: h["Value"] for h in esp.received[0].body["Headers"]}
    assert "/unsubscribe/" in headers["List-Unsubscribe"]  # mailbox providers treat cart reminders as promotional
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_customer_who_unsubscribed_gets_no_cart_reminder_at_all(
    flows_manager: Any, make_checkout: Any, esp: Any
) -> None:
    from saleor_journey.delivery import preferences

    preferences.suppress("email", "anna@example.com", reason="unsubscribed", source="link")
    preferences.record_consent("email", "anna@example.com", False, source="unsubscribe link")
    flows_manager.checkout_created(make_checkout(email="anna@example.com"))
    first = messages("abandoned_cart")[0]
    send_due(first.due_at)
    first.refresh_from_db()
    assert first.state == "suppressed"
    assert esp.count == 0


def test_the_cart_sms_goes_to_the_checkout_phone_and_needs_sms_consent(
    flows_manager: Any, make_checkout: Any, twilio: Any
) -> None:
    from saleor.account.models import Address

    from saleor_journey.delivery import preferences

    checkout = make_checkout(email="anna@example.com")
    checkout.billing_address = Address.objects.create(phone="+393331234567")
    checkout.save()
    flows_manager.checkout_created(checkout)
    sms = ScheduledMessage.objects.get(flow="abandoned_cart", channel="sms")
    assert (sms.step, sms.recipient) == ("reminder_2_sms", "+393331234567")
    ScheduledMessage.objects.exclude(pk=sms.pk).update(state="cancelled")
    send_due(sms.due_at)
    sms.refresh_from_db()
    assert (sms.state, sms.reason) == ("suppressed", "no recorded opt-in")
    assert twilio.count == 0
    preferences.record_consent("sms", "+393331234567", True, source="checkout")
    ScheduledMessage.objects.filter(pk=sms.pk).update(state="pending", reason="")
    assert send_due(sms.due_at).sent == 1
    assert twilio.received[0].body["To"] == "+393331234567"


def test_a_cart_whose_items_sold_out_is_not_reminded(flows_manager: Any, make_checkout: Any, esp: Any) -> None:
    from saleor.warehouse.models import Stock

    checkout = make_checkout(email="anna@example.com", lines=2)
    flows_manager.checkout_created(checkout)
    variant_ids = list(checkout.lines.values_list("variant_id", flat=True))
    Stock.objects.filter(product_variant_id__in=variant_ids).update(quantity_allocated=10)  # sold out
    first = messages("abandoned_cart")[0]
    assert send_due(first.due_at).cancelled == 1
    first.refresh_from_db()
    assert first.reason == "no item in the cart is in stock"
    assert esp.count == 0


def test_the_cart_email_shows_saleors_prices_and_thumbnail(
    flows_manager: Any, make_checkout: Any, make_variant: Any, esp: Any
) -> None:
    """Saleor prices carts lazily: at the hooks the stored totals are still 0."""
    from saleor.checkout.models import CheckoutLine
    from saleor.product.models import ProductMedia

    checkout = make_checkout(email="anna@example.com", lines=0)
    coffee, cup = make_variant("Caffè", price=Decimal("18.90")), make_variant("Tazza", price=Decimal("4.10"))
    CheckoutLine.objects.create(checkout=checkout, variant=coffee, quantity=2)
    CheckoutLine.objects.create(checkout=checkout, variant=cup, quantity=1)
    ProductMedia.objects.create(product=coffee.product, type="VIDEO", external_url="https://v.example/x", sort_order=0)
    caffe = ProductMedia.objects.create(product=coffee.product, image="products/caffe.jpg", alt="Caffè", sort_order=1)
    ProductMedia.objects.create(product=coffee.product, image="products/second.jpg", sort_order=2)
    flows_manager.checkout_created(checkout)
    checkout.refresh_from_db()
    assert checkout.total_gross_amount == 0  # what the hook saw, and the old emails printed
    last_change = checkout.last_change
    send_due(messages("abandoned_cart")[0].due_at)
    html, text = esp.received[0].body["HtmlBody"], esp.received[0].body["TextBody"]
    thumbnail = base64.b64encode(f"ProductMedia:{caffe.pk}".encode()).decode()
    assert f'src="https://api.shop.example.com/thumbnail/{thumbnail}/128/"' in html
    assert 'alt="Caffè"' in html
    assert "/media/" not in html  # originals are served only with DEBUG
    assert "€37.80" in html
    assert "€4.10" in html
    assert "Totale: €41.90" in text or "Total: €41.90" in text  # checkout.totalPrice
    checkout.refresh_from_db()
    assert checkout.total_gross_amount == Decimal("41.90")
    assert checkout.last_change == last_change


def test_a_cart_saleor_cannot_price_is_shown_without_amounts(
    flows_manager: Any, make_checkout: Any, make_variant: Any, esp: Any
) -> None:
    from saleor.checkout.models import CheckoutLine

    checkout = make_checkout(email="anna@example.com", lines=1)
    # A price Saleor cannot add up (a listing left in another currency): its calculation raises.
    CheckoutLine.objects.create(checkout=checkout, variant=make_variant("Moka", price=Decimal(30), currency="USD"),
                                quantity=1)
    flows_manager.checkout_created(checkout)
    send_due(messages("abandoned_cart")[0].due_at)
    body = esp.received[0].body
    assert "Caffè" in body["TextBody"]
    assert "Moka" in body["TextBody"]
    assert "€" not in body["TextBody"]
    assert "€" not in body["HtmlBody"]
    assert "$" not in body["TextBody"]
    assert "0.00" not in body["TextBody"]
    assert "0,00" not in body["TextBody"]


def test_empty_sender_and_public_url_fall_back_to_saleors_own(
    esp: Any, twilio: Any, channel: Any, make_checkout: Any, settings: Any
) -> None:
    """A shop that leaves the form's sender and public URL empty: Saleor's site settings and PUBLIC_URL."""
    from saleor.site.models import SiteSettings

    settings.PUBLIC_URL = "https://api.bottega.example"
    SiteSettings.objects.update(default_mail_sender_name="Bottega, Roma", default_mail_sender_address="ciao@bottega.example")
    manager = activate_plugin(delivery_configuration(
        esp, twilio, public_base_url="", default_sender="", channel_settings='{"it": {"language": "it"}}'))
    checkout = make_checkout(email="anna@example.com")
    manager.checkout_created(checkout)
    reminders = messages("abandoned_cart")
    assert send_due(reminders[1].due_at).sent >= 1  # the second reminder is marketing: it has an unsubscribe link
    body = esp.received[-1].body
    assert body["From"] == '"Bottega, Roma" <ciao@bottega.example>'
    headers = {h["Name"]: h["Value"] for h in body["Headers"]}
    assert headers["List-Unsubscribe"].startswith("<https://api.bottega.example/plugins/global/saleor.journey/unsubscribe/")


@pytest.mark.parametrize(("started_ago", "lock_seconds", "reminded"), [
    (timedelta(minutes=2), 180, False),  # inside Saleor's default three-minute lock: being completed
    (timedelta(minutes=4), 180, True),  # the lock ran out: the completion failed, the cart is abandoned
    (timedelta(minutes=4), 600, False),  # a shop that set CHECKOUT_COMPLETION_LOCK_TIME to ten minutes
])
def test_a_checkout_being_completed_follows_saleors_lock_time(
    flows_manager: Any, make_checkout: Any, esp: Any, settings: Any, started_ago: timedelta, lock_seconds: int,
    reminded: bool,
) -> None:
    settings.CHECKOUT_COMPLETION_LOCK_TIME = lock_seconds
    checkout = make_checkout(email="anna@example.com")
    flows_manager.checkout_created(checkout)
    first = messages("abandoned_cart")[0]
    type(checkout).objects.filter(pk=checkout.pk).update(completing_started_at=timezone.now() - started_ago)
    counts = send_due(first.due_at)
    first.refresh_from_db()
    assert (counts.sent, esp.count) == ((1, 1) if reminded else (0, 0)), first.reason
    assert reminded or first.reason == "checkout is being completed"
