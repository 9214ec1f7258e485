"""POST /plugins/global/<id>/graphql/: the standard ``{query, variables, operationName}`` body, JSON back.

GET answers the explorer page. HTTP status: 401 for a refused token (or a
protected field asked anonymously), 403 when a field needs a permission the
caller lacks, 413 for a body over the size limit (smaller without a token),
415 for a body that is not JSON, 400 for a malformed request, a document over
the limits (limits.py: checked before parsing, before validation and before
running), one that does not validate, or variables that do not fit; 200
otherwise. The fields the caller may see are still answered beside a
permission error.
"""

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from graphql import parse, validate
from graphql.error import GraphQLError, GraphQLSyntaxError
from graphql.execution import ExecutionResult, execute
from graphql.language.ast import Field, OperationDefinition

from ..core.requestor import AuthenticationFailed, Requestor
from ..delivery import rendering
from ..services import ratelimit
from ..web import Refused, body_size, is_json
from . import limits
from .errors import ApiError, PermissionDenied
from .loaders import Loaders
from .schema import SDL_PATH, schema

logger = logging.getLogger(__name__)


@dataclass
class Context:
    requestor: Requestor
    settings: Any = None  # the active JourneySettings
    record: Callable[..., Any] | None = None  # records a journey event, as the hooks do
    client_ip: str = ""
    loaders: Loaders = field(default_factory=Loaders)
    channels: Callable[[], frozenset[str]] = frozenset  # the shop's channel slugs (from Saleor, through the adapter)


def _error(message: str, status: int, code: str) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)


def _format(error: Exception, code: str = "BAD_USER_INPUT") -> dict[str, Any]:
    """Format an error as the client sees it; ``code`` for graphql-core's own (syntax, validation, variables)."""
    original = getattr(error, "original_error", None) or error
    formatted: dict[str, Any] = {"message": str(original)}
    if isinstance(error, GraphQLError):
        if error.locations:
            formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
        if error.path:
            formatted["path"] = error.path
    if isinstance(original, ApiError):
        formatted["extensions"] = original.extensions
    elif original is not error or not isinstance(error, GraphQLError):
        # Not one of ours: a bug. Say nothing about it beyond that it happened.
        logger.error("journey: GraphQL resolver failed", exc_info=original)
        formatted["message"] = "Internal error."
        formatted["extensions"] = {"code": "INTERNAL_ERROR"}
    else:
        formatted["extensions"] = {"code": code}
    return formatted


def explorer() -> HttpResponse:
    """Serve a small page to try queries: it holds no data, the caller's token goes only to this endpoint."""
    nonce = secrets.token_urlsafe(16)
    page = rendering.render_page("explorer", "en", {"sdl": SDL_PATH.read_text(), "nonce": nonce})
    response = HttpResponse(page, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def handle(
    request: HttpRequest,
    identify: Callable[[HttpRequest], Requestor],
    settings: Any = None,
    record: Callable[..., Any] | None = None,
    channels: Callable[[], frozenset[str]] = frozenset,
) -> HttpResponse:
    """Answer one request; every check is cheaper than the one after it, and each refusal names the problem."""
    if request.method in ("GET", "HEAD"):
        return explorer()
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        size = body_size(request, limits.STAFF.body_bytes)
    except Refused as exc:
        return _error(exc.message, exc.status, exc.code)
    if not is_json(request):
        return _error("Send the body as application/json: {query, variables, operationName}.", 415,
                      "UNSUPPORTED_MEDIA_TYPE")
    try:
        requestor = identify(request)
    except AuthenticationFailed as exc:
        return _error(str(exc), 401, "INVALID_TOKEN")
    bounds = limits.STAFF if requestor.authenticated else limits.ANONYMOUS
    if size > bounds.body_bytes:
        return _error(f"The request body is larger than {bounds.body_bytes} bytes"
                      + ("" if requestor.authenticated else " (for a caller without a token)") + ".", 413, "TOO_LARGE")
    try:
        body = json.loads(request.body or b"null")
    except RecursionError:
        return _error("The body nests JSON lists or objects too deeply.", 400, "BAD_REQUEST")
    except (ValueError, UnicodeDecodeError):
        return _error("The body must be JSON: {query, variables, operationName}.", 400, "BAD_REQUEST")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return _error("The body must be a JSON object with a query string.", 400, "BAD_REQUEST")
    variables, operation = body.get("variables") or {}, body.get("operationName")
    if not isinstance(variables, dict) or not (operation is None or isinstance(operation, str)):
        return _error("variables must be an object and operationName a string.", 400, "BAD_REQUEST")
    known = _introspection_answers.get((body["query"], operation))
    if known is not None and not variables:
        return JsonResponse(known)  # the same introspection as before: the schema has not changed since
    try:
        limits.check_variables(variables, bounds)
        limits.screen(body["query"], bounds)
        document = parse(body["query"])
        limits.bound(document, bounds)
        _choose_operation(document, operation)
    except GraphQLSyntaxError as exc:
        return JsonResponse({"errors": [_format(exc, "GRAPHQL_PARSE_FAILED")]}, status=400)
    except limits.BadValue as exc:
        return _error(str(exc), 400, "BAD_REQUEST")
    except limits.QueryTooLarge as exc:
        return _error(str(exc), 400, "QUERY_TOO_LARGE")
    except UnknownOperation as exc:
        return _error(str(exc), 400, "UNKNOWN_OPERATION")
    invalid = validate(schema, document)
    if invalid:
        return JsonResponse({"errors": [_format(e, "GRAPHQL_VALIDATION_FAILED") for e in invalid]}, status=400)
    try:
        limits.check(document, operation, variables, schema)
    except limits.QueryTooComplex as exc:
        return _error(str(exc), 400, "QUERY_TOO_COMPLEX")
    context = Context(requestor, settings, record, ratelimit.client_address(request), channels=channels)
    try:
        result = execute(schema, document, context_value=context, variable_values=variables, operation_name=operation)
    except GraphQLError as exc:  # graphql-core 2 raises for variables that do not fit the operation
        return JsonResponse({"errors": [_format(exc)]}, status=400)
    except Exception as exc:  # noqa: BLE001 - ... or lets a scalar's parsing error through (a bare Exception for Int)
        # Resolvers' errors never get here (execute collects them): this is the variables' coercion.
        return _error(f"A variable does not fit its type: {str(exc)[:200]}", 400, "BAD_USER_INPUT")
    assert isinstance(result, ExecutionResult)  # a promise comes back only when asked for (return_promise)
    payload: dict[str, Any] = {"data": result.data}
    status = 200
    if not result.errors and not variables and _only_introspection(document, operation):
        _remember(_introspection_answers, (body["query"], operation), payload)
    if result.errors:
        payload["errors"] = [_format(e) for e in result.errors]
        if result.data is None:
            status = 400  # the variables did not match the operation
        denied = [e for e in result.errors if isinstance(getattr(e, "original_error", None), PermissionDenied)]
        if denied:
            status = 403 if requestor.authenticated else 401
    return JsonResponse(payload, status=status)


class UnknownOperation(ValueError):
    pass


#: Answers to introspection queries (GraphiQL and other tools send the same one again and again), newest last.
_introspection_answers: dict[tuple[str, str | None], dict[str, Any]] = {}
INTROSPECTION_ANSWERS = 16


def _only_introspection(document: Any, name: str | None) -> bool:
    """Whether the operation asks only for the schema (``__schema``, ``__type``, ``__typename``), no data."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinition)
                  and (name is None or (d.name is not None and d.name.value == name))]
    return bool(operations) and all(isinstance(s, Field) and s.name.value.startswith("__")
                                    for s in operations[0].selection_set.selections)


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > INTROSPECTION_ANSWERS:
        cache.pop(next(iter(cache)))


def _choose_operation(document: Any, name: str | None) -> None:
    """Refuse an operationName the document does not hold, or none given for a document holding several."""
    names = [d.name.value if d.name else None for d in document.definitions if isinstance(d, OperationDefinition)]
    if name is not None and name not in names:
        raise UnknownOperation(f"The document has no operation named {name[:100]!r}.")
    if name is None and len(names) > 1:
        raise UnknownOperation("The document holds several operations: say which in operationName.")
    if not names:
        raise UnknownOperation("The document holds no operation (only fragments).")
