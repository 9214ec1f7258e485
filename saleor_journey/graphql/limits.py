"""Refuse queries that are too deep or too costly before running them.

Cost: every field counts 1, multiplied by the page size of each connection
above it (``first``/``last``, taken from the query or its variables; the page
cap when it is a variable not given), so a page of 100 journeys with their
history costs about 100 × the fields per journey. Fragments are expanded.
"""

from typing import Any

from graphql.language import ast

from .pagination import MAX_PAGE

MAX_DEPTH = 10
MAX_COST = 50_000


class QueryTooComplex(ValueError):
    pass


def _page_size(field: ast.Field, variables: dict[str, Any]) -> int:
    for argument in field.arguments or []:
        if argument.name.value in ("first", "last"):
            value = argument.value
            if isinstance(value, ast.IntValue):
                return max(1, min(int(value.value), MAX_PAGE))
            if isinstance(value, ast.Variable):
                given = variables.get(value.name.value)
                return max(1, min(int(given), MAX_PAGE)) if isinstance(given, int) else MAX_PAGE
    return 1


def check(document: ast.Document, operation_name: str | None, variables: dict[str, Any]) -> None:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, ast.FragmentDefinition)}
    operations = [d for d in document.definitions if isinstance(d, ast.OperationDefinition)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]

    def walk(selection_set: ast.SelectionSet | None, depth: int, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        if depth > MAX_DEPTH:
            raise QueryTooComplex(f"The query is nested deeper than {MAX_DEPTH} levels.")
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, ast.Field):
                cost += 1 + _page_size(selection, variables) * walk(selection.selection_set, depth + 1, seen)
            elif isinstance(selection, ast.InlineFragment):
                cost += walk(selection.selection_set, depth, seen)
            elif isinstance(selection, ast.FragmentSpread):
                name = selection.name.value
                if name in seen or name not in fragments:  # cycles and unknown names fail validation anyway
                    continue
                cost += walk(fragments[name].selection_set, depth, seen | {name})
            if cost > MAX_COST:
                raise QueryTooComplex(f"The query would cost more than {MAX_COST} (fields × page sizes); ask for less.")
        return cost

    for operation in operations:
        walk(operation.selection_set, 1, frozenset())
