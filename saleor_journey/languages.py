"""The languages the plugin speaks: one per catalog it ships (``locale/<lang>/LC_MESSAGES/django.mo``).

Adding a language is adding its catalog (``scripts/messages`` makes and compiles it); this list, the
owner's *Message texts*, the report's language links and the Messages page follow.
"""

from pathlib import Path

from babel import Locale

LOCALE = Path(__file__).resolve().parent / "locale"
FALLBACK_LANGUAGE = "en"
#: English first (the fallback), then the others in alphabetical order.
LANGUAGES: tuple[str, ...] = tuple(sorted(
    (path.parent.parent.name for path in LOCALE.glob("*/LC_MESSAGES/django.mo")),
    key=lambda code: (code != FALLBACK_LANGUAGE, code),
))
#: Each language's name in that language, for the report's language links (from CLDR, through Babel).
LANGUAGE_NAMES: dict[str, str] = {code: (Locale.parse(code).get_display_name(code) or code).capitalize()
                                  for code in LANGUAGES}
