"""Read side of the API: journeys, messages, reviews, ratings and the funnel."""

import binascii
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import graphene
from django.db.models import Avg, Count, Exists, OuterRef, Q
from graphene import relay
from graphql_relay import from_global_id

from .. import clock as journey_clock
from ..core.requestor import Permission
from ..core.stages import Stage
from ..models import Journey, JourneyEvent, ProductReview, ReviewStatus, ScheduledMessage
from ..services import figures
from ..services import metrics as journey_metrics
from . import metrics, types
from .errors import InvalidInput, PermissionDenied
from .pagination import Page, PaginationError, paginate
from .scalars import DateTime

#: The longest period a KPI query may cover.
MAX_PERIOD = timedelta(days=366)


def require(info: Any, permission: Permission) -> None:
    if not info.context.requestor.can(permission):
        raise PermissionDenied(permission)


def pk_from(global_id: str, expected: str, field: str) -> int:
    """Return the integer pk of a Saleor or plugin global ID of type ``expected``; raise a clear error otherwise."""
    try:
        type_name, pk = from_global_id(global_id)
        if type_name != expected:
            raise ValueError
        return int(pk)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidInput(f"{field}: {global_id!r} is not a {expected} ID.", field) from exc


def connection(connection_type: Any, page: Page, sort_field: str, count: Any) -> Any:
    edges = [connection_type.Edge(node=row, cursor=page.cursor(row, sort_field)) for row in page.rows]
    result = connection_type(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next, has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
        ),
    )
    result.total_count = count
    return result


def page_of(queryset: Any, field: str, descending: bool, connection_type: Any, **paging: Any) -> Any:
    try:
        page = paginate(queryset, field, descending, **paging)
    except PaginationError as exc:
        raise InvalidInput(str(exc)) from exc
    return connection(connection_type, page, field, queryset.count)


# -- inputs ----------------------------------------------------------------


class Direction(StrEnum):
    ASC = "asc"
    DESC = "desc"


SortDirection = graphene.Enum("SortDirection", [(d.name, d.value) for d in Direction])


def sorting_input(name: str, fields: list[str]) -> type[graphene.InputObjectType]:
    """``<name>SortingInput {field: <name>SortField!, direction: SortDirection!}`` over model fields."""
    field_enum = graphene.Enum(f"{name}SortField", [(f.upper(), f) for f in fields])
    attrs = {"field": field_enum(required=True), "direction": SortDirection(required=True)}
    return type(f"{name}SortingInput", (graphene.InputObjectType,), attrs)


CustomerJourneySortingInput = sorting_input("CustomerJourney", ["stage_since", "created_at", "last_order_at"])
ProductReviewSortingInput = sorting_input("ProductReview", ["created_at", "rating"])


class CustomerJourneyFilterInput(graphene.InputObjectType):
    stage = graphene.List(graphene.NonNull(types.JourneyStageEnum))
    channel = graphene.String(description="Customers with at least one event in this Saleor channel (slug).")
    stage_changed_since = DateTime()
    email = graphene.String(description="Exact address, any case.")


class PeriodInput(graphene.InputObjectType):
    gte = DateTime(required=True)
    lte = DateTime(description="Defaults to now.")


class ProductReviewFilterInput(graphene.InputObjectType):
    rating = graphene.List(graphene.NonNull(graphene.Int))
    status = graphene.List(graphene.NonNull(types.ReviewStatusEnum), description="Staff only; others see approved.")


class ScheduledMessageFilterInput(graphene.InputObjectType):
    state = graphene.List(graphene.NonNull(types.MessageStateEnum))
    flow = graphene.String()
    customer = graphene.ID(description="A CustomerJourney ID.")


# -- outputs of the KPI queries ---------------------------------------------


class FunnelStage(graphene.ObjectType):
    stage = graphene.Field(types.JourneyStageEnum, required=True)
    customers = graphene.Int(required=True, description="Customers in this stage now (with a channel: those "
                                                           "whose move into it came from that channel).")
    reached = graphene.Int(required=True, description="Moves into this stage during the period (a customer who "
                                                         "entered twice counts twice).")
    conversion_rate = graphene.Float(
        description="reached(this stage) / reached(previous stage) over the period; null for the first stage or "
                    "when nobody reached the previous one."
    )


class JourneyFunnel(graphene.ObjectType):
    period_start = DateTime(required=True, description="Start of the first whole UTC day counted.")
    period_end = DateTime(required=True, description="End of the last whole UTC day counted.")
    as_of = DateTime(required=True, description="When the figures were computed (refreshed every 10 minutes).")
    stages = graphene.List(graphene.NonNull(FunnelStage), required=True)
    lapsed = graphene.Int(required=True, description="Customers lapsed now.")


class ProductRating(graphene.ObjectType):
    product = graphene.ID(required=True)
    average = graphene.Float(description="Null without approved reviews.")
    count = graphene.Int(required=True)
    distribution = graphene.List(graphene.NonNull(graphene.Int), required=True,
                                 description="Approved reviews with 1, 2, 3, 4 and 5 stars.")


def period_of(period: Any) -> tuple[date, date, datetime, datetime]:
    """Return the whole UTC days a period covers: (first day, last day, start of the first, end of the last)."""
    now = journey_clock.now()
    # By default the last 30 whole UTC days, today included (as the report's default).
    start, end = (now - timedelta(days=29), now) if period is None else (period.gte, period.lte or now)
    # Both are aware times that fit the calendar in UTC: the DateTime scalar refused anything else (scalars.py).
    if end < start:
        raise InvalidInput("period: lte is before gte.", "period")
    if end - start > MAX_PERIOD:
        raise InvalidInput("period: at most 366 days.", "period")
    try:
        first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
        midnight = datetime(first.year, first.month, first.day, tzinfo=UTC)
        return first, last, midnight, midnight + timedelta(days=(last - first).days + 1)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00, which is in year 0 in UTC
        raise InvalidInput("period: the times are outside the years a calendar can hold.", "period") from None


def _in_channel(queryset: Any, channel: str | None) -> Any:
    if not channel:
        return queryset
    return queryset.filter(Exists(JourneyEvent.objects.filter(journey_id=OuterRef("pk"), channel=channel)))


class Query(graphene.ObjectType):
    customer_journey = graphene.Field(
        types.CustomerJourney, email=graphene.String(), user=graphene.ID(description="Saleor User ID."),
        description="One customer's journey, by email or Saleor user. Needs MANAGE_USERS.",
    )
    customer_journeys = relay.ConnectionField(
        types.CustomerJourneyCountableConnection, filter=CustomerJourneyFilterInput(),
        sort_by=CustomerJourneySortingInput(), description="Needs MANAGE_USERS. At most 100 per page.",
    )
    journey_funnel = graphene.Field(
        JourneyFunnel, channel=graphene.String(), period=PeriodInput(description="Default: the last 30 whole UTC days, today included."),
        description="Customers per stage now, and who moved through the stages during the period. Needs MANAGE_USERS.",
    )
    journey_metrics = graphene.Field(
        metrics.JourneyMetrics, channel=graphene.String(), period=PeriodInput(description="Default: the last 30 whole UTC days, today included."),
        description="What the flows sent and achieved, with recovered revenue. Needs MANAGE_ORDERS.",
    )
    scheduled_messages = relay.ConnectionField(
        types.ScheduledMessageCountableConnection, filter=ScheduledMessageFilterInput(),
        description="Newest due first. Needs MANAGE_USERS.",
    )
    product_reviews = relay.ConnectionField(
        types.ProductReviewCountableConnection, product=graphene.ID(required=True, description="Saleor Product ID."),
        filter=ProductReviewFilterInput(), sort_by=ProductReviewSortingInput(),
        description="Approved reviews for everyone; staff with MANAGE_PRODUCTS see every status.",
    )
    product_rating = graphene.Field(
        ProductRating, product=graphene.ID(required=True), description="Over approved reviews; public."
    )

    @staticmethod
    def resolve_customer_journey(root: Any, info: Any, email: str | None = None, user: str | None = None) -> Any:
        require(info, Permission.MANAGE_USERS)
        journeys = Journey.objects.filter(merged_into__isnull=True)
        if user is not None and email is None:
            return journeys.filter(user_id=pk_from(user, "User", "user")).first()
        if email is not None and user is None:
            return journeys.filter(email=email.strip().lower()).order_by("user_id").first()
        raise InvalidInput("Pass either email or user.")

    @staticmethod
    def resolve_customer_journeys(root: Any, info: Any, filter: Any = None, sort_by: Any = None, **paging: Any) -> Any:
        require(info, Permission.MANAGE_USERS)
        journeys = Journey.objects.filter(merged_into__isnull=True)
        if filter:
            if filter.stage:
                journeys = journeys.filter(stage__in=filter.stage)
            if filter.stage_changed_since:
                journeys = journeys.filter(stage_since__gte=filter.stage_changed_since)
            if filter.email:
                journeys = journeys.filter(email=filter.email.strip().lower())
            journeys = _in_channel(journeys, filter.channel)
        field, descending = "stage_since", True
        if sort_by:
            field, descending = sort_by.field, sort_by.direction == Direction.DESC
            if field == "last_order_at":
                journeys = journeys.filter(last_order_at__isnull=False)  # keyset paging needs a value
        return page_of(journeys, field, descending, types.CustomerJourneyCountableConnection, **paging)

    @staticmethod
    def resolve_journey_funnel(root: Any, info: Any, channel: str | None = None, period: Any = None) -> Any:
        require(info, Permission.MANAGE_USERS)
        first, last, start, end = period_of(period)
        found = figures.figures_for(first, last, channel)
        stages = [FunnelStage(stage=stage.value, customers=customers, reached=reached, conversion_rate=rate)
                  for stage, customers, reached, rate in journey_metrics.funnel_steps(found)]
        return JourneyFunnel(period_start=start, period_end=end, as_of=found.as_of, stages=stages,
                             lapsed=found.stage_counts.get(Stage.LAPSED.value, 0))

    @staticmethod
    def resolve_journey_metrics(root: Any, info: Any, channel: str | None = None, period: Any = None) -> Any:
        require(info, Permission.MANAGE_ORDERS)
        first, last, start, end = period_of(period)
        promoter = journey_metrics.promoter_rating(info.context.settings)
        found = figures.figures_by_day(first, last, channel)
        return journey_metrics.compute(found.total(), start, end, promoter, found.days)

    @staticmethod
    def resolve_scheduled_messages(root: Any, info: Any, filter: Any = None, **paging: Any) -> Any:
        require(info, Permission.MANAGE_USERS)
        messages = ScheduledMessage.objects.all()
        if filter:
            if filter.state:
                messages = messages.filter(state__in=filter.state)
            if filter.flow:
                messages = messages.filter(flow=filter.flow)
            if filter.customer:
                messages = messages.filter(journey_id=pk_from(filter.customer, "CustomerJourney", "customer"))
        return page_of(messages, "due_at", True, types.ScheduledMessageCountableConnection, **paging)

    @staticmethod
    def resolve_product_reviews(
        root: Any, info: Any, product: str, filter: Any = None, sort_by: Any = None, **paging: Any
    ) -> Any:
        reviews = ProductReview.objects.filter(product_id=pk_from(product, "Product", "product"))
        staff = info.context.requestor.can(Permission.MANAGE_PRODUCTS)
        statuses = list(filter.status) if filter and filter.status else None
        if not staff:
            if statuses and set(statuses) != {ReviewStatus.APPROVED}:
                raise PermissionDenied(Permission.MANAGE_PRODUCTS)
            statuses = [ReviewStatus.APPROVED]
        if statuses:
            reviews = reviews.filter(status__in=statuses)
        if filter and filter.rating:
            if any(not 1 <= r <= 5 for r in filter.rating):
                raise InvalidInput("rating: each value must be between 1 and 5.", "rating")
            reviews = reviews.filter(rating__in=filter.rating)
        field, descending = "created_at", True
        if sort_by:
            field, descending = sort_by.field, sort_by.direction == Direction.DESC
        return page_of(reviews, field, descending, types.ProductReviewCountableConnection, **paging)

    @staticmethod
    def resolve_product_rating(root: Any, info: Any, product: str) -> Any:
        product_pk = pk_from(product, "Product", "product")
        approved = ProductReview.objects.filter(product_id=product_pk, status=ReviewStatus.APPROVED)
        figures = approved.aggregate(
            average=Avg("rating"), count=Count("id"),
            **{f"r{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)},
        )
        average = figures["average"]
        return ProductRating(
            product=product, average=round(float(average), 2) if average is not None else None,
            count=figures["count"], distribution=[figures[f"r{n}"] for n in range(1, 6)],
        )
