"""Rendering messages from Django templates, translated through the plugin's gettext catalogs.

Each message has one template per part under
``saleor_journey/messages/<flow>/<step>.<part>``, with parts ``subject.txt``,
``txt``, ``html`` (email) and ``sms.txt`` (SMS and WhatsApp); their words are
translated through ``saleor_journey/locale/<lang>/LC_MESSAGES/django.po``
(context ``journey``), so a language is one catalog. The language falls back
from the customer's to the channel's to English, taking the first the plugin
has a catalog for.

A shop may still keep its own wording in the directory set in the plugin's
``template_dir``: a file ``<flow>/<step>.<lang>.<part>`` there is used as it
is for that language (also for a language the plugin does not translate), and
a file ``<flow>/<step>.<part>`` replaces the plugin's template in every language.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine, Template, TemplateDoesNotExist
from django.utils import translation

from ..languages import FALLBACK_LANGUAGE, LANGUAGES
from . import cart_reasons

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: A message's parts: (field of ``Rendered``, template suffix).
PARTS = (("subject", "subject.txt"), ("text", "txt"), ("html", "html"), ("short", "sms.txt"))


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
                  builtins=["saleor_journey.delivery.money"], libraries={"i18n": "django.templatetags.i18n"})


def languages(*preferred: str | None) -> list[str]:
    chosen: list[str] = []
    for lang in (*preferred, FALLBACK_LANGUAGE):
        if lang:
            base = lang.lower().replace("_", "-").split("-")[0]
            if base not in chosen:
                chosen.append(base)
    return chosen


def translated(langs: list[str]) -> str:
    """Return the first of ``langs`` the plugin's catalogs translate, else English (for its pages)."""
    return next((lang for lang in langs if lang in LANGUAGES), FALLBACK_LANGUAGE)


def render(
    flow: str, step: str, context: dict[str, Any], langs: list[str], override_dir: str | None, texts: str | None = None
) -> Rendered:
    """Render every part the templates provide, in the first language that has the step.

    ``texts`` is the owner's own wording (the configuration's checked JSON, ``config._message_texts``): a
    subject replaces the template's; a heading, body or SMS text goes where the template's words stand, so
    the links and an SMS's opt-out line stay.
    """
    engine = _engine(override_dir)
    owner_texts = _owner_texts(texts).get(f"{flow}/{step}", {})
    for lang in langs:
        own = owner_texts.get(lang, {})
        context = {**context, "custom": {part: _fill(own[part], context) for part in ("heading", "body", "sms")
                                         if own.get(part)}}
        names = [f"saleor_journey/messages/{flow}/{step}.{lang}."]  # a shop's own wording in that language
        if lang in LANGUAGES:
            names.append(f"saleor_journey/messages/{flow}/{step}.")  # the plugin's, translated
        parts: dict[str, str] = {}
        with translation.override(lang):
            if context.get("reasons_url"):  # a cart reminder by email asks why the cart was left
                words = owner_words(texts, cart_reasons.OWNER_KEY, lang)
                context["reasons"] = cart_reasons.choices(words, context["reasons_url"])
                context["reasons_question"] = cart_reasons.word("question", words)
            for part, ext in PARTS:
                template = _first(engine, [name + ext for name in names])
                if template is not None:
                    values = Context({**context, "language": lang}, autoescape=ext == "html")
                    parts[part] = template.render(values).strip()
        if parts:
            if own.get("subject") and "subject" in parts:
                parts["subject"] = _fill(own["subject"], context)
            parts["subject"] = " ".join(parts.get("subject", "").split())
            return Rendered(language=lang, **parts)
    raise TemplateDoesNotExist(f"no template for {flow}/{step} in {', '.join(langs)}")


def owner_words(texts: str | None, key: str, lang: str) -> dict[str, str]:
    """Return the owner's words under ``key`` (``<flow>/<step>``) for one language, as written (no variables filled)."""
    return _owner_texts(texts).get(key, {}).get(lang, {})


@lru_cache(maxsize=8)
def _owner_texts(texts: str | None) -> dict[str, dict[str, dict[str, str]]]:
    return json.loads(texts) if texts else {}


def _fill(text: str, context: dict[str, Any]) -> str:
    """Return an owner's text with its ``{{ variables }}`` filled in (plain text; the message escapes it in HTML)."""
    return _engine(None).from_string(text).render(Context(context, autoescape=False)).strip()


def _first(engine: Engine, names: list[str]) -> Template | None:
    """Return the first of ``names`` that exists (the shop's directory is searched before the plugin's)."""
    for name in names:
        try:
            return engine.get_template(name)
        except TemplateDoesNotExist:
            continue
    return None


def render_page(name: str, lang: str, context: dict[str, Any]) -> str:
    """Render one of the plugin's own pages (``saleor_journey/pages/<name>.html``) in ``lang`` (English without a catalog)."""
    lang = lang if lang in LANGUAGES else FALLBACK_LANGUAGE
    with translation.override(lang):
        return _engine(None).get_template(f"saleor_journey/pages/{name}.html").render(
            Context({**context, "language": lang}))
