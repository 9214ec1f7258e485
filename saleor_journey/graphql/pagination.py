"""Keyset pagination for Relay connections: ``first/after`` and ``last/before`` over (sort value, id).

A cursor is the base64 JSON of the row's sort value and id, so a page costs
one indexed range scan however deep it is (no OFFSET), and rows inserted
meanwhile do not shift pages. Page size is capped.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

MAX_PAGE = 100


class PaginationError(ValueError):
    """Bad paging arguments; shown to the client as is."""


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    has_next: bool
    has_previous: bool

    def cursor(self, row: Any, field: str) -> str:
        return encode_cursor(_value(row, field), row.pk)


def _value(row: Any, field: str) -> Any:
    value = getattr(row, field)
    return value.isoformat() if isinstance(value, datetime) else value


def encode_cursor(value: Any, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode()


def decode_cursor(cursor: str, field: str, queryset: QuerySet) -> tuple[Any, int]:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if value is None or isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
            raise ValueError
        return queryset.model._meta.get_field(field).to_python(value), pk
    except Exception as exc:
        raise PaginationError(f"Invalid cursor: {cursor[:40]!r}.") from exc


def paginate(
    queryset: QuerySet,
    field: str,
    descending: bool,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    """One page of ``queryset`` ordered by (``field``, id); ``field`` must not be null."""
    if first is not None and last is not None:
        raise PaginationError("Pass either first or last, not both.")
    size = first if first is not None else last
    if size is None:
        raise PaginationError(f"Pass first or last (at most {MAX_PAGE}).")
    if not 0 < size <= MAX_PAGE:
        raise PaginationError(f"first and last must be between 1 and {MAX_PAGE}.")
    forward = last is None
    for cursor, is_after in ((after, True), (before, False)):
        if cursor:
            value, pk = decode_cursor(cursor, field, queryset)
            greater = is_after != descending  # after in ascending order, or before in descending order
            op = "gt" if greater else "lt"
            queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk}))
    ascending = descending != forward  # a backward page is read in the opposite order, then flipped
    order = [field, "pk"] if ascending else [f"-{field}", "-pk"]
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    return Page(rows, has_next=more if forward else bool(before), has_previous=more if not forward else bool(after))
