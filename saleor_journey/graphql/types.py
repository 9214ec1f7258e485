"""The API's object types. Saleor objects appear as Saleor global IDs, so clients can join with Saleor's API."""

from typing import Any

import graphene
from graphene import relay

from ..core.requestor import Permission
from ..core.stages import Stage
from ..models import MessageState, ReviewStatus
from .scalars import DateTime

JourneyStageEnum = graphene.Enum("JourneyStageEnum", [(s.name, s.value) for s in Stage])
ReviewStatusEnum = graphene.Enum("ReviewStatusEnum", [(s.name, s.value) for s in ReviewStatus])
MessageStateEnum = graphene.Enum("MessageStateEnum", [(s.name, s.value) for s in MessageState])


def node_id(type_name: str, pk: Any) -> str:
    """Return the global ID of a row that always exists (its primary key, a required reference)."""
    return relay.Node.to_global_id(type_name, pk)


def global_id(type_name: str, pk: Any) -> str | None:
    """Return the global ID of an optional reference, or None when there is none."""
    return None if pk is None else node_id(type_name, pk)


class StageChange(graphene.ObjectType):
    from_stage = graphene.Field(JourneyStageEnum, required=True)
    to_stage = graphene.Field(JourneyStageEnum, required=True)
    cause = graphene.String(required=True, description="The event kind that moved the customer, `lapse` or `backfill`.")
    at = DateTime(required=True)


class JourneyEvent(graphene.ObjectType):
    kind = graphene.String(required=True)
    occurred_at = DateTime(required=True)
    channel = graphene.String(description="Saleor channel slug, when the event had one.")
    source = graphene.String(required=True, description="`live` or `backfill`.")


class ScheduledMessage(graphene.ObjectType):
    id = graphene.ID(required=True)
    flow = graphene.String(required=True)
    step = graphene.String(required=True)
    channel = graphene.String(required=True, description="email, sms or whatsapp.")
    state = graphene.Field(MessageStateEnum, required=True)
    reason = graphene.String(required=True, description="Why it was skipped, deferred or failed; empty otherwise.")
    due_at = DateTime(required=True)
    sent_at = DateTime()

    @staticmethod
    def resolve_id(root: Any, info: Any) -> str:
        return node_id("ScheduledMessage", root.pk)


class ChannelConsent(graphene.ObjectType):
    channel = graphene.String(required=True)
    address = graphene.String(required=True)
    granted = graphene.Boolean(description="The recorded answer; null when the customer never answered.")
    recorded_at = DateTime()
    suppressed = graphene.Boolean(required=True, description="Opted out, bounced or complained: nothing is sent.")


class ProductReview(graphene.ObjectType):
    id = graphene.ID(required=True)
    product = graphene.ID(required=True, description="Saleor Product ID.")
    variant = graphene.ID(description="Saleor ProductVariant ID.")
    rating = graphene.Int(required=True)
    title = graphene.String(required=True)
    text = graphene.String(required=True, description="Plain text as written; escape it when you show it.")
    language = graphene.String(required=True)
    status = graphene.Field(ReviewStatusEnum, required=True)
    created_at = DateTime(required=True)
    verified_purchase = graphene.Boolean(required=True, description="Always true: reviews come from orders.")
    order = graphene.ID(description="Saleor Order ID; staff with MANAGE_ORDERS only.")

    @staticmethod
    def resolve_id(root: Any, info: Any) -> str:
        return node_id("ProductReview", root.pk)

    @staticmethod
    def resolve_product(root: Any, info: Any) -> str:
        return node_id("Product", root.product_id)

    @staticmethod
    def resolve_variant(root: Any, info: Any) -> str | None:
        return global_id("ProductVariant", root.variant_id)

    @staticmethod
    def resolve_verified_purchase(root: Any, info: Any) -> bool:
        return True

    @staticmethod
    def resolve_order(root: Any, info: Any) -> str | None:
        return global_id("Order", root.order_id) if info.context.requestor.can(Permission.MANAGE_ORDERS) else None


class CustomerJourney(graphene.ObjectType):
    id = graphene.ID(required=True)
    user = graphene.ID(description="Saleor User ID; null for a guest.")
    email = graphene.String()
    stage = graphene.Field(JourneyStageEnum, required=True)
    stage_since = DateTime(required=True)
    last_order_at = DateTime()
    created_at = DateTime(required=True)
    history = graphene.List(graphene.NonNull(StageChange), required=True, description="Oldest first.")
    events = graphene.List(graphene.NonNull(JourneyEvent), required=True, description="The 20 most recent.")
    messages = graphene.List(graphene.NonNull(ScheduledMessage), required=True,
                             description="The 20 most recent scheduled or sent messages.")
    consent = graphene.List(graphene.NonNull(ChannelConsent), required=True,
                            description="The email address and every phone number messages went to.")
    reviews = graphene.List(graphene.NonNull(ProductReview), required=True, description="Newest first, any status.")

    @staticmethod
    def resolve_id(root: Any, info: Any) -> str:
        return node_id("CustomerJourney", root.pk)

    @staticmethod
    def resolve_user(root: Any, info: Any) -> str | None:
        return global_id("User", root.user_id)

    @staticmethod
    def resolve_history(root: Any, info: Any) -> Any:
        return info.context.loaders.history.load(root.pk)

    @staticmethod
    def resolve_events(root: Any, info: Any) -> Any:
        return info.context.loaders.events.load(root.pk)

    @staticmethod
    def resolve_messages(root: Any, info: Any) -> Any:
        return info.context.loaders.messages.load(root.pk)

    @staticmethod
    def resolve_reviews(root: Any, info: Any) -> Any:
        return info.context.loaders.reviews.load(root.pk)

    @staticmethod
    def resolve_consent(root: Any, info: Any) -> Any:
        def addresses(messages: list[Any]) -> Any:
            keys = [("email", root.email)] if root.email else []
            for message in messages:
                if message.channel != "email" and (message.channel, message.recipient) not in keys:
                    keys.append((message.channel, message.recipient))
            return info.context.loaders.consent.load_many(keys).then(
                lambda answers: [
                    ChannelConsent(channel=channel, address=address, granted=getattr(consent, "granted", None),
                                   recorded_at=getattr(consent, "recorded_at", None), suppressed=suppressed)
                    for (channel, address), (consent, suppressed) in zip(keys, answers, strict=True)
                ]
            )

        return info.context.loaders.messages.load(root.pk).then(addresses)


class CountableConnection(relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(description="Rows matching the filter, all pages together.")

    @staticmethod
    def resolve_total_count(root: Any, info: Any) -> int:
        return root.total_count()


class CustomerJourneyCountableConnection(CountableConnection):
    class Meta:
        node = CustomerJourney


class ProductReviewCountableConnection(CountableConnection):
    class Meta:
        node = ProductReview


class ScheduledMessageCountableConnection(CountableConnection):
    class Meta:
        node = ScheduledMessage
