"""Customers read their messages in their own language, through the real delivery path and the ESP peer."""

from pathlib import Path
from typing import Any

import pytest

from saleor_journey.languages import LANGUAGES

# The welcome email's subject in English and in the shop's Italian (the catalogs' wording).
SUBJECTS = {"en": "Welcome to Bottega", "it": "Benvenuto su Bottega"}
WELCOME = {"flow": "welcome", "step": "email", "marketing": False, "context": {}}


def send_welcome(make_dispatcher: Any, make_message: Any, esp: Any, **fields: Any) -> dict[str, Any]:
    make_message(**WELCOME, **fields)
    dispatcher = make_dispatcher()
    counts = dispatcher.deliver(dispatcher.claim(10))
    assert counts.sent == 1, counts
    return esp.received[-1].body


def test_each_language_gets_its_own_words(make_dispatcher: Any, make_message: Any, esp: Any) -> None:
    bodies = {lang: send_welcome(make_dispatcher, make_message, esp, language=lang, recipient=f"{lang}@example.com")
              for lang in LANGUAGES}
    for lang, subject in SUBJECTS.items():
        assert bodies[lang]["Subject"] == subject
    assert len({body["Subject"] for body in bodies.values()}) == len(LANGUAGES)  # German, French, Spanish too
    assert len({body["TextBody"] for body in bodies.values()}) == len(LANGUAGES)
    for lang, body in bodies.items():
        assert f'lang="{lang}"' in body["HtmlBody"]
        assert "Bottega" in body["TextBody"]


@pytest.mark.parametrize(("customer", "channel", "expected"), [
    ("pl", "it", "it"),  # no Polish catalog: the channel's language
    ("de-AT", "it", "de"),  # a regional code reads as its language
    ("pl", "", "en"),  # neither: English
])
def test_a_language_without_a_catalog_falls_back_to_the_channels_then_english(
    make_dispatcher: Any, make_message: Any, esp: Any, customer: str, channel: str, expected: str
) -> None:
    import json

    settings = json.dumps({"it": {"sender_name": "Bottega", "sender_email": "ciao@bottega.example",
                                  "language": channel, "timezone": "Europe/Rome", "country": "IT"}})
    make_message(**WELCOME, language=customer)
    dispatcher = make_dispatcher(channel_settings=settings)
    assert dispatcher.deliver(dispatcher.claim(10)).sent == 1
    english = send_welcome(make_dispatcher, make_message, esp, language="en", recipient="en@example.com")
    sent = esp.received[-2].body
    assert f'lang="{expected}"' in sent["HtmlBody"]
    assert (sent["Subject"] == english["Subject"]) == (expected == "en")


def test_a_shops_own_file_for_a_language_the_plugin_does_not_translate(
    make_dispatcher: Any, make_message: Any, esp: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "saleor_journey" / "messages" / "welcome"
    folder.mkdir(parents=True)
    (folder / "email.pl.subject.txt").write_text("Witamy w {{ shop_name }}\n", encoding="utf-8")
    (folder / "email.pl.txt").write_text("Cieszymy się, że jesteś z nami.\n", encoding="utf-8")
    (folder / "email.pl.html").write_text("<p>Cieszymy się, że jesteś z nami.</p>\n", encoding="utf-8")
    make_message(**WELCOME, language="pl")
    dispatcher = make_dispatcher(template_dir=str(tmp_path))
    assert dispatcher.deliver(dispatcher.claim(10)).sent == 1
    body = esp.received[-1].body
    assert body["Subject"] == "Witamy w Bottega"
    assert body["TextBody"] == "Cieszymy się, że jesteś z nami."
    assert body["HtmlBody"] == "<p>Cieszymy się, że jesteś z nami.</p>"
