"""The translation catalogs and the templates agree, every language is complete, and the compiled catalogs are current.

The strings are found the way ``makemessages`` finds them (Django's ``templatize`` turns a template's
translate tags into gettext calls), then read with Babel's Python extractor, so no GNU gettext is needed.
"""

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

from saleor_journey.languages import LANGUAGES

PACKAGE = Path(__file__).resolve().parent.parent / "saleor_journey"
TEMPLATES = PACKAGE / "templates" / "saleor_journey"
#: Python modules with translated words (the report's labels, the cart reasons).
PYTHON = [PACKAGE / "report" / "labels.py", PACKAGE / "delivery" / "cart_reasons.py"]
CONTEXT = "journey"


def template_strings() -> dict[tuple[str, str], set[str]]:
    """Return every (context, msgid) the templates translate, with the templates that use it."""
    found: dict[tuple[str, str], set[str]] = {}
    keywords = {"gettext": None, "pgettext": ((1, "c"), 2), "ngettext": (1, 2), "npgettext": ((1, "c"), 2, 3)}
    for path in [*sorted(TEMPLATES.rglob("*")), *PYTHON]:
        if not path.is_file() or path.suffix not in {".html", ".txt", ".py"}:
            continue
        source = path.read_text(encoding="utf-8")
        if "gettext" not in source and "translate" not in source:
            continue  # nothing to translate (the API explorer: a page for developers, in English)
        code = source if path.suffix == ".py" else templatize(source, origin=str(path))
        for _line, _function, message, _comments in extract_python(io.BytesIO(code.encode()), keywords, [], {}):
            if isinstance(message, tuple) and len(message) >= 2 and message[0] == CONTEXT:
                found.setdefault((CONTEXT, message[1]), set()).add(path.name)
            elif isinstance(message, str) or (isinstance(message, tuple) and message[0] != CONTEXT):
                found.setdefault(("(no context)", str(message)), set()).add(path.name)
    return found


def catalog(lang: str) -> dict[tuple[str, str], str]:
    with (PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.po").open("rb") as po:
        messages = read_po(po, locale=lang)
    assert not [m.id for m in messages if m.id and m.fuzzy], f"{lang}: fuzzy entries"
    return {(m.context or "(no context)", str(m.id)): str(m.string) for m in messages if m.id}


def test_the_templates_translate_with_the_plugins_context_only() -> None:
    strings = template_strings()
    assert strings, "no translatable strings found in the templates"
    assert [k for k in strings if k[0] != CONTEXT] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalog_holds_exactly_the_templates_strings_all_translated(lang: str) -> None:
    wanted = set(template_strings())
    have = catalog(lang)
    assert sorted(wanted - have.keys()) == [], f"{lang}: missing from the catalog"
    assert sorted(have.keys() - wanted) == [], f"{lang}: in the catalog but in no template (stale)"
    assert sorted(k for k, v in have.items() if not v.strip()) == [], f"{lang}: not translated"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_survive_translation(lang: str) -> None:
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    wrong = {k[1]: v for k, v in catalog(lang).items() if sorted(placeholder.findall(k[1])) != sorted(placeholder.findall(v))}
    assert wrong == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalog_is_current(lang: str) -> None:
    with (PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = read_mo(mo)
    def text(value: str | bytes | None) -> str:
        return value.decode() if isinstance(value, bytes) else (value or "(no context)")

    current = {(text(m.context), text(m.id)): text(m.string) for m in compiled if m.id}
    assert current == catalog(lang), f"{lang}: django.mo is out of date; run compilemessages (README, Languages)"


def test_one_template_per_message_and_page_no_language_twins() -> None:
    twins = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*")
             if p.is_file() and any(f".{lang}." in p.name for lang in LANGUAGES)]
    assert twins == []


def test_every_catalog_is_spoken_and_compiled() -> None:
    """A ``.po`` whose ``.mo`` is missing would silently drop its language: each must be compiled and listed."""
    written = {path.parent.parent.name for path in (PACKAGE / "locale").glob("*/LC_MESSAGES/django.po")}
    assert set(LANGUAGES) == written
    assert {"en", "it", "de", "fr", "es"} <= written
    assert LANGUAGES[0] == "en"  # the fallback comes first
