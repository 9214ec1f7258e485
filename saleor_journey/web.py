"""What every request on the plugin's route is checked for before it is read, and what every answer carries.

A handler asks for the body only through ``body_size`` and ``read_form``:
the declared size is checked before a byte is read, the content type
before parsing, and parsing is bounded (fields, size, characters a database
cannot store), so a hostile body costs no more than refusing it.
``protect`` adds the headers every answer gets: nosniff, no framing, no
referrer, and a strict CSP when the handler set none.
"""

import re
from urllib.parse import parse_qsl

from django.http import HttpRequest, HttpResponse, QueryDict

#: Characters PostgreSQL text cannot hold, or UTF-8 cannot encode: refused in any input.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: A form we serve or a provider's callback is a few kilobytes; Twilio's largest is well under this.
FORM_BYTES = 64_000
FORM_FIELDS = 100
FORM_TYPE = "application/x-www-form-urlencoded"
#: For answers that set no policy of their own (JSON, plain text, TwiML): nothing may load or frame them.
DEFAULT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


class Refused(Exception):
    """A request refused before it was read: ``status`` (400, 411, 413, 415) and a message for the caller."""

    def __init__(self, message: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code

    def response(self) -> HttpResponse:
        return HttpResponse(self.message, status=self.status, content_type="text/plain; charset=utf-8")


def body_size(request: HttpRequest, limit: int) -> int:
    """Return the declared body size; raise Refused when it is malformed or over ``limit`` (nothing is read)."""
    raw = request.META.get("CONTENT_LENGTH") or "0"
    if not raw.isascii() or not raw.isdigit():
        raise Refused("The Content-Length header is not a number.", 400)
    size = int(raw)
    if size > limit:
        raise Refused(f"The request body is larger than {limit} bytes.", 413, "TOO_LARGE")
    return size


def media_type(request: HttpRequest) -> str:
    return (request.content_type or "").strip().lower()


def is_json(request: HttpRequest) -> bool:
    return media_type(request) == "application/json"


def read_form(request: HttpRequest, limit: int = FORM_BYTES, fields: int = FORM_FIELDS) -> QueryDict:
    """Parse the urlencoded body of a POST, with bounds; raise Refused for anything else.

    Multipart is refused (no form of ours uploads files), as is a body over
    ``limit``, more than ``fields`` fields, bytes that are not UTF-8, or a
    value holding NUL or an unpaired surrogate.
    """
    body_size(request, limit)
    if media_type(request) != FORM_TYPE:
        raise Refused(f"Send the form as {FORM_TYPE}.", 415, "UNSUPPORTED_MEDIA_TYPE")
    try:
        text = request.body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=fields, errors="strict")
    except UnicodeDecodeError as exc:
        raise Refused("The form is not UTF-8.", 400) from exc
    except ValueError as exc:  # more than `fields` fields
        raise Refused(f"The form has more than {fields} fields.", 400) from exc
    form = QueryDict(mutable=True)
    for key, value in pairs:
        if UNSTORABLE.search(key) or UNSTORABLE.search(value):
            raise Refused("A form field holds a NUL character or an unpaired surrogate.", 400)
        form.appendlist(key, value)
    form._mutable = False
    return form


def protect(response: HttpResponse) -> HttpResponse:
    """Add the headers every answer of the plugin's route carries (a handler's own CSP is kept, made unframeable)."""
    policy = response.get("Content-Security-Policy")
    if not policy:
        response["Content-Security-Policy"] = DEFAULT_CSP
    elif "frame-ancestors" not in policy:
        response["Content-Security-Policy"] = f"{policy}; frame-ancestors 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    if "Referrer-Policy" not in response:
        response["Referrer-Policy"] = "no-referrer"
    return response
