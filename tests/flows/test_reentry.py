"""A cart abandoned again gets reminders again: after a cool-down since the last reminder, a few times at most."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from saleor_journey.models import ScheduledMessage
from tests.flows.test_flows import flows_manager, send_due  # noqa: F401


def _changed(checkout: Any, at: Any) -> Any:
    """Have the customer change the cart at ``at`` (Saleor stamps last_change)."""
    type(checkout).objects.filter(pk=checkout.pk).update(last_change=at)
    return type(checkout).objects.select_related("channel", "user").get(pk=checkout.pk)


def sequences() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for subject, state in ScheduledMessage.objects.filter(flow="abandoned_cart").order_by("due_at").values_list(
            "subject_key", "state"):
        found.setdefault(subject.split(":", 2)[2] if subject.count(":") == 2 else "1", []).append(state)
    return found


def test_a_signed_in_customers_cart_is_reminded_again_after_the_cool_down(
    flows_manager: Any, make_checkout: Any, make_user: Any, esp: Any  # noqa: F811
) -> None:
    user = make_user("anna@example.com")
    checkout = make_checkout(email=None, user=user)
    start = timezone.now()
    flows_manager.checkout_created(_changed(checkout, start))
    assert send_due(start + timedelta(hours=73)).sent == 3  # the whole first sequence went
    flows_manager.checkout_updated(_changed(checkout, start + timedelta(days=5)))  # back after 5 days: too soon
    assert list(sequences()) == ["1"]
    flows_manager.checkout_updated(_changed(checkout, start + timedelta(days=11)))  # 8 days after the last one
    assert sequences()["2"] == ["pending", "pending", "pending"]
    assert send_due(start + timedelta(days=14, hours=12)).sent == 3
    flows_manager.checkout_updated(_changed(checkout, start + timedelta(days=25)))
    assert sequences()["3"] == ["pending"] * 3
    assert send_due(start + timedelta(days=29)).sent == 3
    flows_manager.checkout_updated(_changed(checkout, start + timedelta(days=60)))  # at most three per cart
    assert list(sequences()) == ["1", "2", "3"]
    assert esp.count == 9


def test_a_cart_emptied_and_filled_again_before_any_reminder_is_reminded_at_once(
    flows_manager: Any, make_checkout: Any, make_variant: Any  # noqa: F811
) -> None:
    from saleor.checkout.models import CheckoutLine

    checkout = make_checkout(email="anna@example.com")
    start = timezone.now()
    flows_manager.checkout_created(_changed(checkout, start))
    checkout.lines.all().delete()
    flows_manager.checkout_updated(_changed(checkout, start + timedelta(minutes=10)))
    assert sequences() == {"1": ["cancelled"] * 3}
    CheckoutLine.objects.create(checkout=checkout, variant=make_variant(), quantity=1)
    flows_manager.checkout_updated(_changed(checkout, start + timedelta(minutes=30)))
    assert sequences()["2"] == ["pending"] * 3  # nothing was sent: no cool-down to wait for


def test_an_order_stops_whichever_sequence_is_waiting(
    flows_manager: Any, make_checkout: Any, make_order: Any, make_variant: Any  # noqa: F811
) -> None:
    from saleor_journey.models import DeliveryEvent

    checkout = make_checkout(email="anna@example.com")
    start = timezone.now()
    flows_manager.checkout_created(_changed(checkout, start))
    send_due(start + timedelta(hours=73))
    flows_manager.checkout_updated(_changed(checkout, start + timedelta(days=11)))
    send_due(start + timedelta(days=11, hours=2))  # the second sequence's first reminder
    flows_manager.order_created(make_order(email="anna@example.com", checkout=checkout))
    assert sequences()["2"] == ["sent", "cancelled", "cancelled"]
    credited = ScheduledMessage.objects.get(pk=DeliveryEvent.objects.get(kind="converted").message_id)
    assert credited.subject_key == f"checkout:{checkout.pk}:2"
