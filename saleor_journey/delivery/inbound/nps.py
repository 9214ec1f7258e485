"""The page an NPS survey's links open: the score chosen, an optional comment, one press to send; no JavaScript.

Each of the survey's eleven links names a score (``?score=9``) and the
survey's signed, expiring token; the page opens with that score chosen. Only
the page's POST records, because mail scanners open every link of an email.
One answer per survey: another within 7 days of the first replaces it, after
that the answer stands.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse

from ...config import JourneySettings
from ...core.answers import NPS_COMMENT_MAX, NPS_SCORES
from ...exceptions import ForgedCallbackError
from ...models import NpsAnswer, ScheduledMessage
from ...services import answers, ratelimit
from ...web import read_form
from .. import rendering
from ..tokens import read_nps_token
from .page import page


def _page(lang: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return page("nps", lang, context, status)


def _context(message: ScheduledMessage, settings: JourneySettings, chosen: int | None, earlier: NpsAnswer | None,
             **more: Any) -> dict[str, Any]:
    return {"shop_name": settings.sender_name(message.channel_slug) or "", "scores": NPS_SCORES, "chosen": chosen,
            "earlier": earlier, "closed": earlier is not None and not answers.may_change(earlier),
            "comment_max": NPS_COMMENT_MAX, **more}


def _score(raw: str | None) -> int | None:
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() and int(raw) in NPS_SCORES else None


def handle(request: HttpRequest, rest: str, settings: JourneySettings, record: Any = None) -> HttpResponse:
    token = rest.strip("/")
    message = answers.survey(read_nps_token(token))
    if message is None:
        raise ForgedCallbackError("This survey link is not valid or has expired.", status=400)
    lang = rendering.translated(rendering.languages(message.language, settings.for_channel(message.channel_slug).language))
    earlier = answers.nps_answered(message)
    if request.method in ("GET", "HEAD"):
        chosen = _score(request.GET.get("score"))
        if chosen is None and earlier is not None:
            chosen = earlier.score
        return _page(lang, _context(message, settings, chosen, earlier, comment=earlier.comment if earlier else ""))
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if not answers.attempt_allowed(token, ratelimit.client_address(request), page="nps"):
        return HttpResponse("Too many attempts; try again later.", status=429, content_type="text/plain")
    form = read_form(request)
    try:
        answer = answers.clean_nps(form.get("score"), form.get("comment"))
    except answers.InvalidAnswer as exc:
        kept = form.get("comment", "").strip()[:NPS_COMMENT_MAX]
        return _page(lang, _context(message, settings, _score(form.get("score")), earlier, errors=exc.fields,
                                    comment=kept), status=400)
    try:
        row = answers.give_nps(message, answer, lang, settings, record)
    except answers.AnswerClosed:
        return _page(lang, _context(message, settings, earlier.score if earlier else None, earlier,
                                    comment=earlier.comment if earlier else ""), status=409)
    return _page(lang, _context(message, settings, row.score, row, thanks=True, comment=row.comment))
