"""What an introspection query (``__schema``, ``__type``) would read from this schema, counted before it runs.

Introspection reads the schema, not the shop, but nesting fans out
(``types { fields { type { ofType { fields ...`` multiplies by every type's
fields), so it is priced by walking the query over the schema itself:
one unit per field it would resolve, stopped as soon as the count passes
the cap. GraphiQL's full introspection query reads a few thousand.
"""

from collections.abc import Iterator
from typing import Any

from graphql.language import ast
from graphql.type import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
)

#: Fields an introspection query may resolve; GraphiQL's full query over this schema resolves about 3,400
#: (15 ms); the costliest reads take about 15 µs each, so the cap is about 0.15 s.
MAX_READS = 10_000


class TooMuchIntrospection(ValueError):
    pass


def reads(schema: Any, field: ast.Field, fragments: dict[str, ast.FragmentDefinition], cap: int = MAX_READS) -> int:
    """Count the fields a root ``__schema`` or ``__type`` field would resolve; TooMuchIntrospection past ``cap``."""
    count = 0

    def walk(selection_set: ast.SelectionSet | None, kind: str, thing: Any) -> None:
        nonlocal count
        for selected in _fields(selection_set, fragments):
            count += 1
            if count > cap:
                raise TooMuchIntrospection(f"The introspection query would read more than {MAX_READS} fields of the "
                                           "schema.")
            if selected.selection_set is not None:
                child_kind, children = _children(schema, kind, thing, selected.name.value)
                for child in children:
                    walk(selected.selection_set, child_kind, child)

    if field.name.value == "__schema":
        walk(field.selection_set, "schema", schema)
    elif field.name.value == "__type":
        walk(field.selection_set, "type", next(iter(schema.get_type_map().values())))  # one type, the cost of any
    return count + 1


def _fields(selection_set: ast.SelectionSet | None, fragments: dict[str, ast.FragmentDefinition]) -> Iterator[ast.Field]:
    pending, seen = ([selection_set] if selection_set is not None else []), set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, ast.Field):
                yield selection
            elif isinstance(selection, ast.InlineFragment):
                pending.append(selection.selection_set)
            elif selection.name.value in fragments and selection.name.value not in seen:
                seen.add(selection.name.value)
                pending.append(fragments[selection.name.value].selection_set)


def _children(schema: Any, kind: str, thing: Any, name: str) -> tuple[str, list[Any]]:
    """List the introspection objects a field returns: (their kind, the objects)."""
    if kind == "schema":
        if name == "types":
            return "type", list(schema.get_type_map().values())
        if name == "directives":
            return "directive", list(schema.get_directives())
        root = {"queryType": schema.get_query_type, "mutationType": schema.get_mutation_type,
                "subscriptionType": schema.get_subscription_type}.get(name)
        return "type", [t for t in [root()] if t is not None] if root else []
    if kind == "type":
        if name == "fields" and isinstance(thing, GraphQLObjectType | GraphQLInterfaceType):
            return "field", list(thing.fields.values())
        if name == "inputFields" and isinstance(thing, GraphQLInputObjectType):
            return "input", list(thing.fields.values())
        if name == "interfaces" and isinstance(thing, GraphQLObjectType):
            return "type", list(thing.interfaces)
        if name == "possibleTypes" and isinstance(thing, GraphQLInterfaceType | GraphQLUnionType):
            return "type", list(schema.get_possible_types(thing))
        if name == "enumValues" and isinstance(thing, GraphQLEnumType):
            return "value", list(thing.values)
        if name == "ofType" and isinstance(thing, GraphQLList | GraphQLNonNull):
            return "type", [thing.of_type]
        return "type", []
    if kind in ("field", "directive") and name == "args":
        return "input", list(thing.args.values())
    if kind in ("field", "input") and name == "type":
        return "type", [thing.type]
    return kind, []
