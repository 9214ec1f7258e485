"""Rendering messages from Django templates, per language, overridable by the shop.

Templates live under ``saleor_journey/messages/<flow>/<step>.<lang>.<part>``
with parts ``subject.txt``, ``txt``, ``html`` (email) and ``sms.txt`` (SMS and
WhatsApp). A shop overrides any of them by putting a file of the same name
under the directory set in the plugin's ``template_dir``; it is searched
first. The language falls back from the customer's to the channel's to English.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine, TemplateDoesNotExist

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str = ""
    text: str = ""
    html: str = ""
    short: str = ""
    language: str = FALLBACK_LANGUAGE


@lru_cache(maxsize=8)
def _engine(override_dir: str | None) -> Engine:
    dirs = [override_dir] if override_dir else []
    return Engine(dirs=[*dirs, str(PACKAGE_TEMPLATES)], autoescape=True, debug=False,
                  builtins=["saleor_journey.delivery.money"])


def languages(*preferred: str | None) -> list[str]:
    chosen: list[str] = []
    for lang in (*preferred, FALLBACK_LANGUAGE):
        if lang:
            base = lang.lower().replace("_", "-").split("-")[0]
            if base not in chosen:
                chosen.append(base)
    return chosen


def render(flow: str, step: str, context: dict[str, Any], langs: list[str], override_dir: str | None) -> Rendered:
    """Render every part the templates provide, in the first language that has the step."""
    engine = _engine(override_dir)
    for lang in langs:
        parts: dict[str, str] = {}
        for part, ext in (("subject", "subject.txt"), ("text", "txt"), ("html", "html"), ("short", "sms.txt")):
            try:
                template = engine.get_template(f"saleor_journey/messages/{flow}/{step}.{lang}.{ext}")
            except TemplateDoesNotExist:
                continue
            parts[part] = template.render(Context({**context, "language": lang}, autoescape=ext == "html")).strip()
        if parts:
            parts["subject"] = " ".join(parts.get("subject", "").split())
            return Rendered(language=lang, **parts)
    raise TemplateDoesNotExist(f"no template for {flow}/{step} in {', '.join(langs)}")


def render_page(name: str, lang: str, context: dict[str, Any]) -> str:
    """One of the plugin's own pages (``saleor_journey/pages/<name>.<lang>.html``), English when missing."""
    engine = _engine(None)
    try:
        template = engine.get_template(f"saleor_journey/pages/{name}.{lang}.html")
    except TemplateDoesNotExist:
        template = engine.get_template(f"saleor_journey/pages/{name}.{FALLBACK_LANGUAGE}.html")
    return template.render(Context({**context, "language": lang}))
