"""Refuse documents that are too big, too deep or too costly, each check before the one it protects.

Three steps, each cheap and bounded by the one before:

1. ``screen`` reads the query's tokens (linear, stops at the limit) before
   parsing: the number of tokens, how deeply braces, brackets and
   parentheses nest (the parser recurses on them), and string values that
   PostgreSQL cannot store (NUL, unpaired surrogates).
2. ``bound`` walks the parsed document before validation, because
   graphql-core 2's validation of overlapping fields is quadratic in the
   fields sharing one response name: the number of fields and aliases,
   fragments and operations, fragment cycles, and how often one response
   name repeats in a selection (fragments expanded, each counted once).
3. ``check`` runs after validation and prices the query: every field counts
   1, multiplied by the page size of each connection above it
   (``first``/``last``, from the query or its variables; the page cap when a
   variable is not given), so a page of 100 journeys with their history costs
   about 100 × the fields per journey. Fragments are expanded. Introspection
   (``__schema``, ``__type``) reads only the schema and is not priced, so
   GraphiQL and other tools can load it.

Anonymous callers (a storefront tracking a view, a customer submitting a
review) get tighter limits than staff and apps.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from graphql.language import ast
from graphql.language.lexer import Lexer, TokenKind
from graphql.language.source import Source

from ..web import UNSTORABLE
from .pagination import MAX_PAGE

MAX_DEPTH = 10
MAX_COST = 50_000


@dataclass(frozen=True, slots=True)
class Bounds:
    body_bytes: int  # the HTTP body
    tokens: int
    nesting: int  # braces, brackets and parentheses, one inside another
    fields: int  # field selections written in the document
    aliases: int
    fragments: int  # fragment definitions
    operations: int
    repeats: int  # one response name in one selection set, fragments expanded
    variables_nesting: int  # lists and objects in the variables, one inside another


STAFF = Bounds(body_bytes=100_000, tokens=10_000, nesting=40, fields=2_000, aliases=200, fragments=100, operations=20,
               repeats=10, variables_nesting=10)
ANONYMOUS = Bounds(body_bytes=32_000, tokens=1_000, nesting=30, fields=100, aliases=20, fragments=10, operations=5,
                   repeats=5, variables_nesting=10)


class QueryTooComplex(ValueError):
    pass


class QueryTooLarge(ValueError):
    """A document refused before parsing or validation (its size or shape)."""


class BadValue(ValueError):
    """A string no database can store (NUL, an unpaired surrogate), or variables nested too deep."""


def screen(query: str, bounds: Bounds) -> None:
    """Refuse a query by its tokens alone; raise QueryTooLarge, BadValue or GraphQLSyntaxError."""
    lexer = Lexer(Source(query))
    count = depth = 0
    opening = {TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L}
    closing = {TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R}
    while True:
        token = lexer.next_token()
        if token.kind == TokenKind.EOF:
            return
        count += 1
        if count > bounds.tokens:
            raise QueryTooLarge(f"The query has more than {bounds.tokens} tokens.")
        if token.kind in opening:
            depth += 1
            if depth > bounds.nesting:
                raise QueryTooLarge(f"The query nests braces, brackets or parentheses deeper than {bounds.nesting}.")
        elif token.kind in closing:
            depth -= 1
        elif token.kind == TokenKind.STRING and UNSTORABLE.search(token.value):
            raise BadValue("A string in the query holds a NUL character or an unpaired surrogate.")


def check_variables(variables: Any, bounds: Bounds) -> None:
    """Refuse variables nested too deep, or holding a string no database can store (no recursion)."""
    stack: list[tuple[Any, int]] = [(variables, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if UNSTORABLE.search(value):
                raise BadValue("A variable holds a NUL character or an unpaired surrogate.")
        elif isinstance(value, dict | list):
            if depth >= bounds.variables_nesting:
                raise BadValue(f"variables nest lists or objects deeper than {bounds.variables_nesting}.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and UNSTORABLE.search(key):
                    raise BadValue("A variable's name holds a NUL character or an unpaired surrogate.")
                stack.append((item, depth + 1))


def bound(document: ast.Document, bounds: Bounds) -> None:
    """Refuse a parsed document by its shape, before validation; raise QueryTooLarge."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, ast.FragmentDefinition)}
    operations = [d for d in document.definitions if isinstance(d, ast.OperationDefinition)]
    if len(fragments) > bounds.fragments:
        raise QueryTooLarge(f"The query defines more than {bounds.fragments} fragments.")
    if len(operations) > bounds.operations:
        raise QueryTooLarge(f"The document holds more than {bounds.operations} operations.")
    fields = aliases = 0
    stack: list[ast.SelectionSet | None] = [d.selection_set for d in document.definitions
                                            if isinstance(d, ast.OperationDefinition | ast.FragmentDefinition)]
    while stack:
        selection_set = stack.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, ast.Field):
                fields += 1
                aliases += selection.alias is not None
            if isinstance(selection, ast.Field | ast.InlineFragment):
                stack.append(selection.selection_set)
        if fields > bounds.fields:
            raise QueryTooLarge(f"The query selects more than {bounds.fields} fields.")
        if aliases > bounds.aliases:
            raise QueryTooLarge(f"The query uses more than {bounds.aliases} aliases.")
    _refuse_cycles(fragments)
    _refuse_repeats(document, fragments, bounds.repeats)


def _refuse_cycles(fragments: dict[str, ast.FragmentDefinition]) -> None:
    """A fragment that spreads itself, directly or through others, is refused (depth first, without recursion)."""
    needs = {name: _spreads(fragment.selection_set) for name, fragment in fragments.items()}
    done: set[str] = set()
    for start in fragments:
        path, pending = [start], [iter(needs[start])]
        while pending:
            name = next(pending[-1], None)
            if name is None:
                pending.pop()
                done.add(path.pop())
            elif name in path:
                raise QueryTooLarge(f"Fragment {name!r} spreads itself: {' -> '.join([*path, name])}.")
            elif name in needs and name not in done:
                path.append(name)
                pending.append(iter(needs[name]))


def _spreads(selection_set: ast.SelectionSet | None) -> list[str]:
    """Every fragment name spread anywhere below a selection set."""
    names, stack = [], [selection_set]
    while stack:
        current = stack.pop()
        for selection in current.selections if current is not None else []:
            if isinstance(selection, ast.FragmentSpread):
                names.append(selection.name.value)
            else:
                stack.append(selection.selection_set)
    return names


def _refuse_repeats(document: ast.Document, fragments: dict[str, ast.FragmentDefinition], limit: int) -> None:
    """One response name may appear at most ``limit`` times in a selection set, with its fragments expanded
    (validation compares every pair of them). Fragments are counted once each (no cycles by now)."""
    names_of: dict[str, Counter[str]] = {}

    def names(selection_set: ast.SelectionSet) -> Counter[str]:
        found: Counter[str] = Counter()
        for selection in selection_set.selections:
            if isinstance(selection, ast.Field):
                found[(selection.alias or selection.name).value] += 1
            elif isinstance(selection, ast.InlineFragment):
                found += names(selection.selection_set)
            elif selection.name.value in fragments:
                found += fragment(selection.name.value)
        return found

    def fragment(name: str) -> Counter[str]:
        if name not in names_of:
            names_of[name] = Counter()  # stands in while it is expanded (cycles were refused)
            names_of[name] = names(fragments[name].selection_set)
        return names_of[name]

    stack = [d.selection_set for d in document.definitions if hasattr(d, "selection_set")]
    while stack:
        selection_set = stack.pop()
        if selection_set is None:
            continue
        counts = names(selection_set)
        name, most = max(counts.items(), key=lambda item: item[1], default=("", 0))
        if most > limit:
            raise QueryTooLarge(f"{name!r} is selected {most} times in one selection; at most {limit}.")
        stack += [s.selection_set for s in selection_set.selections if not isinstance(s, ast.FragmentSpread)]


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
            if isinstance(selection, ast.Field) and selection.name.value.startswith("__"):
                continue  # introspection reads the schema, not the shop (its size is bounded before validation)
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
