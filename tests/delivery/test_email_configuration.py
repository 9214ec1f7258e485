"""Email that cannot be sent is found before anything is due, and a message never ends 'unknown' without cause.

A Saleor whose mail is set up only in Dashboard email plugins has no EMAIL_URL,
so its EMAIL_BACKEND is empty; each ESP reads its credentials under its own
anymail setting names.
"""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from saleor_journey import signals
from saleor_journey.config import JourneySettings
from saleor_journey.delivery import timing
from saleor_journey.delivery.channels import esp
from saleor_journey.models import ScheduledMessage
from tests.conftest import activate_plugin

pytestmark = pytest.mark.django_db(transaction=True)

#: What each ESP needs besides its key, to be complete.
COMPLETE = {
    "mailjet": {"email_api_secret": "mj-secret"},
    "postal": {"email_api_url": "https://postal.example.com"},
    "unisender_go": {"email_api_url": "https://go1.unisender.ru/ru/transactional/api/v1"},
    "scaleway": {"email_esp_options": '{"project_id": "0b7e2f4c-1111-2222-3333-444455556666"}'},
}


def delivery(**values: str) -> Any:
    return JourneySettings.from_configuration([{"name": k, "value": v} for k, v in values.items()]).delivery


@pytest.mark.parametrize("name", sorted(esp.ESPS))
def test_every_esp_gets_its_credentials_under_anymails_own_names(name: str) -> None:
    spec = esp.ESPS[name]
    backend = esp.open_connection(delivery(email_esp=name, email_api_key="the-key", **COMPLETE.get(name, {})))
    assert type(backend).__module__ == f"anymail.backends.{name}"
    if hasattr(backend, "timeout"):
        assert backend.timeout == esp.REQUEST_TIMEOUT_SECONDS  # requests_timeout reached anymail
    if spec.key is None:
        return
    missing = esp.configuration_problem(delivery(email_esp=name, **COMPLETE.get(name, {})))
    assert missing is not None
    assert missing.field == "email_api_key"
    assert spec.key in str(missing)


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"email_esp": "postmarkk", "email_api_key": "k"}, "email_esp", "not an email provider"),
        ({"email_esp": "mailjet", "email_api_key": "k"}, "email_api_secret", "secret_key"),
        ({"email_esp": "postal", "email_api_key": "k"}, "email_api_url", "API URL"),
        ({"email_esp": "scaleway", "email_api_key": "k"}, "email_esp_options", "project_id"),
        ({"email_esp": "postmark", "email_api_key": "k", "email_esp_options": '{"colour": "red"}'},
         "email_esp_options", "colour not accepted for postmark"),
        ({"email_esp": "postmark", "email_api_key": "k", "email_esp_options": "[1]"}, "email_esp_options", "JSON object"),
    ],
)
def test_activating_a_plugin_that_cannot_send_email_is_refused(values: dict[str, str], field: str, words: str) -> None:
    from saleor.plugins.models import PluginConfiguration

    with pytest.raises(ValidationError) as refused:
        activate_plugin([{"name": k, "value": v} for k, v in values.items()])
    assert field in refused.value.message_dict
    assert words in " ".join(refused.value.message_dict[field])
    assert not PluginConfiguration.objects.filter(active=True).exists()


def test_a_saleor_without_email_url_is_told_so_at_activation_and_by_the_system_check(settings: Any) -> None:
    from django.core import checks
    from saleor.plugins.models import PluginConfiguration

    settings.EMAIL_BACKEND = ""  # Saleor's settings without EMAIL_URL
    with pytest.raises(ValidationError, match="EMAIL_URL is not set"):
        activate_plugin()
    activate_plugin([{"name": "email_esp", "value": "postmark"}, {"name": "email_api_key", "value": "k"}])
    # Switching the provider off later (stored by an older version, or edited in the database) is reported.
    row = PluginConfiguration.objects.get(active=True)
    row.configuration = [i for i in row.configuration if i["name"] != "email_esp"]
    row.save()
    errors = [m for m in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
              if m.id == "saleor_journey.E002"]
    assert errors
    assert "EMAIL_URL" in errors[0].msg


def test_an_inactive_plugin_may_be_saved_unfinished(settings: Any) -> None:
    from saleor.plugins.manager import get_plugins_manager

    from saleor_journey.routes import PLUGIN_ID

    settings.EMAIL_BACKEND = ""
    saved = get_plugins_manager(allow_replica=False).save_plugin_configuration(
        PLUGIN_ID, None, {"active": False, "configuration": [{"name": "email_esp", "value": "mailjet"}]})
    assert saved is not None
    assert not saved.active


def _send_until_settled(make_dispatcher: Any, spec: Any, **overrides: str) -> list[tuple[str, str, int]]:
    """Run the dispatcher at each due time until the message leaves pending; the states it went through."""
    seen = []
    for _ in range(timing.MAX_ATTEMPTS + 1):
        message = ScheduledMessage.objects.get(dedupe_key=spec.dedupe_key)
        if message.state != "pending":
            break
        dispatcher = make_dispatcher(clock=lambda due=message.due_at: due, **overrides)
        dispatcher.deliver(dispatcher.claim(10))
        message.refresh_from_db()
        seen.append((message.state, message.reason, message.attempts))
    return seen


def test_email_with_no_backend_is_retried_then_failed_with_the_reason(
    make_dispatcher: Any, make_message: Any, settings: Any, esp: Any
) -> None:
    settings.EMAIL_BACKEND = ""  # EMAIL_URL removed after the plugin was set up without a provider
    spec = make_message()
    seen = _send_until_settled(make_dispatcher, spec, email_esp="", email_api_key="", email_api_url="")
    assert seen[0][0] == "pending"
    assert "EMAIL_URL is not set" in seen[0][1]
    assert seen[0][2] == 1
    state, reason, attempts = seen[-1]
    assert (state, attempts) == ("failed", timing.MAX_ATTEMPTS)
    assert reason.startswith(f"gave up after {timing.MAX_ATTEMPTS} attempts: email is not configured")
    assert all(state != "unknown" for state, _, _ in seen)
    assert esp.count == 0


def test_a_failure_before_the_provider_call_is_an_attempt_not_an_endless_loop(
    make_dispatcher: Any, make_message: Any, esp: Any
) -> None:
    def broken_receiver(sender: Any, message: Any, **kwargs: Any) -> bool:
        raise RuntimeError("the CRM is down")

    signals.before_send.connect(broken_receiver)
    try:
        spec = make_message()
        seen = _send_until_settled(make_dispatcher, spec)
    finally:
        signals.before_send.disconnect(broken_receiver)
    assert seen[0] == ("pending", "error before sending: RuntimeError: the CRM is down", 1)
    assert seen[-1][0] == "failed"
    assert seen[-1][2] == timing.MAX_ATTEMPTS
    assert "RuntimeError: the CRM is down" in seen[-1][1]
    assert esp.count == 0


def test_unknown_only_when_the_provider_may_have_the_message(
    make_dispatcher: Any, make_message: Any, settings: Any
) -> None:
    from tests.delivery.backends import BreaksAfterHandingOver

    settings.EMAIL_BACKEND = "tests.delivery.backends.BreaksAfterHandingOver"
    BreaksAfterHandingOver.sent.clear()
    spec = make_message()
    dispatcher = make_dispatcher(email_esp="", email_api_key="", email_api_url="")
    counts = dispatcher.deliver(dispatcher.claim(10))
    message = ScheduledMessage.objects.get(dedupe_key=spec.dedupe_key)
    assert counts.unknown == 1
    assert len(BreaksAfterHandingOver.sent) == 1
    assert message.state == "unknown"
    assert message.reason == "provider may have received it: ValueError: connection reset while reading the answer"
    later = make_dispatcher(clock=lambda: timezone.now() + timezone.timedelta(hours=1),
                            email_esp="", email_api_key="", email_api_url="")
    later.reclaim_expired()
    assert later.deliver(later.claim(10)).sent == 0
    assert len(BreaksAfterHandingOver.sent) == 1
