"""The recipient follows the cart: a corrected address, language or channel replaces the old one."""

from typing import Any

from saleor_journey.delivery.channels import build_channels
from saleor_journey.delivery.dispatcher import Dispatcher
from saleor_journey.models import ScheduledMessage
from saleor_journey.plugins import runtime
from tests.flows.test_flows import flows_manager, messages, send_due  # noqa: F401


def _reload(checkout: Any) -> Any:
    checkout = type(checkout).objects.select_related("channel").get(pk=checkout.pk)
    return checkout


def test_a_guest_who_corrects_a_typo_is_reminded_at_the_corrected_address_only(
    flows_manager: Any, make_checkout: Any, esp: Any  # noqa: F811
) -> None:
    checkout = make_checkout(email="anna@exmaple.com")  # mistyped; the address may be a stranger's
    flows_manager.checkout_created(checkout)
    assert {m.recipient for m in messages("abandoned_cart")} == {"anna@exmaple.com"}
    checkout.email = "anna@example.com"
    checkout.save()
    flows_manager.checkout_updated(_reload(checkout))
    reminders = messages("abandoned_cart")
    assert {m.recipient for m in reminders} == {"anna@example.com"}
    assert len(reminders) == 3
    send_due(reminders[-1].due_at)
    assert {r.body["To"] for r in esp.received} == {"anna@example.com"}  # the link to her cart went to her


def test_a_reminder_claimed_just_before_the_correction_is_not_sent_to_the_old_address(
    flows_manager: Any, make_checkout: Any, esp: Any  # noqa: F811
) -> None:
    checkout = make_checkout(email="anna@exmaple.com")
    flows_manager.checkout_created(checkout)
    first = messages("abandoned_cart")[0]
    settings = runtime.active_settings()
    dispatcher = Dispatcher(settings, build_channels(settings.delivery), clock=lambda: first.due_at)
    claim = dispatcher.claim(10)  # a worker took it...
    checkout.email = "anna@example.com"  # ...as she fixed the address
    checkout.save()
    flows_manager.checkout_updated(_reload(checkout))
    dispatcher.deliver(claim)
    first.refresh_from_db()
    assert (first.state, first.reason) == ("cancelled", "the cart's address changed")
    assert esp.count == 0


def test_removing_the_phone_stops_the_text_and_a_new_language_is_used(
    flows_manager: Any, make_checkout: Any  # noqa: F811
) -> None:
    from saleor.account.models import Address

    checkout = make_checkout(email="anna@example.com")
    checkout.billing_address = Address.objects.create(phone="+393331234567")
    checkout.save()
    flows_manager.checkout_created(_reload(checkout))
    sms = ScheduledMessage.objects.get(channel="sms")
    assert sms.recipient == "+393331234567"
    assert sms.state == "pending"
    checkout.billing_address = Address.objects.create(phone="")
    checkout.language_code = "de"
    checkout.save()
    flows_manager.checkout_updated(_reload(checkout))
    sms.refresh_from_db()
    assert (sms.state, sms.reason) == ("cancelled", "address removed")
    assert {m.language for m in ScheduledMessage.objects.filter(channel="email")} == {"de"}
