"""The rendering command writes every message of every flow in every language the plugin translates."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from saleor_journey.core.flows import FlowSettings
from saleor_journey.languages import LANGUAGES


def test_every_step_of_every_flow_in_every_language(tmp_path: Path) -> None:
    call_command("journey_render_messages", "--out", str(tmp_path), stdout=StringIO())
    files = {p.name for p in tmp_path.iterdir()}
    settings = FlowSettings()
    for flow in ("abandoned_cart", "post_purchase", "review_request", "win_back"):
        for step in settings.steps(flow):
            for lang in LANGUAGES:
                suffix = ".sms.txt" if step.channel == "sms" else ".html"
                assert f"{flow}.{step.name}.{lang}{suffix}" in files
    for lang in LANGUAGES:
        assert f"welcome.email.{lang}.html" in files
    # Each language reads differently: the first reminder's subject is its own in every one of them.
    subjects = {lang: (tmp_path / f"abandoned_cart.reminder_1.{lang}.txt").read_text().splitlines()[0]
                for lang in LANGUAGES}
    assert len(set(subjects.values())) == len(LANGUAGES), subjects
    cart = (tmp_path / "abandoned_cart.reminder_1.it.html").read_text()
    assert "Caffè in grani" in cart
    assert 'alt="Caffè in grani"' in cart
    assert "Torna al carrello" in cart
    assert "Annulla l&#x27;iscrizione" in cart or "Annulla l'iscrizione" in cart
    assert "18,90\xa0€" in cart
    assert "Totale: 61,80\xa0€" in cart
    assert "€18.90" in (tmp_path / "abandoned_cart.reminder_1.en.html").read_text()
    text = (tmp_path / "abandoned_cart.reminder_3.en.txt").read_text()
    assert text.startswith("Subject: Last reminder about your cart")
    assert "TORNA10" in text
    sms = (tmp_path / "win_back.sms.it.sms.txt").read_text()
    assert "STOP" in sms
    assert len(sms) < 320
