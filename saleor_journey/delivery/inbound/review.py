"""The review page served on the plugin route: a star rating, a title and a text; no JavaScript needed.

The link's signed token names the order and product (and carries the
product's name, variant and picture to show), so the review is a verified
purchase by construction; it works once per order and product,
expires, and is rate limited. Review text is untrusted: length-limited and
escaped wherever shown (Django templates autoescape; nothing becomes a link).
"""

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

from ...config import JourneySettings
from ...exceptions import ForgedCallbackError
from ...services import ratelimit, reviews
from ...web import read_form
from .. import rendering
from ..tokens import read_review_token
from .page import PAGE_CSP, page


def _page(lang: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    image = _origin(context.get("image"))
    return page("review", lang, context, status, f"{PAGE_CSP}; frame-ancestors 'none'"
                + (f"; img-src {image}" if image else ""))


def _origin(url: str | None) -> str | None:
    """Return the scheme and host of the product picture (Saleor's thumbnail route), for the page's CSP."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def handle(request: HttpRequest, rest: str, settings: JourneySettings, record: Any = None) -> HttpResponse:
    token = rest.strip("/")
    claims = read_review_token(token)
    if claims is None:
        raise ForgedCallbackError("This review link is not valid or has expired.", status=400)
    langs = rendering.languages(claims.get("l"), settings.for_channel(claims.get("c")).language)
    lang = langs[0]  # the review's language: the customer's
    already = reviews.already_reviewed(claims)
    base = {"shop_name": settings.for_channel(claims.get("c")).sender_name or "", "product": claims.get("n", ""),
            "variant": claims.get("vn", ""), "image": claims.get("img") if _origin(claims.get("img")) else None}
    if request.method in ("GET", "HEAD"):
        return _page(rendering.translated(langs), {**base, "done": already})
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if not reviews.attempt_allowed(token, ratelimit.client_address(request)):
        return HttpResponse("Too many attempts; try again later.", status=429, content_type="text/plain")
    form = read_form(request)
    if already:
        return _page(rendering.translated(langs), {**base, "done": True})
    title, text = form.get("title", ""), form.get("text", "")
    try:
        review = reviews.clean(form.get("rating", ""), title, text)
    except reviews.InvalidReview as exc:
        kept = {"title": title.strip()[:reviews.TITLE_MAX], "text": text.strip()[:reviews.TEXT_MAX]}
        return _page(rendering.translated(langs), {**base, "errors": exc.fields, **kept}, status=400)
    reviews.submit(claims, review, lang, settings, record)
    return _page(rendering.translated(langs), {**base, "done": True, "thanks": True})
