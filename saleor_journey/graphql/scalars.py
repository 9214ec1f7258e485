"""``DateTime`` for arguments: an ISO 8601 time with its zone, checked where it is parsed.

graphene's own DateTime accepts what Python then refuses when the time is used:
an offset of a day or more (``+99:00``: "offset must be a timedelta strictly
between -timedelta(hours=24) and timedelta(hours=24)") or a time that leaves the
calendar in UTC (year 1 at +05:00). Ours refuses them at parsing, with the
reason; a time without a zone is refused too, since nothing here guesses one.
Output is graphene's (ISO 8601).
"""

from datetime import UTC, datetime
from typing import Any

from graphene.types.datetime import DateTime as GrapheneDateTime
from graphql import GraphQLError

EXAMPLE = "2026-11-01T00:00:00Z"


class DateTime(GrapheneDateTime):
    """An ISO 8601 time with a time zone (``Z`` or an offset under 24 hours), e.g. 2026-11-01T00:00:00Z."""

    class Meta:
        name = "DateTime"

    @staticmethod
    def parse_value(value: Any) -> datetime:
        parsed = GrapheneDateTime.parse_value(value)
        if not isinstance(parsed, datetime):
            raise GraphQLError(f"DateTime: {str(value)[:64]!r} is not an ISO 8601 time (e.g. {EXAMPLE}).")
        try:
            offset = parsed.utcoffset()
        except ValueError:
            raise GraphQLError(f"DateTime: {str(value)[:64]!r} has an offset of a day or more; "
                               "an offset is under 24 hours (e.g. +02:00).") from None
        if offset is None:
            raise GraphQLError(f"DateTime: {str(value)[:64]!r} has no time zone (e.g. {EXAMPLE}).")
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            raise GraphQLError(f"DateTime: {str(value)[:64]!r} is outside the years a calendar can hold.") from None
        return parsed

    @classmethod
    def parse_literal(cls, node: Any) -> datetime | None:
        """Return None for a literal that does not parse: graphql-core's validation then names the argument."""
        try:
            return super().parse_literal(node)
        except GraphQLError:
            return None
