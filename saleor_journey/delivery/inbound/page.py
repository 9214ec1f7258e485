"""The answer every page of ours on the plugin route gets: HTML, never cached or indexed, a strict policy."""

from typing import Any

from django.http import HttpResponse

from .. import rendering

#: Inline styles only; the page's form posts to itself; nothing else loads.
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"


def page(name: str, lang: str, context: dict[str, Any], status: int = 200, csp: str = PAGE_CSP) -> HttpResponse:
    """Render one of the plugin's pages (``pages/<name>.html``) in ``lang`` as the answer."""
    response = HttpResponse(rendering.render_page(name, lang, context), status=status,
                            content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Security-Policy"] = csp
    return response
