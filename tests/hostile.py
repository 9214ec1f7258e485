"""Requests an attacker or a broken client sends to the plugin's route, and what each must get back.

``probes(keys)`` lists them by family (graphql, report, review, cart-reason, nps, unsubscribe,
twilio, esp, pages); ``keys`` holds what an honest party has (a staff
token, a real unsubscribe or review link, the Twilio auth token, the
tracking webhook's password), for the requests that are authentic but
malformed. Each probe names the statuses a client may see and a fragment of
the answer that tells it what was wrong. Every probe but the few marked
``changes`` must change nothing: ``snapshot()`` digests every table of the
plugin. ``send`` runs a probe through a Django test client; the benchmark
(benchmarks/hostile.py) sends the same probes over HTTP to a live server.
"""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

BASE = "/plugins/global/saleor.journey"
GRAPHQL = "/graphql/"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
#: One over Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), and 2 MB.
HUGE, LARGE = 2_621_441, 2_000_000
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
#: A valid address of 253 characters (the longest a domain allows): longer than a 200-character key.
LONG_EMAIL = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 57}.it"


@dataclass(frozen=True)
class Keys:
    staff_token: str
    unsubscribe_token: str  # a real link's token (its address is already unsubscribed when the probes run)
    review_token: str  # a real review link's token
    twilio_auth_token: str
    public_base: str  # the public base URL Twilio signs, e.g. https://api.shop.example.com
    esp_basic_auth: str  # "user:password" of the tracking webhook (Postmark)
    message_id: int  # the id of a real message (its address must not be suppressed by the probes)
    cart_reason_token: str = ""  # a real cart reminder's "Tell us why" token
    nps_token: str = ""  # a real NPS survey's token


@dataclass(frozen=True)
class Probe:
    family: str
    name: str
    method: str
    path: str  # under the plugin's route
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    statuses: tuple[int, ...] = (400,)
    says: str = ""  # a fragment of the answer naming the problem
    anonymous: bool = True
    changes: bool = False  # authentic input the plugin is right to record
    declared_length: int | None = None  # a Content-Length without that many bytes sent (the body is not needed)
    vary: bool = False  # the benchmark adds a different comment to the query each time (nothing remembered helps)


def _gql(query: str, variables: Any = None, **extra: Any) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}, **extra}).encode()


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def graphql_probes(keys: Keys) -> list[Probe]:
    staff = {"Authorization": f"Bearer {keys.staff_token}"}

    def anon(name: str, body: bytes, statuses: tuple[int, ...] = (400,), says: str = "", **kw: Any) -> Probe:
        return Probe("graphql", name, "POST", GRAPHQL, body, kw.pop("content_type", JSON), kw.pop("headers", {}),
                     statuses, says, **kw)

    def auth(name: str, body: bytes, statuses: tuple[int, ...] = (400,), says: str = "", **kw: Any) -> Probe:
        return anon(name, body, statuses, says, headers=staff, anonymous=False, **kw)

    journeys = ("query($n: Int, $after: String, $f: CustomerJourneyFilterInput) "
                "{ customerJourneys(first: $n, after: $after, filter: $f) { totalCount } }")
    funnel = "query($p: PeriodInput) { journeyFunnel(period: $p) { lapsed } }"
    cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A journeyFunnel { lapsed } }"
    diamond = "{ ...F0 ...G0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...G{i + 1} }} "
                                      f"fragment G{i} on Query {{ ...F{i + 1} }}" for i in range(9)) \
        + " fragment F9 on Query { journeyFunnel { lapsed } } fragment G9 on Query { journeyFunnel { lapsed } }"
    deep = ("types { fields { type { ofType { ofType { ofType { fields { type { ofType { ofType { ofType { fields "
            "{ name type { name } } } } } } } } } } } } }")
    fan_out = "{ " + " ".join(f"s{i}: __schema {{ {deep} }}" for i in range(20)) + " }"
    return [
        anon("the same fields 10 x 10 x 10 levels deep",
             _gql("{ " + ("journeyFunnel { " + ("stages { " + "stage " * 10 + "} ") * 10 + "} ") * 10 + "}"),
             says="QUERY_TOO_LARGE", headers=staff, anonymous=False),
        auth("introspection fanning out through every type's fields", _gql(fan_out), says="introspection"),
        anon("a field repeated 3,000 times (99 kB), anonymous", _gql("{ " + "journeyFunnel { lapsed } " * 3000 + "}"),
             (413,), "TOO_LARGE"),
        auth("a field repeated 3,000 times, staff", _gql("{ " + "journeyFunnel { lapsed } " * 3000 + "}"),
             says="QUERY_TOO_LARGE"),
        anon("a field repeated 200 times, anonymous", _gql("{ " + "productRating(product: 1) { count } " * 200 + "}"),
             says="QUERY_TOO_LARGE"),
        anon("one response name 80 times through inline fragments",
             _gql("{ " + "... on Query { productRating(product: 1) { count } } " * 80 + "}"), says="QUERY_TOO_LARGE"),
        anon("50 aliases, anonymous", _gql("{ " + " ".join(f"a{i}: productRating(product: 1) {{ count }}"
                                                           for i in range(50)) + " }"), says="QUERY_TOO_LARGE"),
        auth("102 funnels and metrics, staff", _gql("{ " + " ".join(f"f{i}: journeyFunnel {{ lapsed }}"
                                                                    for i in range(102)) + " }"),
             says="QUERY_TOO_COMPLEX"),
        auth("2,500 fields, staff", _gql("{ journeyFunnel { " + "lapsed " * 2500 + "} }"), says="QUERY_TOO_LARGE"),
        anon("300 levels of braces", _gql("{ a" * 300 + "}" * 300), says="QUERY_TOO_LARGE"),
        auth("300 levels of list values", _gql("{ productRating(product: " + "[" * 300 + "1" + "]" * 300
                                               + ") { count } }"), says="QUERY_TOO_LARGE"),
        anon("JSON nested 15,000 deep", b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 15000
             + b"]" * 15000 + b"}}", says="too deeply"),
        anon("variables nested 50 deep", _gql("{ __typename }", {"a": json.loads("[" * 50 + "]" * 50)}),
             says="deeper than"),
        anon("a fragment cycle", _gql(cycle), says="spreads itself"),
        anon("a fragment spreading itself", _gql("{ ...A } fragment A on Query { ...A }"), says="spreads itself"),
        auth("fragments doubling ten times (priced as expanded)", _gql(diamond), says="QUERY_TOO_COMPLEX"),
        anon("20 fragments, anonymous", _gql("{ ...F0 } " + " ".join(f"fragment F{i} on Query {{ __typename }}"
                                                                      for i in range(20))), says="QUERY_TOO_LARGE"),
        anon("a 2.6 MB body", b"", (413,), "TOO_LARGE", declared_length=HUGE),
        auth("a 2 MB body, staff", b"", (413,), "TOO_LARGE", declared_length=LARGE),
        anon("Content-Length not a number", b"{}", says="Content-Length", headers={"Content-Length": "12abc"}),
        anon("text/plain", b'{"query": "{ __typename }"}', (415,), "application/json", content_type="text/plain"),
        anon("multipart without a boundary", b"--x--", (415,), "application/json", content_type="multipart/form-data"),
        anon("not JSON", b"{query", says="must be JSON"),
        anon("a JSON array", b"[1, 2]", says="JSON object"),
        anon("query not a string", b'{"query": 12}', says="JSON object"),
        anon("variables not an object", _gql("{ __typename }", [1]), says="variables must be"),
        anon("bytes that are not UTF-8", b'{"query": "\xff\xfe"}', says="must be JSON"),
        anon("an unknown operationName", _gql("query A { __typename }", operationName="B"), says="UNKNOWN_OPERATION"),
        anon("two operations, no operationName", _gql("query A { __typename } query B { __typename }"),
             says="UNKNOWN_OPERATION"),
        anon("operationName not a string", _gql("{ __typename }", operationName=["A"]), says="operationName"),
        anon("only fragments", _gql("fragment A on Query { __typename }"), says="UNKNOWN_OPERATION"),
        anon("a syntax error", _gql("{ journeyFunnel { "), says="GRAPHQL_PARSE_FAILED"),
        anon("an unknown field", _gql("{ nope }"), says="GRAPHQL_VALIDATION_FAILED"),
        auth("a variable of the wrong type", _gql(journeys, {"n": "ten"}), says="BAD_USER_INPUT"),
        auth("a variable out of Int's range", _gql(journeys, {"n": 2**40}), says="BAD_USER_INPUT"),
        auth("first over the page cap", _gql(journeys, {"n": 1000}), (200,), "between 1 and 100"),
        auth("first zero", _gql(journeys, {"n": 0}), (200,), "between 1 and 100"),
        auth("first negative", _gql(journeys, {"n": -5}), (200,), "between 1 and 100"),
        auth("a NUL in a string filter (literal)",
             _gql('{ customerJourneys(first: 1, filter: {email: "a\\u0000b"}) { totalCount } }'), says="NUL"),
        auth("a NUL in a string filter (variable)", _gql(journeys, {"n": 1, "f": {"email": "a\x00b"}}), says="NUL"),
        auth("a lone surrogate in a variable",
             b'{"query": "' + journeys.replace('"', '\\"').encode() + b'", "variables": {"n": 1, "f": {"email": "\\ud800"}}}',
             says="surrogate"),
        auth("a cursor decoding to [null, 1]", _gql(journeys, {"n": 1, "after": _cursor([None, 1])}), (200,),
             "Invalid cursor"),
        auth("a cursor with an id past bigint", _gql(journeys, {"n": 1, "after": _cursor(["2026-01-01T00:00:00Z", 2**70])}),
             (200,), "Invalid cursor"),
        auth("a cursor that is not base64 JSON", _gql(journeys, {"n": 1, "after": "%%%"}), (200,), "Invalid cursor"),
        auth("a period at year 1 in +05:00", _gql(funnel, {"p": {"gte": "0001-01-01T00:00:00+05:00",
                                                                 "lte": "0001-01-02T00:00:00+05:00"}}),
             (400,), "outside the years"),
        auth("a period at year 9999 in -05:00", _gql(funnel, {"p": {"gte": "9999-12-31T20:00:00-05:00"}}),
             (400,), "outside the years"),
        auth("a period ending on the calendar's last day", _gql(funnel, {"p": {"gte": "9999-12-30T00:00:00Z",
                                                                            "lte": "9999-12-31T12:00:00Z"}}),
             (200,), "outside the years"),
        auth("a period that is not a time", _gql(funnel, {"p": {"gte": "yesterday"}}), says="BAD_USER_INPUT"),
        auth("a period with an offset of 99 hours", _gql(funnel, {"p": {"gte": "2026-11-01T00:00:00+99:00"}}),
             (400,), "offset of a day or more"),
        auth("a period with an offset of 99 hours (literal)",
             _gql('{ journeyFunnel(period: {gte: "2026-11-01T00:00:00+99:00"}) { lapsed } }'),
             (400,), "GRAPHQL_VALIDATION_FAILED"),
        auth("metrics over an offset of 24 hours", _gql(
            "query($p: PeriodInput) { journeyMetrics(period: $p) { abandonedCarts } }",
            {"p": {"gte": "2026-11-01T00:00:00-24:00"}}), (400,), "offset of a day or more"),
        auth("a period without a time zone", _gql(funnel, {"p": {"gte": "2026-11-01T00:00:00"}}),
             (400,), "no time zone"),
        auth("customers by a stage change at an offset of 99 hours",
             _gql(journeys, {"n": 1, "f": {"stageChangedSince": "2026-11-01T00:00:00+99:00"}}),
             (400,), "offset of a day or more"),
        anon("journeyTrack with a 300-character channel",
             _gql('mutation($c: String) { journeyTrack(event: NEWSLETTER_SIGNUP, email: "fan@example.com", '
                  'channel: $c) { recorded errors { field code } } }', {"c": "x" * 300}), (200,), '"field": "channel"'),
        anon("journeyTrack with a channel the shop does not have",
             _gql('mutation { journeyTrack(event: NEWSLETTER_SIGNUP, email: "fan@example.com", channel: "nope") '
                  '{ recorded errors { field code } } }'), (200,), '"field": "channel"'),
        anon("journeyTrack with a 253-character address (valid: recorded)",
             _gql('mutation($e: String) { journeyTrack(event: NEWSLETTER_SIGNUP, email: $e) { recorded errors { code } } }',
                  {"e": LONG_EMAIL}), (200,), '"errors": []', changes=True),
    ]


def _form(fields: dict[str, str] | list[tuple[str, str]]) -> bytes:
    return urlencode(fields).encode()


def form_probes(keys: Keys) -> list[Probe]:
    """Build the probes of the report's sign-in form, the review page, the unsubscribe page."""
    report, review, unsubscribe = "/report/", f"/review/{keys.review_token}/", f"/unsubscribe/{keys.unsubscribe_token}/"
    reason = f"/cart-reason/{keys.cart_reason_token}/"
    survey = f"/nps/{keys.nps_token}/"
    many = _form([(f"f{i}", "x") for i in range(1500)])
    probes = [
        Probe("report", "a sign-in with a NUL in the email", "POST", report,
              _form({"email": "own\x00er@example.com", "password": "x"}), FORM, says="NUL"),
        Probe("report", "a sign-in that is not UTF-8", "POST", report, b"email=%ff%fe&password=x", FORM, says="UTF-8"),
        Probe("report", "a sign-in posted from another site", "POST", report, _form({"email": "a@b.it", "password": "x"}),
              FORM, {"Origin": "https://evil.example"}, (403,)),
        Probe("report", "a sign-out with a forged cookie", "POST", report, _form({"action": "sign_out"}), FORM,
              {"Cookie": "journey_report=forged"}, (303,)),
        Probe("report", "resuming a flow without signing in", "POST", report,
              _form({"action": "resume_flow", "flow": "win_back"}), FORM, statuses=(403,)),
        Probe("report", "a period that is not one of the four", "GET", report + "?days=abc", statuses=(400,)),
        Probe("report", "a channel with a NUL", "GET", report + "?channel=it%00", statuses=(400,)),
        Probe("report", "a forged cookie", "GET", report, headers={"Cookie": "journey_report=forged"}, statuses=(200,),
              says='type="password"'),
        Probe("report", "DELETE", "DELETE", report, statuses=(405,)),
        Probe("review", "a forged review link", "GET", "/review/forged/", statuses=(400,), says="not valid"),
        Probe("review", "a review with a NUL in the text", "POST", review,
              _form({"rating": "5", "title": "ok", "text": "buono\x00"}), FORM, says="NUL"),
        Probe("review", "a rating in full-width digits", "POST", review, _form({"rating": "５"}), FORM,
              statuses=(400, 429)),
        Probe("review", "a rating of 6", "POST", review, _form({"rating": "6"}), FORM, statuses=(400, 429)),
        Probe("review", "a title of 10,000 characters", "POST", review, _form({"rating": "5", "title": "t" * 10000}),
              FORM, statuses=(400, 429)),
        Probe("review", "PUT", "PUT", review, statuses=(405,)),
        Probe("cart-reason", "a forged cart-reason link", "POST", "/cart-reason/forged/",
              _form({"reason": "just_looking"}), FORM, statuses=(400,), says="not valid"),
        Probe("cart-reason", "an unsubscribe token as a cart-reason link", "POST",
              f"/cart-reason/{keys.unsubscribe_token}/", _form({"reason": "just_looking"}), FORM, statuses=(400,)),
        Probe("cart-reason", "a reason that is not one", "POST", reason, _form({"reason": "cheap"}), FORM,
              statuses=(400, 429), says='role="alert"'),
        Probe("cart-reason", "a reason in full-width letters", "POST", reason, _form({"reason": "ｐｒｉｃｅ"}), FORM,
              statuses=(400, 429)),
        Probe("cart-reason", "a text of 10,000 characters", "POST", reason, _form({"reason": "other", "text": "t" * 10000}),
              FORM, statuses=(400, 429)),
        Probe("cart-reason", "a text with a NUL", "POST", reason, _form({"reason": "other", "text": "no\x00"}), FORM,
              statuses=(400, 429)),
        Probe("cart-reason", "a link opened with every reason at once", "GET", reason + "?reason=price&reason=other",
              statuses=(200,)),
        Probe("cart-reason", "PUT", "PUT", reason, statuses=(405,)),
        Probe("nps", "a forged survey link", "POST", "/nps/forged/", _form({"score": "10"}), FORM, statuses=(400,),
              says="not valid"),
        Probe("nps", "a cart-reason token as a survey link", "POST", f"/nps/{keys.cart_reason_token}/",
              _form({"score": "10"}), FORM, statuses=(400,)),
        Probe("nps", "a score of 11", "POST", survey, _form({"score": "11"}), FORM, statuses=(400, 429),
              says='role="alert"'),
        Probe("nps", "a score in full-width digits", "POST", survey, _form({"score": "１０"}), FORM, statuses=(400, 429)),
        Probe("nps", "a negative score", "POST", survey, _form({"score": "-1"}), FORM, statuses=(400, 429)),
        Probe("nps", "a comment of 10,000 characters", "POST", survey, _form({"score": "5", "comment": "c" * 10000}),
              FORM, statuses=(400, 429)),
        Probe("nps", "a link opened with a score of 99", "GET", survey + "?score=99", statuses=(200,)),
        Probe("nps", "PUT", "PUT", survey, statuses=(405,)),
        Probe("unsubscribe", "a forged unsubscribe link", "POST", "/unsubscribe/forged/", statuses=(400,),
              says="not valid"),
        Probe("unsubscribe", "an unsubscribe link of 20,000 characters", "POST", "/unsubscribe/" + "x" * 20000 + "/",
              statuses=(400,)),
        Probe("unsubscribe", "a replayed one-click unsubscribe", "POST", unsubscribe,
              _form({"List-Unsubscribe": "One-Click"}), FORM, statuses=(200,)),
        Probe("unsubscribe", "PUT", "PUT", unsubscribe, statuses=(405,)),
    ]
    for path, family, fine in ((report, "report", 400), (review, "review", 400), (reason, "cart-reason", 400),
                                 (survey, "nps", 400)):
        probes += [
            Probe(family, "multipart without a boundary", "POST", path, b"--x--", "multipart/form-data",
                  statuses=(415,), says=FORM),
            Probe(family, "1,500 fields", "POST", path, many, FORM, statuses=(fine, 429), says="fields"),
            Probe(family, "a 2.6 MB body", "POST", path, b"", FORM, statuses=(413,), declared_length=HUGE),
            Probe(family, "JSON instead of a form", "POST", path, b'{"rating": 5}', JSON, statuses=(415,)),
        ]
    return probes


def twilio_probes(keys: Keys) -> list[Probe]:
    def signed(name: str, path: str, params: list[tuple[str, str]], statuses: tuple[int, ...] = (400,),
               says: str = "", changes: bool = False) -> Probe:
        signature = twilio_signature(keys, path, params)
        return Probe("twilio", name, "POST", path, _form(params), FORM, {"X-Twilio-Signature": signature}, statuses,
                     says, anonymous=False, changes=changes)

    status, inbound = "/twilio/status/", "/twilio/inbound/"
    return [
        Probe("twilio", "an unsigned status callback", "POST", status, _form({"MessageSid": "SM1", "MessageStatus": "failed"}),
              FORM, statuses=(403,)),
        Probe("twilio", "a wrong signature", "POST", inbound, _form({"MessageSid": "SM1", "From": "+393331234567", "Body": "STOP"}),
              FORM, {"X-Twilio-Signature": "AAAA"}, (403,)),
        Probe("twilio", "unsigned multipart without a boundary", "POST", status, b"--x--", "multipart/form-data",
              statuses=(403,)),
        Probe("twilio", "signed-looking multipart without a boundary", "POST", status, b"--x--", "multipart/form-data",
              {"X-Twilio-Signature": "AAAA"}, (415,)),
        Probe("twilio", "a 2.6 MB unsigned body", "POST", inbound, b"", FORM, {"X-Twilio-Signature": "AAAA"}, (413,),
              declared_length=HUGE),
        Probe("twilio", "1,500 fields", "POST", inbound, _form([(f"f{i}", "x") for i in range(1500)]), FORM,
              {"X-Twilio-Signature": "AAAA"}, (400,), "fields"),
        Probe("twilio", "GET", "GET", status, statuses=(405,)),
        signed("signed, without MessageSid", status, [("MessageStatus", "delivered")], says="MessageSid"),
        signed("signed, a 300-character MessageSid", status, [("MessageSid", "S" * 300), ("MessageStatus", "failed")],
               says="MessageSid"),
        signed("signed, a 300-character status", status, [("MessageSid", "SM1"), ("MessageStatus", "x" * 300)],
               says="MessageStatus"),
        signed("signed, a NUL in the text", inbound, [("MessageSid", "SM2"), ("From", "+393331234567"), ("Body", "STOP\x00")],
               says="NUL"),
        signed("signed, without From", inbound, [("MessageSid", "SM3"), ("Body", "STOP")], says="From"),
        signed("signed, a full-width opt-out error code", status,
               [("MessageSid", "SMfullwidth"), ("MessageStatus", "failed"), ("ErrorCode", "２１６１０")], (204,),
               changes=True),
    ]


def twilio_signature(keys: Keys, path: str, params: dict[str, str] | list[tuple[str, str]]) -> str:
    """Compute what Twilio sends in X-Twilio-Signature for these parameters posted to the plugin's public URL."""
    form: dict[str, list[str]] = {}
    for key, value in params.items() if isinstance(params, dict) else params:
        form.setdefault(key, []).append(value)
    return RequestValidator(keys.twilio_auth_token).compute_signature(f"{keys.public_base}{BASE}{path}", _MultiDict(form))


class _MultiDict(dict):
    """What Twilio's validator reads repeated parameters from (``getlist``)."""

    def getlist(self, key: str) -> list[str]:
        return self[key]


def esp_probes(keys: Keys) -> list[Probe]:
    auth = {"Authorization": "Basic " + base64.b64encode(keys.esp_basic_auth.encode()).decode()}
    path = "/esp/tracking/"

    def bounce(metadata_id: str, description: str = "") -> bytes:
        return json.dumps({
            "RecordType": "Bounce", "ID": 4242424242, "Type": "HardBounce", "TypeCode": 1, "Name": "Hard bounce",
            "MessageID": "00000000-0000-0000-0000-000000000000", "Description": description or "unknown user",
            "Details": "smtp;550 5.1.1", "Email": "someone@example.com", "From": "shop@example.com",
            "BouncedAt": "2026-11-29T10:00:00Z", "Inactive": True, "CanActivate": True, "Subject": "x",
            "Metadata": {"journey_message_id": metadata_id}, "MessageStream": "outbound", "Tag": "",
        }).encode()

    return [
        Probe("esp", "no credentials", "POST", path, bounce(str(keys.message_id)), JSON, statuses=(400, 403)),
        Probe("esp", "wrong credentials", "POST", path, bounce(str(keys.message_id)), JSON,
              {"Authorization": "Basic " + base64.b64encode(b"esp:wrong").decode()}, (400, 403)),
        Probe("esp", "a 2.6 MB body", "POST", path, b"", JSON, auth, (413,), declared_length=HUGE, anonymous=False),
        Probe("esp", "authenticated, not JSON", "POST", path, b"{nope", JSON, auth, (400,), anonymous=False),
        Probe("esp", "authenticated, JSON nested 15,000 deep", "POST", path, b"[" * 15000 + b"]" * 15000, JSON, auth,
              (400,), anonymous=False),
        Probe("esp", "authenticated, a JSON string", "POST", path, b'"bounce"', JSON, auth, (400,), anonymous=False),
        Probe("esp", "authenticated, full-width digits for our message id", "POST", path,
              bounce(str(keys.message_id).translate(FULL_WIDTH)), JSON, auth, (200,), anonymous=False),
        Probe("esp", "authenticated, a NUL in the message id", "POST", path, bounce(f"{keys.message_id}\x00"), JSON, auth,
              (200,), anonymous=False),
        Probe("esp", "GET", "GET", path, statuses=(405,)),
    ]


def page_probes(keys: Keys) -> list[Probe]:
    """Pages a browser opens: each must come with the headers (checked for every answer anyway)."""
    return [
        Probe("pages", "the GraphQL explorer", "GET", GRAPHQL, statuses=(200,)),
        Probe("pages", "the report's sign-in", "GET", "/report/", statuses=(200,)),
        Probe("pages", "the unsubscribe page", "GET", f"/unsubscribe/{keys.unsubscribe_token}/", statuses=(200,)),
        Probe("pages", "the review page", "GET", f"/review/{keys.review_token}/", statuses=(200,)),
        Probe("pages", "the cart-reason page", "GET", f"/cart-reason/{keys.cart_reason_token}/?reason=price",
              statuses=(200,)),
        Probe("pages", "the NPS page", "GET", f"/nps/{keys.nps_token}/?score=9", statuses=(200,)),
        Probe("pages", "health", "GET", "/health", statuses=(200,)),
        Probe("pages", "a path that is not ours", "GET", "/nothing-here/", statuses=(404,)),
    ]


def limit_probes(keys: Keys) -> list[Probe]:
    """Documents just inside the limits: answered (200), and measured by the benchmark like the refused ones."""
    staff = {"Authorization": f"Bearer {keys.staff_token}"}
    from graphql.utils.introspection_query import introspection_query

    nested = "{ " + ("journeyFunnel { " + ("stages { " + "stage " * 5 + "} ") * 5 + "} ") * 5 + "}"
    return [
        Probe("limits", "GraphiQL's introspection, anonymous", "POST", GRAPHQL, _gql(introspection_query), JSON,
              statuses=(200,), says="__schema"),
        Probe("limits", "GraphiQL's introspection, anonymous, a different text each time", "POST", GRAPHQL,
              _gql(introspection_query), JSON, statuses=(200,), says="__schema", vary=True),
        Probe("limits", "the same fields 5 x 5 x 5 levels deep, staff", "POST", GRAPHQL, _gql(nested), JSON, staff,
              (200,), "journeyFunnel", anonymous=False),
        Probe("limits", "20 aliased product ratings, anonymous", "POST", GRAPHQL,
              _gql("{ " + " ".join(f"r{i}: productRating(product: {i + 1}) {{ count average }}" for i in range(20))
                   + " }"), JSON, statuses=(200,), says="r19"),
        Probe("limits", "98 aliased funnels and metrics, staff", "POST", GRAPHQL,
              _gql("{ " + " ".join(f"f{i}: journeyFunnel {{ lapsed }} m{i}: journeyMetrics {{ remindersSent }}"
                                   for i in range(49)) + " }"), JSON, staff, (200,), "m48", anonymous=False),
        Probe("limits", "a page of 100 journeys with their history, staff", "POST", GRAPHQL,
              _gql("{ customerJourneys(first: 100) { edges { node { stage history { fromStage toStage at } } } } }"),
              JSON, staff, (200,), "edges", anonymous=False),
    ]


def probes(keys: Keys) -> list[Probe]:
    return (graphql_probes(keys) + form_probes(keys) + twilio_probes(keys) + esp_probes(keys) + page_probes(keys)
            + limit_probes(keys))


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: dict[str, str]


def problems(probe: Probe, answer: Answer) -> list[str]:
    """Find what is wrong with an answer: a status not listed, the problem not named, a crash, a missing header."""
    found = []
    if answer.status not in probe.statuses:
        found.append(f"status {answer.status}, wanted {probe.statuses}")
    elif probe.says and probe.says not in answer.body and answer.status != 429:
        found.append(f"the answer does not say {probe.says!r}: {answer.body[:200]!r}")
    if answer.status >= 500 or "Internal error" in answer.body or "INTERNAL_ERROR" in answer.body:
        found.append("a crash")
    found += header_problems(answer.headers)
    return found


def header_problems(headers: dict[str, str]) -> list[str]:
    h = {k.lower(): v for k, v in headers.items()}
    found = []
    if h.get("x-content-type-options") != "nosniff":
        found.append("no X-Content-Type-Options: nosniff")
    if "frame-ancestors 'none'" not in h.get("content-security-policy", ""):
        found.append("no CSP frame-ancestors 'none'")
    if not h.get("referrer-policy"):
        found.append("no Referrer-Policy")
    return found


def send(client: Any, probe: Probe, **extra: Any) -> Answer:
    """Send a probe through Django's test client (a declared size is sent as a header over a small body)."""
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in probe.headers.items()
               if k.lower() not in ("content-length", "cookie")}
    if "Cookie" in probe.headers:
        name, _, value = probe.headers["Cookie"].partition("=")
        client.cookies[name] = value
    if "Content-Length" in probe.headers:
        headers["CONTENT_LENGTH"] = probe.headers["Content-Length"]
    if probe.declared_length is not None:
        headers["CONTENT_LENGTH"] = str(probe.declared_length)
    call: Callable[..., Any] = getattr(client, probe.method.lower())
    if probe.method in ("GET", "HEAD", "DELETE"):
        response = call(BASE + probe.path, **headers, **extra)
    else:
        response = call(BASE + probe.path, probe.body, content_type=probe.content_type or FORM, **headers, **extra)
    client.cookies.clear()
    return Answer(response.status_code, response.content.decode("utf-8", "replace"), dict(response.items()))


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table of the plugin: its row count and a digest of its rows."""
    from django.apps import apps
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        for model in apps.get_app_config("saleor_journey").get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")
            found[model._meta.db_table] = cursor.fetchone()
    return found
