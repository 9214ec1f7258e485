"""The Saleor plugin: a thin adapter from Saleor hooks to the journey recorder.

Saleor calls every hook inside the customer's request (or a Celery task
finishing it) and does not catch exceptions, so each hook here catches and
logs everything, never touches the network, and returns ``previous_value``.
"""

import logging
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any

from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from saleor.plugins.base_plugin import BasePlugin

from .. import clock as journey_clock
from .. import web
from ..config import JourneySettings
from ..core.events import EventKind
from ..delivery import inbound
from ..delivery.channels import esp
from ..exceptions import ConfigurationError
from ..graphql import view as graphql_view
from ..report import view as report_view
from ..routes import GRAPHQL, PLUGIN_ID, REPORT
from ..services import ratelimit, watch
from ..services.erasure import erase_person
from ..services.recording import ExtraRead, JourneyRecorder, StageMirror
from . import consent, events, form, runtime
from .requestor import StaffSessions, client_ip, identify

logger = logging.getLogger(__name__)




def stage_mirror(metadata_key: str) -> StageMirror:
    """Where the stage lands in Saleor: ``User.private_metadata[metadata_key]``."""
    from saleor.account.models import User

    meta = User._meta
    return StageMirror(
        table=meta.db_table,
        pk_column=meta.pk.column,
        json_column=meta.get_field("private_metadata").column,
        key=metadata_key,
        touch_column=meta.get_field("updated_at").column,
    )


class JourneyPlugin(BasePlugin):
    """Customer Journey: stage tagging for every customer, from Saleor's own events."""

    PLUGIN_ID = PLUGIN_ID
    PLUGIN_NAME = "Customer Journey"
    PLUGIN_DESCRIPTION = (
        "Follows every customer through awareness, consideration, purchase, retention, "
        "advocacy and lapsed, records the history, and writes the current stage into the "
        "customer's private metadata."
    )
    CONFIGURATION_PER_CHANNEL = False
    DEFAULT_ACTIVE = False
    DEFAULT_CONFIGURATION = form.DEFAULT_CONFIGURATION
    CONFIG_STRUCTURE = form.CONFIG_STRUCTURE

    @classmethod
    def validate_plugin_configuration(cls, plugin_configuration: Any, **kwargs: Any) -> None:
        """Refuse an invalid form in the Dashboard (ConfigurationError is a ValidationError).

        An active plugin must also be able to send email: an unknown provider,
        a missing credential, or no email backend at all is refused at save.
        """
        settings = JourneySettings.from_configuration(plugin_configuration.configuration)
        if plugin_configuration.active:
            problem = esp.configuration_problem(settings.delivery)
            if problem is not None:
                raise ConfigurationError(problem.field, str(problem))

    @classmethod
    def pre_save_plugin_configuration(cls, plugin_configuration: Any) -> None:
        """Note the moment the owner switches the plugin on or off: only what happens from then on starts a flow.

        Saleor calls this from pluginUpdate just before it saves the row, so the stored row still holds the
        previous state (``get_or_create`` made a new one inactive: saleor/plugins/manager.py,
        base_plugin.py ``save_plugin_configuration``). A failure here must not refuse the owner's save; the
        sweep then starts the watch itself.
        """
        try:
            with runtime.writer_allowed():
                stored = type(plugin_configuration).objects.filter(pk=plugin_configuration.pk)
                was_active = bool(stored.values_list("active", flat=True).first())
                watch.plugin_switched(was_active, bool(plugin_configuration.active), journey_clock.now())
        except Exception:
            logger.exception("journey: the plugin's switch on/off could not be noted")

    # Built on first use: Saleor instantiates plugins on every request.
    @cached_property
    def settings(self) -> JourneySettings:
        return JourneySettings.from_configuration(self.configuration)

    @cached_property
    def recorder(self) -> JourneyRecorder:
        return recorder_for(self.settings)

    @cached_property
    def _handled(self) -> set[str]:
        """Events this instance recorded or found recorded.

        Saleor fires several hooks for one change (checkoutComplete: order_paid then order_fully_paid, one
        payment), and a plugin instance lives for one request, so the repeats cost no query.
        """
        return set()

    def _record(self, hook: str, build: Callable[[], Any]) -> None:
        """Run one hook's work; log and swallow any failure so Saleor's request goes on."""
        try:
            with runtime.writer_allowed():  # hooks also run inside Saleor's tasks (accountRegister, order expiry)
                built = build()
                if built is None:
                    return
                event, reads = built if isinstance(built, tuple) else (built, ())
                if event.dedupe_key in self._handled:
                    return
                if isinstance(reads, ExtraRead):
                    reads = (reads,)
                result = self.recorder.record(event, reads)
                if result.recorded or result.duplicate:
                    self._handled.add(event.dedupe_key)
        except Exception:
            logger.exception("journey: %s hook failed; Saleor's request continues", hook)

    def _now(self) -> datetime:
        return journey_clock.now()

    # Customers -------------------------------------------------------------

    def customer_created(self, customer: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._record("customer_created", lambda: events.account_created(customer, self._now()))
        self._consent("customer_created", customer, customer.email)
        return previous_value

    def customer_updated(self, customer: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._record("customer_updated", lambda: events.account_updated(customer, self._now()))
        self._consent("customer_updated", customer, customer.email)
        return previous_value

    def customer_metadata_updated(self, customer: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._consent("customer_metadata_updated", customer, customer.email)
        return previous_value

    def checkout_metadata_updated(self, checkout: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        try:
            storage = checkout.metadata_storage  # one query unless Saleor already loaded it
        except Exception:
            logger.exception("journey: checkout metadata could not be read")
            return previous_value
        self._consent("checkout_metadata_updated", storage, checkout.email)
        return previous_value

    def _consent(self, hook: str, owner: Any, email: str | None) -> None:
        """Record consent answers found under the configured metadata key (costs queries only if present)."""
        try:
            key = self.settings.delivery.consent_metadata_key
            for metadata in (getattr(owner, "metadata", None), getattr(owner, "private_metadata", None)):
                if metadata and key in metadata:
                    with runtime.writer_allowed():
                        consent.record_from_metadata(metadata, key, email, self._now(), source=f"saleor:{hook}")
        except Exception:
            logger.exception("journey: %s consent recording failed; Saleor's request continues", hook)

    def customer_deleted(self, customer: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._erase("customer_deleted", customer)
        return previous_value

    def account_deleted(self, user: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._erase("account_deleted", user)
        return previous_value

    def _erase(self, hook: str, user: Any) -> None:
        try:
            with runtime.writer_allowed():
                erase_person(user.pk, getattr(user, "email", None))
        except Exception:
            logger.exception("journey: %s erasure failed for user %s", hook, getattr(user, "pk", None))

    # Checkouts -------------------------------------------------------------

    def checkout_created(self, checkout: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._record(
            "checkout_created",
            lambda: events.checkout_event(checkout, EventKind.CHECKOUT_CREATED, self._now()),
        )
        return previous_value

    def checkout_updated(self, checkout: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._record(
            "checkout_updated",
            lambda: events.checkout_event(checkout, EventKind.CART_UPDATED, self._now()),
        )
        return previous_value

    # Orders ----------------------------------------------------------------

    def _order(self, hook: str, order: Any, kind: EventKind) -> None:
        self._record(hook, lambda: events.order_event(order, kind, self._now()))

    def order_created(self, order: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._order("order_created", order, EventKind.ORDER_PLACED)
        return previous_value

    def order_bulk_created(self, orders: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        """Record the orders orderBulkCreate imports from elsewhere: history, as the backfill records it (no flow)."""
        for order in orders or ():
            try:
                imported = events.imported_order(order, self._now())
            except Exception:  # one order we cannot read must not cost the others, nor Saleor's request
                logger.exception("journey: order_bulk_created hook failed for one order; Saleor's request continues")
                continue
            for event in imported:
                self._record("order_bulk_created", _ready(event))
        return previous_value

    def order_expired(self, order: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        """Saleor's expire_orders_task expired an unconfirmed, unpaid order: the purchase is taken back."""
        self._order("order_expired", order, EventKind.ORDER_VOIDED)
        return previous_value

    def order_paid(self, order: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._order("order_paid", order, EventKind.ORDER_PAID)
        return previous_value

    def order_fully_paid(self, order: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._order("order_fully_paid", order, EventKind.ORDER_PAID)
        return previous_value

    def order_fulfilled(self, order: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._order("order_fulfilled", order, EventKind.ORDER_FULFILLED)
        return previous_value

    def order_cancelled(self, order: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._order("order_cancelled", order, EventKind.ORDER_VOIDED)
        return previous_value

    def order_fully_refunded(self, order: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._order("order_fully_refunded", order, EventKind.ORDER_VOIDED)
        return previous_value

    def order_refunded(self, order: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._record("order_refunded", lambda: events.order_refunded(order, self._now()))
        return previous_value

    def fulfillment_created(self, fulfillment: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._record("fulfillment_created", lambda: events.fulfillment_created(fulfillment, self._now()))
        return previous_value

    # HTTP route: /plugins/global/saleor.journey/<path> -----------------------

    def webhook(self, request: Any, path: str, previous_value: Any = None, **kwargs: Any) -> HttpResponse:
        # The legacy /plugins/<id>/ route reaches inactive plugins too.
        if not self.active:
            return HttpResponseNotFound()
        # Rate limits key on the caller's address as Saleor computes it (X-Forwarded-For behind a balancer).
        setattr(request, ratelimit.CLIENT_ADDRESS_ATTRIBUTE, client_ip(request))
        response = self._answer(request, path)
        if response is None:
            response = previous_value if isinstance(previous_value, HttpResponse) else HttpResponseNotFound()
        return web.protect(response)

    def _answer(self, request: Any, path: str) -> HttpResponse | None:
        """One of the plugin's pages or endpoints, or None when the path is not one of them."""
        if path.rstrip("/") == "/health":
            return JsonResponse({"plugin": PLUGIN_ID, "status": "ok"})
        if path.rstrip("/") == GRAPHQL.rstrip("/"):
            try:
                return graphql_view.handle(request, identify, self.settings, self.recorder.record,
                                           channels=runtime.channel_slugs)
            except Exception:
                logger.exception("journey: GraphQL request failed")
                return JsonResponse({"errors": [{"message": "Internal error.", "extensions": {"code": "INTERNAL_ERROR"}}]},
                                    status=500)
        if path.rstrip("/") == REPORT.rstrip("/"):
            try:
                return report_view.handle(request, identify, StaffSessions(), self.settings)
            except web.Refused as exc:
                return exc.response()
            except Exception:
                logger.exception("journey: report request failed")
                return HttpResponse("temporary failure", status=500, content_type="text/plain")
        try:
            return inbound.route(request, path, self.settings, record=self.recorder.record)
        except Exception:
            logger.exception("journey: callback %s failed", path)
            return HttpResponse("temporary failure", status=500, content_type="text/plain")


def recorder_for(settings: JourneySettings) -> JourneyRecorder:
    """Make a recorder (with the configured flows) for hooks, receivers and tasks."""
    return JourneyRecorder(settings.policy, stage_mirror(settings.metadata_key), flows=settings.flows)


def _ready(event: Any) -> Callable[[], Any]:
    """Wrap an event built already, for ``_record``."""
    return lambda: event
