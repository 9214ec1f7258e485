"""Refuse documents that are too big, too deep or too costly, each check before the one it protects.

Three steps, each cheap and bounded by the one before:

1. ``screen`` reads the query's tokens (linear, stops at the limit) before
   parsing: the number of tokens, how deeply braces, brackets and
   parentheses nest (the parser recurses on them), and string values that
   PostgreSQL cannot store (NUL, unpaired surrogates).
2. ``bound`` walks the parsed document before validation, because
   graphql-core 2's validation of overlapping fields is quadratic in the
   fields sharing one response name: the number of fields and aliases,
   fragments and operations, fragment cycles, and the number of field pairs
   that validation would compare (counted, with a budget).
3. ``check`` runs after validation and prices the query: every field counts
   1 (``journeyFunnel`` and ``journeyMetrics`` 500), multiplied by the page size of each connection above it
   (``first``/``last``, from the query or its variables; the page cap when a
   variable is not given), so a page of 100 journeys with their history costs
   about 100 × the fields per journey. Fragments are expanded. Introspection
   (``__schema``, ``__type``) reads only the schema: it has no depth limit
   and its own cap, by what it would read (introspection.py), so GraphiQL
   and other tools can load it.

Anonymous callers (a storefront tracking a view, a customer submitting a
review) get tighter limits than staff and apps.
"""

from dataclasses import dataclass
from typing import Any

from graphql.language import ast
from graphql.language.lexer import Lexer, TokenKind
from graphql.language.source import Source

from ..web import UNSTORABLE
from . import introspection
from .pagination import MAX_PAGE

MAX_DEPTH = 10
MAX_COST = 50_000
#: Fields that read a period's figures (a few milliseconds each) cost more than one: at most 100 in a query.
WEIGHT = {"journeyFunnel": 500, "journeyMetrics": 500}


@dataclass(frozen=True, slots=True)
class Bounds:
    body_bytes: int  # the HTTP body
    tokens: int
    nesting: int  # braces, brackets and parentheses, one inside another
    fields: int  # field selections written in the document
    aliases: int
    fragments: int  # fragment definitions
    operations: int
    overlap_pairs: int  # field pairs sharing a response name that validation would compare
    variables_nesting: int  # lists and objects in the variables, one inside another


STAFF = Bounds(body_bytes=100_000, tokens=10_000, nesting=40, fields=2_000, aliases=200, fragments=100, operations=20,
               overlap_pairs=20_000, variables_nesting=10)
ANONYMOUS = Bounds(body_bytes=32_000, tokens=1_000, nesting=30, fields=100, aliases=20, fragments=10, operations=5,
                   overlap_pairs=2_000, variables_nesting=10)


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
        elif token.kind == TokenKind.STRING and token.value and UNSTORABLE.search(token.value):
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
    _refuse_overlap_work(document, fragments, bounds.overlap_pairs)


def _refuse_cycles(fragments: dict[str, ast.FragmentDefinition]) -> None:
    """Refuse a fragment that spreads itself, directly or through others (depth first, without recursion)."""
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


class _OverlapWork:
    """Counts the field pairs graphql-core 2's OverlappingFieldsCanBeMerged rule would compare, up to ``budget``.

    The rule compares every pair of fields sharing a response name in a selection set (fragments
    expanded), and for each pair with sub-selections, every same-named pair below them, recursively: repeats
    at several levels multiply (10 x 10 x 10 costs half a second). Counting stops at the budget, so this
    costs at most the budget's worth of steps.
    """

    def __init__(self, fragments: dict[str, ast.FragmentDefinition], budget: int) -> None:
        self.fragments, self.budget = fragments, budget
        self.groups: dict[int, dict[str, list[ast.Field]]] = {}

    def spend(self, pairs: int) -> None:
        self.budget -= pairs
        if self.budget < 0:
            raise QueryTooLarge("The query selects the same fields over and over (one name many times, at "
                                "several levels): checking it would take too long.")

    def by_name(self, selection_set: ast.SelectionSet) -> dict[str, list[ast.Field]]:
        """Group the fields of a selection set by response name, inline fragments and spread fragments included."""
        key = id(selection_set)
        if key not in self.groups:
            found: dict[str, list[ast.Field]] = {}
            pending, seen = [selection_set], set()
            while pending:
                for selection in pending.pop().selections:
                    if isinstance(selection, ast.Field):
                        found.setdefault((selection.alias or selection.name).value, []).append(selection)
                    elif isinstance(selection, ast.InlineFragment):
                        pending.append(selection.selection_set)
                    elif selection.name.value in self.fragments and selection.name.value not in seen:
                        seen.add(selection.name.value)
                        pending.append(self.fragments[selection.name.value].selection_set)
            self.groups[key] = found
        return self.groups[key]

    def within(self, selection_set: ast.SelectionSet) -> None:
        for fields in self.by_name(selection_set).values():
            self.spend(len(fields) * (len(fields) - 1) // 2)
            nested = [f.selection_set for f in fields if f.selection_set is not None]
            for i, first in enumerate(nested):
                for second in nested[i + 1:]:
                    self.between(first, second)

    def between(self, first: ast.SelectionSet, second: ast.SelectionSet) -> None:
        pending = [(first, second)]
        while pending:
            one, other = pending.pop()
            mine, theirs = self.by_name(one), self.by_name(other)
            for name in mine.keys() & theirs.keys():
                self.spend(len(mine[name]) * len(theirs[name]))
                pending += [(a.selection_set, b.selection_set) for a in mine[name] for b in theirs[name]
                            if a.selection_set is not None and b.selection_set is not None]


def _refuse_overlap_work(document: ast.Document, fragments: dict[str, ast.FragmentDefinition], budget: int) -> None:
    """Refuse a document whose overlapping-fields validation would compare more than ``budget`` field pairs."""
    work = _OverlapWork(fragments, budget)
    pending = [d.selection_set for d in document.definitions if hasattr(d, "selection_set")]
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        work.within(selection_set)  # as the rule does on entering every selection set
        pending += [s.selection_set for s in selection_set.selections if not isinstance(s, ast.FragmentSpread)]


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


def check(document: ast.Document, operation_name: str | None, variables: dict[str, Any], schema: Any = None) -> None:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, ast.FragmentDefinition)}
    operations = [d for d in document.definitions if isinstance(d, ast.OperationDefinition)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    schema_reads = [0]  # introspection's reads, all fields together

    def walk(selection_set: ast.SelectionSet | None, depth: int, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        if depth > MAX_DEPTH:
            raise QueryTooComplex(f"The query is nested deeper than {MAX_DEPTH} levels.")
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, ast.Field) and selection.name.value.startswith("__"):
                if selection.name.value in ("__schema", "__type") and schema is not None:
                    try:  # priced by what it would read from the schema, with its own cap (not the shop's)
                        schema_reads[0] += introspection.reads(schema, selection, fragments,
                                                               introspection.MAX_READS - schema_reads[0])
                    except introspection.TooMuchIntrospection as exc:
                        raise QueryTooComplex(str(exc)) from None
                continue
            if isinstance(selection, ast.Field):
                cost += WEIGHT.get(selection.name.value, 1) + _page_size(selection, variables) * walk(
                    selection.selection_set, depth + 1, seen)
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
