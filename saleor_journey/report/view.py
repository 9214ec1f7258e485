"""GET/POST /plugins/global/<id>/report/: the staff report, behind the API's authentication.

Who may look: a request with a Saleor staff or app token (``Authorization:
Bearer``, exactly as the GraphQL API), or a browser signed in on this page
with a Saleor staff email and password (a signed cookie, see
``plugins/requestor.StaffSessions``). The funnel and stage movements need
MANAGE_USERS, flow results, reviews and delivery MANAGE_ORDERS, as in the
API; a section the viewer may not see is left out with a note. Query
parameters: ``days`` (7, 30, 90 or 365; default 30), ``channel`` (a channel
slug), ``lang`` (en, it, de, fr or es; default from Accept-Language); ``view=messages`` shows the
Messages page (``mlang``: the messages' language), ``view=preview&key=<flow>/<step>`` one HTML part.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from babel.numbers import format_currency, format_decimal, format_percent
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation

from .. import clock as journey_clock
from ..config import message_steps
from ..core.flows import FLOWS
from ..core.requestor import AuthenticationFailed, Permission, Requestor
from ..core.stages import Stage
from ..delivery import cart_reasons, rendering
from ..routes import PLUGIN_ID, REPORT
from ..services import figures, flood, metrics, ratelimit
from ..web import read_form
from . import charts, messages
from .labels import LANGUAGE_NAMES, labels, language_of

PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
CHANNEL = re.compile(r"^[-a-zA-Z0-9_]{1,255}$")
#: Sign-in attempts in a quarter of an hour: for one account (from anywhere), and from one client address.
SIGN_IN_ATTEMPTS = 10
SIGN_IN_ATTEMPTS_PER_ADDRESS = 30
#: Where the report lives, whichever of Saleor's plugin routes reached it (the cookie's path).
PAGE_PATH = f"/plugins/global/{PLUGIN_ID}{REPORT}"


class Sessions(Protocol):
    cookie: str
    max_age: int

    def available(self) -> bool: ...

    def sign_in(self, request: HttpRequest, email: str, password: str) -> tuple[str | None, str | None]: ...

    def requestor(self, value: str | None) -> Requestor: ...

    def sign_out(self, value: str | None) -> None: ...


@dataclass(frozen=True, slots=True)
class Query:
    days: int
    channel: str | None
    lang: str

    def url(self, path: str, **changes: Any) -> str:
        params = {"days": self.days, "channel": self.channel or "", "lang": self.lang, **changes}
        return f"{path}?{urlencode({k: v for k, v in params.items() if v})}"


def handle(
    request: HttpRequest, identify: Callable[[HttpRequest], Requestor], sessions: Sessions, settings: Any = None
) -> HttpResponse:
    query = _query(request)
    if request.method == "POST":
        return _post(request, sessions, query, settings)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if query is None:
        return _page("report_message", "en", {"message": labels("en")["bad_query"]}, status=400)
    try:
        requestor = identify(request)
    except AuthenticationFailed:
        return _page("report_message", query.lang, {"message": labels(query.lang)["bad_token"]}, status=401)
    if not requestor.authenticated:
        requestor = sessions.requestor(request.COOKIES.get(sessions.cookie))
    if not requestor.authenticated:  # a browser that has not signed in yet: the form, as any page
        return _sign_in_page(query, request.path, error=None, status=200, available=sessions.available())
    may_see_customers, may_see_orders = requestor.can(Permission.MANAGE_USERS), requestor.can(Permission.MANAGE_ORDERS)
    if not (may_see_customers or may_see_orders):
        return _page("report_message", query.lang, {"message": labels(query.lang)["forbidden"]}, status=403)
    view = request.GET.get("view")
    if view == "messages":
        return _messages_page(request, query, settings, requestor)
    if view == "preview":
        return _message_preview(request, query, settings)
    context = report(query, may_see_customers, may_see_orders, settings)
    context.update(path=request.path, signed_in_by_cookie=not request.headers.get("Authorization"),
                   periods=[(d, query.url(request.path, days=d), d == query.days) for d in PERIODS],
                   languages=[(code, name, query.url(request.path, lang=code))
                              for code, name in LANGUAGE_NAMES.items() if code != query.lang],
                   messages_url=query.url(request.path, view="messages"))
    return _page("report", query.lang, context)


def report(query: Query, customers: bool, orders: bool, settings: Any = None) -> dict[str, Any]:
    """Everything the page shows, from the same figures as journeyFunnel and journeyMetrics."""
    t = labels(query.lang)
    now = journey_clock.now()
    last = now.astimezone(UTC).date()
    first = last - timedelta(days=query.days - 1)
    found = figures.figures_by_day(first, last, query.channel)
    total = found.total()
    days = [first + timedelta(days=i) for i in range(query.days)]
    context: dict[str, Any] = {"t": t, "query": query, "first": first, "last": last, "as_of": found.as_of,
                               "customers_visible": customers, "orders_visible": orders}
    if customers:
        stages = [*metrics.FUNNEL, Stage.LAPSED]
        context["funnel"] = charts.bars(t["funnel_title"], [
            charts.Bar(s.value, t["stage"][s.value], found.stage_counts.get(s.value, 0)) for s in stages
        ], charts.COLOURS)
        reached = [{"key": stage.value, "stage": t["stage"][stage.value], "reached": count,
                    "rate": _percent(rate, query.lang)} for stage, _now, count, rate in metrics.funnel_steps(total)]
        context["reached"] = reached
        series = {
            s.value: (t["stage"][s.value], [int(found.days.get(d, {}).get(f"entered:{s.value}", 0)) for d in days])
            for s in stages
        }
        context["movements"] = charts.lines(t["movements_title"], days, series)
        context["legend"] = [(charts.COLOURS[key], label, sum(values)) for key, (label, values) in series.items()]
    if orders:
        promoter = metrics.promoter_rating(settings)
        start = datetime.combine(first, time(), UTC)
        m = metrics.compute(total, start, start + timedelta(days=query.days), promoter, found.days)
        context["promoter_rating"] = promoter
        context["recovery"] = {"carts": m.abandoned_carts, "recovered": m.carts_recovered,
                               "rate": _percent(m.recovery_rate, query.lang), "revenue": _money(m.recovered_revenue, query.lang)}
        context["abandonment"] = {
            "rate": _percent(m.abandonment_rate, query.lang),
            "detail": t["abandonment_detail"] % {"abandoned": m.abandoned_checkouts, "carts": m.carts_with_items}}
        context["cart_reasons"] = _cart_reasons(m, query.lang, t)
        context["nps"] = {
            "score": format_decimal(m.nps.score, "+#,##0.0;-#,##0.0", locale=query.lang) if m.nps.score is not None
            else None,
            "promoters": m.nps.promoters, "passives": m.nps.passives, "detractors": m.nps.detractors,
            "answers": m.nps.answers, "sent": m.nps.surveys_sent, "rate": _percent(m.nps.response_rate, query.lang),
            "trend": charts.score_line(t["nps_trend"], [(w.week_start, w.score, w.answers) for w in m.nps.weekly]),
        }
        context["flows"] = [
            {"key": f.flow, "name": t["flow"].get(f.flow, f.flow), "triggered": f.triggered, "sent": f.sent,
             "suppressed": f.suppressed, "cancelled": f.cancelled, "converted": f.converted,
             "revenue": _money(f.revenue, query.lang)}
            for f in m.flows
        ]
        context["paused"] = [{"key": f.flow, "name": t["flow"].get(f.flow, f.flow), "reason": f.paused_reason}
                             for f in m.flows if f.paused]
        context["reviews"] = {"requests": m.review_requests_sent, "received": m.reviews_received,
                              "rate": _percent(m.review_rate, query.lang),
                              "average": format_decimal(m.average_rating, locale=query.lang) if m.average_rating else None,
                              "promoters": _percent(m.promoter_share, query.lang)}
        context["delivery"] = [
            [d.channel, d.sent, d.delivered, d.opened, d.clicked, d.bounced, d.complained, d.failed] for d in m.delivery
        ]
        ratings = {int(r): int(n) for r, n in total.named("reviews:").items()}
        context["ratings"] = charts.bars(t["ratings_title"], [
            charts.Bar(str(r), "★" * r, ratings.get(r, 0)) for r in (5, 4, 3, 2, 1)
        ], {str(r): c for r, c in zip((5, 4, 3, 2, 1), ("#16a34a", "#65a30d", "#ca8a04", "#ea580c", "#dc2626"), strict=True)})
    return context


def _cart_reasons(m: metrics.Metrics, lang: str, t: dict[str, Any]) -> dict[str, Any]:
    """List the reasons customers gave for leaving carts, most given first, and the sentence naming the first."""
    given = sorted(m.cart_reasons, key=lambda r: -r.answers)  # stable: ties keep the reminders' order
    with translation.override(lang):
        rows = [{"key": r.reason, "name": cart_reasons.word(r.reason), "answers": r.answers,
                 "share": _percent(r.share, lang)} for r in given]
    top = rows[0] if rows and rows[0]["answers"] else None
    return {"given": m.cart_reasons_given, "rows": rows,
            "top": t["top_reason"] % {"reason": top["name"], "share": top["share"]} if top else None}


def _percent(value: float | None, lang: str) -> str | None:
    return None if value is None else format_percent(value, "#,##0.0%", locale=lang)


def _money(amounts: list[Any], lang: str) -> str:
    return ", ".join(format_currency(a.amount, a.currency, locale=lang) for a in amounts)


def _query(request: HttpRequest) -> Query | None:
    """Return the page's parameters, or None when one is malformed."""
    raw_days, channel = request.GET.get("days", str(DEFAULT_DAYS)), request.GET.get("channel") or None
    if raw_days not in {str(days) for days in PERIODS}:
        return None
    if channel is not None and not CHANNEL.fullmatch(channel):
        return None
    return Query(int(raw_days), channel, language_of(request.GET.get("lang"), request.headers.get("Accept-Language")))


def _post(request: HttpRequest, sessions: Sessions, query: Query | None, settings: Any = None) -> HttpResponse:
    """Sign in or out; only from this page (a browser's Origin, when sent, must be this host)."""
    query = query or Query(DEFAULT_DAYS, None, "en")
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.get_host():
        return _page("report_message", query.lang, {"message": labels(query.lang)["forbidden"]}, status=403)
    form = read_form(request)
    target = query.url(request.path)
    if form.get("action") == "resume_flow":
        return _resume_flow(request, form, sessions, query, target)
    if form.get("action") == "send_test":
        return _send_test(request, form, sessions, query, settings)
    if form.get("action") == "sign_out":
        sessions.sign_out(request.COOKIES.get(sessions.cookie))
        response = HttpResponseRedirect(target, status=303)
        response.delete_cookie(sessions.cookie, path=PAGE_PATH, samesite="Strict")
        return response
    # One spelling of the address for the lookup and the counters, so spaces or capitals buy no extra tries.
    email, password = form.get("email", "").strip().lower()[:254], form.get("password", "")[:4096]
    if not sessions.available():
        return _sign_in_page(query, request.path, error=None, status=403, available=False)
    client = ratelimit.client_address(request)
    if not (ratelimit.allowed(f"journey-report-sign-in:account:{email}", SIGN_IN_ATTEMPTS, 900)
            and ratelimit.allowed(f"journey-report-sign-in:address:{client}", SIGN_IN_ATTEMPTS_PER_ADDRESS, 900)):
        return _sign_in_page(query, request.path, error=labels(query.lang)["too_many"], status=429)
    value, why = sessions.sign_in(request, email, password) if email and password else (None, "refused")
    if why == "throttled":
        return _sign_in_page(query, request.path, error=labels(query.lang)["too_many"], status=429)
    if value is None:
        return _sign_in_page(query, request.path, error=labels(query.lang)["wrong_credentials"], status=401)
    response = HttpResponseRedirect(target, status=303)
    response.set_cookie(sessions.cookie, value, max_age=sessions.max_age, path=PAGE_PATH,
                        secure=request.is_secure() or _public_https(settings), httponly=True, samesite="Strict")
    return response


def _resume_flow(request: HttpRequest, form: Any, sessions: Sessions, query: Query, target: str) -> HttpResponse:
    """Staff confirm a paused flow may send again (the button next to the flood guard's notice)."""
    requestor = sessions.requestor(request.COOKIES.get(sessions.cookie))
    if not requestor.can(Permission.MANAGE_USERS):
        return _page("report_message", query.lang, {"message": labels(query.lang)["forbidden"]}, status=403)
    flow = form.get("flow", "")
    if flow not in FLOWS:
        return _page("report_message", query.lang, {"message": labels(query.lang)["bad_query"]}, status=400)
    flood.resume(flow, f"staff:{requestor.user_id}", journey_clock.now())
    return HttpResponseRedirect(target, status=303)


def _public_https(settings: Any) -> bool:
    """Whether the shop's public address is https (TLS may end at a proxy in front of Saleor)."""
    delivery = getattr(settings, "delivery", None)
    return str(getattr(delivery, "public_base_url", None) or "").startswith("https://")


def _sign_in_page(query: Query | None, path: str, error: str | None, status: int, available: bool = True) -> HttpResponse:
    """Render the sign-in form, or (when Saleor allows staff no password sign-in) how to open the report instead."""
    query = query or Query(DEFAULT_DAYS, None, "en")
    return _page("report_sign_in", query.lang, {"error": error, "action": query.url(path), "available": available},
                 status=status)


def _page(name: str, lang: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    nonce = secrets.token_urlsafe(16)
    context = {"t": labels(lang), **context, "nonce": nonce}
    response = HttpResponse(rendering.render_page(name, lang, context), status=status,
                            content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    # Not no-referrer: with it, browsers send "Origin: null" on this page's own sign-in form.
    response["Referrer-Policy"] = "same-origin"
    return response


def _message_language(request: HttpRequest, query: Query) -> str:
    """Return the language the Messages page shows messages in (``mlang``), the page's own by default."""
    asked = request.GET.get("mlang") or query.lang
    return asked if asked in rendering.LANGUAGES else query.lang


def _messages_page(
    request: HttpRequest, query: Query, settings: Any, requestor: Requestor, notice: str | None = None, status: int = 200
) -> HttpResponse:
    """Every step in the chosen language with sample data, a link to each HTML part and a test button."""
    lang = _message_language(request, query)
    path = request.path
    flow_names = labels(query.lang)["flow"]
    shown = [
        {"preview": p, "html_url": query.url(path, view="preview", key=p.key, mlang=lang),
         "flow_name": flow_names.get(p.flow, p.flow)}
        for p in messages.previews(settings, lang)
    ]
    context = {
        "messages": shown, "notice": notice, "message_language": lang, "path": path,
        "action": query.url(path, view="messages", mlang=lang), "report_url": query.url(path),
        # A test is sent from this page's own form, which the cookie session signs (a token cannot post it).
        "can_test": requestor.kind == "staff" and bool(requestor.email) and settings is not None
        and not request.headers.get("Authorization"),
        "signed_in_by_cookie": not request.headers.get("Authorization"),
        "message_languages": [(code, name, query.url(path, view="messages", mlang=code), code == lang)
                              for code, name in LANGUAGE_NAMES.items()],
        "languages": [(code, name, query.url(path, view="messages", lang=code, mlang=lang))
                      for code, name in LANGUAGE_NAMES.items() if code != query.lang],
    }
    return _page("report_messages", query.lang, context, status=status)


def _message_preview(request: HttpRequest, query: Query, settings: Any) -> HttpResponse:
    """One step's HTML part, as the customer's mail program would show it (no script, images over https)."""
    body = messages.html(settings, request.GET.get("key", ""), _message_language(request, query))
    if body is None:
        return _page("report_message", query.lang, {"message": labels(query.lang)["bad_query"]}, status=404)
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = ("default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
                                           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _send_test(request: HttpRequest, form: Any, sessions: Sessions, query: Query, settings: Any) -> HttpResponse:
    """Mail one step to the signed-in staff member, marked as a test; the page says what happened."""
    requestor = sessions.requestor(request.COOKIES.get(sessions.cookie))
    t = labels(query.lang)
    if not (requestor.can(Permission.MANAGE_USERS) or requestor.can(Permission.MANAGE_ORDERS)):
        return _page("report_message", query.lang, {"message": t["forbidden"]}, status=403)
    key, lang = form.get("key", ""), form.get("mlang", "")
    if (key not in message_steps() or lang not in rendering.LANGUAGES or requestor.kind != "staff"
            or not requestor.email or settings is None):
        return _page("report_message", query.lang, {"message": t["bad_query"]}, status=400)
    if not ratelimit.allowed(f"journey-report-test:{requestor.user_id}", messages.TESTS_PER_HOUR, 3600):
        return _messages_page(request, query, settings, requestor, t["too_many_tests"], status=429)
    problem = messages.send_test(settings, key, lang, requestor.email)
    notice = t["test_sent"] % {"email": requestor.email} if problem is None else t["test_failed"] % {"reason": problem}
    return _messages_page(request, query, settings, requestor, notice, status=200 if problem is None else 502)
