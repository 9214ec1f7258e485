"""The plugin as Saleor sees it: discovery, configuration, every hook, the route, failures."""

import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from saleor_journey.models import Journey, JourneyEvent, StageTransition
from saleor_journey.plugins.plugin import PLUGIN_ID, JourneyPlugin
from tests.conftest import activate_plugin


def events_of(journey: Journey) -> list[str]:
    return list(journey.events.order_by("id").values_list("kind", flat=True))


def test_saleor_discovers_the_plugin_through_its_entry_point() -> None:
    assert "saleor_journey" in settings.INSTALLED_APPS
    assert "saleor_journey.plugins.plugin.JourneyPlugin" in settings.PLUGINS


def test_the_dashboard_form_lists_every_field_with_label_and_help(db: Any) -> None:
    from saleor.plugins.manager import get_plugins_manager

    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID)
    assert plugin.PLUGIN_NAME == "Customer Journey"
    assert plugin.CONFIGURATION_PER_CHANNEL is False
    assert not plugin.active  # a shop turns it on in the Dashboard
    fields = {item["name"]: item for item in plugin.configuration}
    assert set(fields) == set(JourneyPlugin.CONFIG_STRUCTURE)
    assert fields["metadata_key"]["value"] == "journey.stage"
    for item in fields.values():
        assert item["label"]
        assert item["help_text"]
        assert item["type"]


def test_an_inactive_plugin_records_nothing(db: Any, make_order: Any) -> None:
    from saleor.plugins.manager import get_plugins_manager

    get_plugins_manager(allow_replica=False).order_created(make_order(email="anna@example.com"))
    assert not Journey.objects.exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("lapse_days", "soon", "whole number"),
        ("lapse_days", "0", "at least 1"),
        ("advocacy_min_rating", "7", "between 1 and 5"),
        ("channel_settings", "{not json", "not valid JSON"),
        ("channel_settings", '{"it": {"storefront_url": "ftp://x"}}', r"http\(s\) URL"),
        ("channel_settings", '{"it": {"colour": "red"}}', "unknown keys"),
    ],
)
def test_invalid_configuration_is_refused_and_nothing_is_saved(db: Any, name: str, value: str, message: str) -> None:
    from saleor.plugins.models import PluginConfiguration

    with pytest.raises(ValidationError, match=message):
        activate_plugin([{"name": name, "value": value}])
    # Saleor's get_or_create leaves an inactive row with the previous values; ours is not stored.
    for row in PluginConfiguration.objects.all():
        assert not row.active
        assert {"name": name, "value": value} not in [{"name": i["name"], "value": i["value"]} for i in row.configuration]


def test_checkout_with_lines_moves_a_guest_to_consideration(manager: Any, make_checkout: Any) -> None:
    checkout = make_checkout(email="Anna@Example.com ", lines=2)
    manager.checkout_created(checkout)
    journey = Journey.objects.get()
    assert (journey.email, journey.stage) == ("anna@example.com", "consideration")
    event = journey.events.get()
    assert event.channel == "it"
    assert event.payload["lines"] == 2
    assert len(event.payload["line_snapshot"]) == 2


def test_emptied_cart_is_recorded_as_such(manager: Any, make_checkout: Any) -> None:
    checkout = make_checkout(lines=1)
    manager.checkout_created(checkout)
    checkout.lines.all().delete()
    checkout.save()  # Saleor bumps last_change
    manager.checkout_updated(checkout)
    assert events_of(Journey.objects.get()) == ["checkout_created", "cart_emptied"]


def test_order_lifecycle_through_every_order_hook(manager: Any, make_order: Any, make_user: Any) -> None:
    user = make_user("anna@example.com")
    order = make_order(user=user)
    manager.order_created(order)
    manager.order_paid(order)
    manager.order_fully_paid(order)  # same payment, one event
    manager.order_fulfilled(order)
    manager.order_cancelled(order)
    manager.order_fully_refunded(order)  # already voided by the cancellation
    journey = Journey.objects.get(user_id=user.pk)
    assert events_of(journey) == ["order_placed", "order_paid", "order_fulfilled", "order_voided"]
    assert journey.stage == "awareness"
    assert list(journey.transitions.order_by("id").values_list("to_stage", flat=True)) == ["purchase", "awareness"]
    user.refresh_from_db()
    assert user.private_metadata["journey.stage"] == "awareness"


def test_order_created_keys_on_the_checkout_token(manager: Any, make_checkout: Any, make_order: Any) -> None:
    checkout = make_checkout(email="anna@example.com")
    manager.checkout_created(checkout)
    order = make_order(email="anna@example.com", checkout=checkout)
    token = checkout.token
    checkout.delete()  # Saleor deletes the checkout when it completes
    manager.order_created(order)
    placed = JourneyEvent.objects.get(kind="order_placed")
    assert placed.payload["checkout"] == str(token)
    assert placed.journey.stage == "purchase"


@pytest.mark.parametrize("version", ["3.21", "3.22", "3.23"])
def test_fulfillment_created_accepts_each_versions_keywords(
    manager: Any, make_order: Any, version: str, settings: Any
) -> None:
    from saleor.order.models import Fulfillment

    settings.SALEOR_VERSION = version
    order = make_order(email="anna@example.com")
    manager.order_created(order)
    fulfillment = Fulfillment.objects.create(order=order, fulfillment_order=1)
    assert manager.fulfillment_created(fulfillment, notify_customer=False) is None
    assert JourneyEvent.objects.filter(kind="fulfillment_created", journey__email="anna@example.com").exists()


def test_hooks_return_previous_value_and_accept_unknown_keywords(manager: Any, make_order: Any) -> None:
    plugin = manager.get_plugin(PLUGIN_ID)
    order = make_order(email="anna@example.com")
    marker = object()
    assert plugin.order_created(order, previous_value=marker, webhooks=[], some_future_kwarg=1) is marker
    assert plugin.customer_updated(order.user or _user_stub(), previous_value=marker, webhooks=None) is marker


def _user_stub() -> Any:
    from saleor.account.models import User

    return User(pk=999999, email="ghost@example.com")


def test_bulk_created_orders_are_recorded_and_deduplicated(manager: Any, make_order: Any) -> None:
    orders = [make_order(email="anna@example.com"), make_order(email="bruno@example.com")]
    manager.order_bulk_created(orders)
    manager.order_bulk_created(orders)
    assert JourneyEvent.objects.filter(kind="order_placed").count() == 2
    assert set(Journey.objects.values_list("stage", flat=True)) == {"purchase"}


def test_registration_adopts_the_guest_history(manager: Any, make_order: Any, make_user: Any) -> None:
    manager.order_created(make_order(email="anna@example.com"))
    user = make_user("ANNA@example.com")
    manager.customer_created(user)
    journey = Journey.objects.get()
    assert journey.user_id == user.pk
    assert journey.stage == "purchase"
    user.refresh_from_db()
    assert user.private_metadata == {"journey.stage": "purchase"}


def test_configured_metadata_key_is_used(db: Any, make_order: Any, make_user: Any) -> None:
    manager = activate_plugin([{"name": "metadata_key", "value": "crm.lifecycle"}])
    user = make_user()
    manager.order_created(make_order(user=user))
    user.refresh_from_db()
    assert user.private_metadata == {"crm.lifecycle": "purchase"}


@pytest.mark.parametrize("hook", ["customer_deleted", "account_deleted"])
def test_deleting_the_customer_erases_their_journey(manager: Any, make_order: Any, make_user: Any, hook: str) -> None:
    user = make_user("anna@example.com")
    manager.order_created(make_order(email="anna@example.com"))  # guest history first
    manager.customer_created(user)
    other = make_user("bruno@example.com")
    manager.customer_created(other)
    deleted = type(user).objects.get(pk=user.pk)
    user_pk = user.pk
    user.delete()
    deleted.pk = user_pk  # Saleor restores the id on the deleted instance it hands to the hook
    getattr(manager, hook)(deleted)
    assert not Journey.objects.filter(email="anna@example.com").exists()
    assert not JourneyEvent.objects.filter(journey__email="anna@example.com").exists()
    assert Journey.objects.filter(user_id=other.pk).exists()


def test_user_deleted_outside_any_hook_is_erased_too(manager: Any, make_user: Any) -> None:
    user = make_user("anna@example.com")
    manager.customer_created(user)
    type(user).objects.filter(pk=user.pk).get().delete()
    assert not Journey.objects.exists()
    assert not StageTransition.objects.exists()


def test_bad_input_is_logged_and_changes_nothing(
    manager: Any, make_checkout: Any, make_order: Any, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="saleor_journey")
    manager.checkout_created(make_checkout(email=None))
    manager.checkout_created(make_checkout(email="not an email"))
    manager.order_created(make_order(email=""))
    assert not Journey.objects.exists()
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "has neither a user nor a valid email" in messages
    assert "malformed email" in messages


def test_order_whose_variant_was_deleted_is_still_recorded(manager: Any, make_order: Any, make_variant: Any) -> None:
    from saleor.order.models import OrderLine

    variant = make_variant()
    order = make_order(email="anna@example.com")
    OrderLine.objects.create(order=order, variant=variant, product_name="Caffè", quantity=1, unit_price_gross_amount=5)
    variant.delete()
    order.refresh_from_db()
    manager.order_created(order)
    assert Journey.objects.get().stage == "purchase"


def test_a_failure_inside_the_plugin_never_reaches_saleor(
    manager: Any, make_order: Any, make_user: Any, caplog: Any
) -> None:
    user = make_user("anna@example.com")
    order = make_order(user=user)
    with transaction.atomic():
        with connection.cursor() as cursor:  # a real fault: our table is missing
            cursor.execute("ALTER TABLE saleor_journey_journey RENAME TO saleor_journey_journey_gone")
        assert manager.order_created(order) is None
        # Saleor's transaction is still usable after our failure.
        user.first_name = "Anna"
        user.save()
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE saleor_journey_journey_gone RENAME TO saleor_journey_journey")
    assert "order_created hook failed" in caplog.text
    user.refresh_from_db()
    assert user.first_name == "Anna"


@pytest.mark.django_db(transaction=True)
def test_each_hook_stays_within_two_queries(make_checkout: Any, make_order: Any, make_user: Any) -> None:
    from saleor.order.models import Fulfillment

    manager = activate_plugin()
    plugin = manager.get_plugin(PLUGIN_ID)
    user = make_user("anna@example.com")
    checkout = make_checkout(user=user, email=None)
    order = make_order(user=user, checkout=checkout)
    order = type(order).objects.select_related("channel").get(pk=order.pk)
    checkout = type(checkout).objects.select_related("channel").get(pk=checkout.pk)
    fulfillment = Fulfillment.objects.select_related("order__channel").get(
        pk=Fulfillment.objects.create(order=order, fulfillment_order=1).pk
    )
    calls = [
        lambda: plugin.customer_created(user, previous_value=None),
        lambda: plugin.checkout_created(checkout, previous_value=None, webhooks=None),
        lambda: plugin.order_created(order, previous_value=None, webhooks=None),
        lambda: plugin.order_fully_paid(order, previous_value=None, webhooks=None),
        lambda: plugin.fulfillment_created(
            fulfillment, notify_customer=True, calculate_stocks_with_shipping_zones=True, previous_value=None
        ),
        lambda: plugin.order_cancelled(order, previous_value=None, webhooks=None),
    ]
    for call in calls:
        with CaptureQueriesContext(connection) as queries:
            call()
        assert len(queries.captured_queries) <= 2, [q["sql"][:80] for q in queries.captured_queries]


def test_route_answers_when_active_and_404_when_not(client: Any, channel: Any) -> None:
    assert client.get(f"/plugins/global/{PLUGIN_ID}/health/").status_code == 404  # inactive by default
    assert client.get(f"/plugins/{PLUGIN_ID}/health/").status_code == 404  # legacy route skips Saleor's check
    activate_plugin()
    response = client.get(f"/plugins/global/{PLUGIN_ID}/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert client.get(f"/plugins/channel/it/{PLUGIN_ID}/health/").status_code == 200
    assert client.get(f"/plugins/global/{PLUGIN_ID}/nothing-here/").status_code == 404


_SOCKET_CONNECTS: list[tuple[Any, ...]] = []
_WATCHING = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _WATCHING and event == "socket.connect":
        _SOCKET_CONNECTS.append(args[1:])


def test_hooks_open_no_network_connection(manager: Any, make_checkout: Any, make_order: Any, make_user: Any) -> None:
    """An audit hook sees every socket.connect; the database connection is already open."""
    global _WATCHING
    import socket
    import sys

    from saleor.order.models import Fulfillment

    sys.addaudithook(_audit)
    user = make_user("anna@example.com")
    checkout = make_checkout(user=user)
    order = make_order(user=user, checkout=checkout)
    fulfillment = Fulfillment.objects.create(order=order, fulfillment_order=1)
    Journey.objects.exists()  # the connection is open before we watch
    _WATCHING = True
    try:
        manager.customer_created(user)
        manager.checkout_created(checkout)
        manager.order_created(order)
        manager.order_fully_paid(order)
        manager.fulfillment_created(fulfillment)
        manager.order_fulfilled(order)
        hooks_connects = list(_SOCKET_CONNECTS)
        broker = urlsplit(settings.CELERY_BROKER_URL)
        socket.create_connection((broker.hostname, broker.port), timeout=5).close()  # the watcher does see them
    finally:
        _WATCHING = False
    assert hooks_connects == []
    assert len(_SOCKET_CONNECTS) == 1
    assert Journey.objects.get(user_id=user.pk).events.count() == 6


def test_a_checkout_under_another_address_keeps_the_accounts_email(
    manager: Any, make_checkout: Any, make_user: Any
) -> None:
    user = make_user("anna@example.com")
    manager.customer_created(user)
    manager.checkout_created(make_checkout(user=user, email="anna.work@example.com"))
    journey = Journey.objects.get(user_id=user.pk)
    assert journey.email == "anna@example.com"
    assert journey.stage == "consideration"
    user.email = "anna@new.example.com"
    user.save()
    manager.customer_updated(user)
    journey.refresh_from_db()
    assert journey.email == "anna@new.example.com"


def test_erasure_also_removes_messages_and_consent_but_keeps_the_opt_out(manager: Any, make_user: Any) -> None:
    from django.utils import timezone

    from saleor_journey.delivery import preferences
    from saleor_journey.models import Consent, ScheduledMessage, Suppression
    from saleor_journey.services.outbox import MessageSpec, schedule

    user = make_user("anna@example.com")
    manager.customer_created(user)
    journey = Journey.objects.get(user_id=user.pk)
    schedule(MessageSpec(flow="notice", step="message", subject_key="x", channel="sms", recipient="+393331234567",
                         due_at=timezone.now(), journey_id=journey.pk))
    preferences.record_consent("sms", "+393331234567", True, source="test")
    preferences.record_consent("email", "anna@example.com", False, source="test")
    preferences.suppress("email", "anna@example.com", reason="unsubscribed", source="test")
    user_pk = user.pk
    user.delete()
    assert not ScheduledMessage.objects.exists()
    assert not Consent.objects.exists()
    assert Suppression.objects.count() == 1
    assert preferences.is_suppressed("email", "anna@example.com")
    assert not Journey.objects.filter(user_id=user_pk).exists()


def test_consent_from_checkout_and_customer_metadata(manager: Any, make_checkout: Any, make_user: Any, caplog: Any) -> None:
    from saleor.checkout.models import CheckoutMetadata

    from saleor_journey.models import Consent

    checkout = make_checkout(email="anna@example.com")
    CheckoutMetadata.objects.create(
        checkout=checkout, metadata={"journey.consent": '{"email": true, "sms": true, "phone": "+39 333 123 4567"}'}
    )
    checkout = type(checkout).objects.get(pk=checkout.pk)
    manager.checkout_metadata_updated(checkout)
    answers = dict(Consent.objects.values_list("channel", "granted"))
    assert answers == {"email": True, "sms": True}
    assert Consent.objects.get(channel="sms").address == "+393331234567"
    user = make_user("anna@example.com", metadata={"journey.consent": '{"email": false}'})
    manager.customer_updated(user)
    assert Consent.objects.get(channel="email").granted is False
    manager.customer_updated(make_user(metadata={"journey.consent": "not json"}))  # ignored, no crash
    assert Consent.objects.count() == 2


def test_system_checks_warn_about_missing_delivery_settings(db: Any) -> None:
    from django.core import checks
    from saleor.plugins.models import PluginConfiguration

    activate_plugin()
    # A configuration stored before this check existed (the form now refuses it): Postmark without its token.
    row = PluginConfiguration.objects.get(identifier=PLUGIN_ID)
    row.configuration = [*row.configuration, {"name": "email_esp", "value": "postmark"}]
    row.save()
    found = {m.id: m for m in checks.run_checks(tags=[checks.Tags.database], databases=["default"])}
    assert {"saleor_journey.W001", "saleor_journey.E002", "saleor_journey.W003"} <= set(found)
    assert "server_token" in found["saleor_journey.E002"].msg


def test_system_check_warns_until_beat_has_registered_the_sweep(db: Any) -> None:
    from django.core import checks
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    def warned() -> bool:
        return "saleor_journey.W010" in {
            m.id for m in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
        }

    assert warned()
    every = IntervalSchedule.objects.create(every=30, period=IntervalSchedule.SECONDS)
    from saleor_journey.tasks.dispatch import dispatch_due_messages

    PeriodicTask.objects.create(name="saleor-journey-dispatch", task=dispatch_due_messages.name, interval=every)
    assert not warned()
