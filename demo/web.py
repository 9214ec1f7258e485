"""The demo's own pages: an index with the links and the outbox of what the shop sent (from the local sinks)."""

import html
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from saleor_journey.models import ScheduledMessage

#: Set by the demo before it serves: the sinks, and what the index page says.
STATE: dict[str, Any] = {"sinks": None, "index": {}}


@dataclass(frozen=True, slots=True)
class Sent:
    number: int
    channel: str  # email, sms or whatsapp
    to: str
    subject: str
    text: str
    html: str
    message: ScheduledMessage | None


def sent() -> list[Sent]:
    """List what the email and Twilio sinks received, in order, with the plugin's message row when it is known."""
    sinks = STATE["sinks"]
    if sinks is None:
        return []
    items: list[tuple[str, Any]] = []
    with sinks.email.lock:
        items += [("email", r.body) for r in sinks.email.received]
    with sinks.twilio.lock:
        items += [("sms", r.body) for r in sinks.twilio.received]
    ids = [int(b.get("Metadata", {}).get("journey_message_id", 0) or 0) for kind, b in items if kind == "email"]
    rows = ScheduledMessage.objects.in_bulk([i for i in ids if i])
    # Twilio's request does not name the plugin's message: match each text to the next one sent to that number.
    texts: dict[str, list[ScheduledMessage]] = {}
    for m in ScheduledMessage.objects.filter(channel__in=["sms", "whatsapp"], state="sent").order_by("sent_at", "id"):
        texts.setdefault(m.recipient, []).append(m)
    out = []
    for kind, body in items:
        if kind == "email":
            message = rows.get(int(body.get("Metadata", {}).get("journey_message_id", 0) or 0))
            out.append(Sent(0, "email", body.get("To", ""), body.get("Subject", ""), body.get("TextBody", ""),
                            body.get("HtmlBody", ""), message))
        else:
            to = body.get("To", "")
            queue = texts.get(to.removeprefix("whatsapp:"), [])
            message = queue.pop(0) if queue else None
            out.append(Sent(0, "whatsapp" if to.startswith("whatsapp:") else "sms", to, "", body.get("Body", ""), "", message))
    out.sort(key=lambda s: s.message.sent_at if s.message and s.message.sent_at else datetime.min.replace(tzinfo=UTC))
    return [replace(s, number=i + 1) for i, s in enumerate(out)]


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>{title}</title>
<style>body{{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f4f4f5;color:#18181b}}
header{{background:#18181b;color:#fafafa;padding:14px 16px}}header h1{{margin:0;font-size:19px}}
header a{{color:#fafafa}}main{{max-width:1000px;margin:0 auto;padding:12px}}
section{{background:#fff;border-radius:8px;padding:14px 16px;margin-bottom:12px}}
table{{border-collapse:collapse;width:100%;font-size:14px}}td,th{{text-align:left;padding:6px 8px;border-bottom:1px solid #e4e4e7}}
.wrap{{overflow-x:auto}}pre{{white-space:pre-wrap;font-size:13px;background:#f4f4f5;padding:8px;border-radius:6px}}
iframe{{width:100%;height:900px;border:1px solid #d4d4d8;border-radius:6px;background:#fff}}code{{font-size:13px}}</style>
</head><body><header><h1>{title}</h1><a href="/">demo home</a> · <a href="/outbox/">outbox</a> ·
<a href="/plugins/global/saleor.journey/report/">report</a> · <a href="/plugins/global/saleor.journey/graphql/">GraphQL explorer</a></header>
<main>{body}</main></body></html>"""


def _page(title: str, body: str) -> HttpResponse:
    response = HttpResponse(PAGE.format(title=html.escape(title), body=body))
    response["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; "
                                           "img-src 'self' data:; frame-ancestors 'none'")
    return _headers(response)


def _headers(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


def index(request: HttpRequest) -> HttpResponse:
    info = STATE["index"]
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in info.items())
    return _page("saleor-journey demo shop", f"<section><div class='wrap'><table>{rows}</table></div></section>")


def outbox(request: HttpRequest) -> HttpResponse:
    items = sent()
    rows = "".join(
        f"<tr><td><a href='/outbox/{s.number}/'>#{s.number}</a></td>"
        f"<td>{html.escape(s.message.sent_at.strftime('%Y-%m-%d %H:%M') if s.message and s.message.sent_at else '')}</td>"
        f"<td>{s.channel}</td><td>{html.escape(f'{s.message.flow} / {s.message.step}' if s.message else '')}</td>"
        f"<td>{html.escape(s.to)}</td><td>{html.escape(s.subject or s.text[:80])}</td></tr>"
        for s in reversed(items)
    )
    counts = {}
    for s in items:
        counts[s.channel] = counts.get(s.channel, 0) + 1
    summary = ", ".join(f"{n} {c}" for c, n in sorted(counts.items())) or "nothing yet"
    return _page("Outbox", f"<section><p>Everything the plugin sent through the local sinks: {summary}. "
                 "Newest first.</p><div class='wrap'><table><tr><th></th><th>sent (shop time)</th><th>channel</th>"
                 f"<th>flow / step</th><th>to</th><th>subject or text</th></tr>{rows}</table></div></section>")


def _one(number: int) -> Sent:
    items = sent()
    if not 1 <= number <= len(items):
        raise Http404("no such message")
    return items[number - 1]


def outbox_message(request: HttpRequest, number: int) -> HttpResponse:
    s = _one(number)
    about = f"{s.message.flow} / {s.message.step}, {s.message.language}" if s.message else ""
    body = (f"<section><p><b>{html.escape(s.channel)}</b> to <code>{html.escape(s.to)}</code> · {html.escape(about)}</p>"
            + (f"<p><b>Subject:</b> {html.escape(s.subject)}</p>" if s.subject else "")
            + f"<h2>Text</h2><pre>{html.escape(s.text)}</pre></section>")
    if s.html:
        body += f"<section><h2>HTML</h2><iframe sandbox src='/outbox/{number}/html' title='email'></iframe></section>"
    return _page(f"Message #{number}", body)


def outbox_html(request: HttpRequest, number: int) -> HttpResponse:
    s = _one(number)
    response = HttpResponse(s.html or "")
    # The email as the customer's mail app would show it: no scripts, images from anywhere.
    response["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; img-src * data:; sandbox; "
                                           "frame-ancestors 'self'")
    return _headers(response)
