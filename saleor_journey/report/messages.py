"""The report's Messages page: every step a customer may receive, rendered with sample data in a chosen language.

Rendered exactly as the dispatcher renders (the shop's template directory and its own *Message texts*
included); the HTML part opens on its own page. "Send me a test" composes the step the same way and hands
it to the configured email provider, addressed to the signed-in staff member, marked as a test (subject
prefix, ``X-Journey-Test`` header, tag ``journey-test``). No outbox row is written, so a test is never
counted in any figure, never retried and never capped; SMS steps are mailed as text.
"""

from dataclasses import dataclass
from typing import Any

from ..config import JourneySettings, message_steps
from ..delivery import rendering, samples
from ..delivery.channels import build_channels
from ..delivery.channels.base import Outgoing
from ..exceptions import SendError

TEST_HEADER = "X-Journey-Test"
TEST_TAG = "journey-test"
#: Test sends per staff member and hour.
TESTS_PER_HOUR = 20


@dataclass(frozen=True, slots=True)
class Preview:
    key: str  # <flow>/<step>
    flow: str
    step: str
    channel: str
    subject: str
    text: str
    html: bool
    short: str


def sample_context(settings: JourneySettings | None, flow: str, step: str) -> dict[str, Any]:
    """Return what the step carries when sent, made up, with the shop's own sender name and codes where it has them."""
    if settings is None:
        return samples.sample_context(flow, step)
    context = samples.sample_context(flow, step, settings.flows.cart_voucher, settings.flows.win_back_voucher)
    return {**context, "shop_name": settings.sender_name(None) or context["shop_name"]}


def _render(settings: JourneySettings | None, key: str, lang: str) -> rendering.Rendered:
    flow, step = key.split("/", 1)
    delivery = settings.delivery if settings is not None else None
    return rendering.render(flow, step, sample_context(settings, flow, step), [lang],
                            delivery.template_dir if delivery else None, delivery.message_texts if delivery else None)


def previews(settings: JourneySettings | None, lang: str) -> list[Preview]:
    """Return every step rendered in ``lang``, in the order the flows run."""
    shown = []
    for key, channel in message_steps().items():
        rendered = _render(settings, key, lang)
        flow, step = key.split("/", 1)
        shown.append(Preview(key, flow, step, channel, rendered.subject, rendered.text, bool(rendered.html),
                             rendered.short))
    return shown


def html(settings: JourneySettings | None, key: str, lang: str) -> str | None:
    """Return a step's HTML part in ``lang``, or None when the key is not a step or the step has none."""
    if key not in message_steps():
        return None
    return _render(settings, key, lang).html or None


def send_test(settings: JourneySettings, key: str, lang: str, to: str) -> str | None:
    """Mail one step to ``to`` as a test through the configured provider; return None, or why it failed."""
    rendered = _render(settings, key, lang)
    subject = rendered.subject or f"{key} (SMS)"
    text = rendered.text or rendered.short
    outgoing = Outgoing(message_id=0, recipient=to, subject=f"[Test] {subject}", text=text, html=rendered.html,
                        headers={TEST_HEADER: "1"}, tags=[TEST_TAG])
    try:
        build_channels(settings.delivery)["email"].send(outgoing)
    except SendError as exc:
        return exc.reason
    return None
