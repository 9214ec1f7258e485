"""A shop owner rewords a message from the plugin's form: checked at save, rendered escaped, the rest stays built in."""

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import activate_plugin, delivery_configuration

pytestmark = pytest.mark.django_db

WELCOME = {"flow": "welcome", "step": "email", "marketing": False, "context": {}}


def texts(value: Any) -> list[dict[str, str]]:
    return [{"name": "message_texts", "value": value if isinstance(value, str) else json.dumps(value)}]


@pytest.mark.parametrize(("value", "words"), [
    ("{not json", "is not valid JSON"),
    ({"abandoned_cart/reminder_9": {"it": {"subject": "x"}}}, "'abandoned_cart/reminder_9' is not a message"),
    ({"welcome/email": {"pl": {"subject": "x"}}}, "'pl' is not one of the languages"),
    ({"welcome/email": {"it": {"sms": "x"}}}, "'sms' is not a part of this message; use subject, heading, body"),
    ({"win_back/sms": {"it": {"body": "x"}}}, "'body' is not a part of this message; use sms"),
    ({"welcome/email": {"it": {"body": "Ciao\n{% debug %}"}}}, "welcome/email it body, line 2: tags such as {% debug %}"),
    ({"welcome/email": {"it": {"body": "Ciao {{ customer.password }}"}}},
     "welcome/email it body, line 1: {{ customer.password }} is not available here; use {{ shop_name }}, {{ action_url }}"),
    ({"welcome/email": {"it": {"body": "{{ shop_name|safe }}"}}}, "{{ shop_name|safe }} is not available here"),
    ({"welcome/email": {"it": {"subject": "one\ntwo"}}}, "welcome/email it subject: must be one line"),
    ({"welcome/email": {"it": {"body": "x" * 2001}}}, "at most 2000 characters"),
])
def test_a_text_that_cannot_be_used_is_refused_at_save_and_nothing_is_saved(
    esp: Any, twilio: Any, value: Any, words: str
) -> None:
    from saleor.plugins.models import PluginConfiguration

    activate_plugin(delivery_configuration(esp, twilio))
    before = list(PluginConfiguration.objects.values_list("configuration", flat=True))
    with pytest.raises(ValidationError) as refused:
        activate_plugin(delivery_configuration(esp, twilio) + texts(value))
    assert words in " ".join(refused.value.message_dict["message_texts"])
    assert list(PluginConfiguration.objects.values_list("configuration", flat=True)) == before


def test_the_owners_words_replace_the_built_in_ones_escaped_and_only_where_given(
    make_dispatcher: Any, make_message: Any, esp: Any
) -> None:
    own = {"welcome/email": {"it": {"subject": "Benvenuta da {{ shop_name }}!",
                                    "heading": "Ciao <b>amica</b>",
                                    "body": "Da {{ shop_name }} c'è posto per te.\nA presto!"}}}
    make_message(**WELCOME, language="it")
    make_message(**WELCOME, language="de", recipient="de@example.com")
    dispatcher = make_dispatcher(message_texts=json.dumps(own))
    assert dispatcher.deliver(dispatcher.claim(10)).sent == 2
    italian, german = (next(r.body for r in esp.received if r.body["To"] == to)
                       for to in ("anna@example.com", "de@example.com"))
    assert italian["Subject"] == "Benvenuta da Bottega!"
    assert "Ciao &lt;b&gt;amica&lt;/b&gt;" in italian["HtmlBody"]
    assert "Da Bottega c&#x27;è posto per te.<br>A presto!" in italian["HtmlBody"]
    assert italian["TextBody"].startswith("Ciao <b>amica</b>\n\nDa Bottega c'è posto per te.\nA presto!")
    # The German customer still gets the built-in German text: the owner wrote Italian only.
    assert "Bottega" in german["Subject"]
    assert "Benvenuta" not in german["Subject"]
    assert "amica" not in german["HtmlBody"]


def test_an_sms_step_takes_the_owners_words_and_keeps_the_opt_out_line(
    make_dispatcher: Any, make_message: Any, twilio: Any
) -> None:
    own = {"win_back/sms": {"it": {"sms": "{{ shop_name }}: ci manchi! Codice {{ voucher }}."}}}
    make_message(channel="sms", recipient="+393331234567", flow="win_back", step="sms", marketing=False,
                 context={"voucher": "TORNA10"}, language="it")
    dispatcher = make_dispatcher(message_texts=json.dumps(own))
    assert dispatcher.deliver(dispatcher.claim(10)).sent == 1
    [request] = twilio.received
    sms = request.body["Body"]
    assert sms.startswith("Bottega: ci manchi! Codice TORNA10.")
    assert sms.endswith("Rispondi STOP per non ricevere altri messaggi.")  # a marketing SMS always says how to stop
