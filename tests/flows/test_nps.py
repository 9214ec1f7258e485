"""The NPS survey: when it goes and to whom, the page its links open, what an answer does, and the score."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saleor_journey.delivery.tokens import cart_reason_token, nps_token, unsubscribe_token
from saleor_journey.models import Journey, NpsAnswer, ScheduledMessage
from saleor_journey.services import figures
from tests.conftest import activate_plugin, delivery_configuration
from tests.flows.test_flows import STORE, messages, send_due
from tests.graphql.conftest import MANAGE_ORDERS, URL, token_for  # noqa: F401

HOST = "https://api.shop.example.com"
ON = {"nps_survey_enabled": "true", "review_request_enabled": "false", "post_purchase_enabled": "false"}


def score_links(text: str) -> dict[int, str]:
    """Return the survey's links, score -> path on the plugin route."""
    return {int(n): path for n, path in re.findall(rf"^(\d+): {HOST}(/\S*/nps/\S+/)\?score=\d+$", text, re.MULTILINE)}


@pytest.fixture
def surveying(esp: Any, twilio: Any, channel: Any) -> Any:
    return activate_plugin(delivery_configuration(esp, twilio, channel_settings=STORE,
                                                  review_alert_email="staff@bottega.example", **ON))


@pytest.fixture
def fulfil(surveying: Any, make_user: Any, make_order: Any) -> Any:
    def fulfil(email: str = "anna@example.com", language: str = "it") -> Any:
        order = make_order(user=_user(email) or make_user(email), language_code=language)
        surveying.order_created(order)
        surveying.order_fulfilled(order)
        return order

    return fulfil


def _user(email: str) -> Any:
    from saleor.account.models import User

    return User.objects.filter(email=email).first()


@pytest.fixture
def surveyed(fulfil: Any, esp: Any) -> dict[str, Any]:
    """Anna's order fulfilled; 21 days later her survey went: its links as they are in the email."""
    order = fulfil()
    survey = ScheduledMessage.objects.get(flow="nps_survey")
    assert send_due(survey.due_at).sent == 1
    body = esp.received[-1].body
    return {"order": order, "survey": survey, "body": body, "links": score_links(body["TextBody"])}


def test_the_survey_is_off_until_the_shop_switches_it_on(esp: Any, twilio: Any, channel: Any, make_user: Any,
                                                        make_order: Any) -> None:
    manager = activate_plugin(delivery_configuration(esp, twilio))
    order = make_order(user=make_user("anna@example.com"))
    manager.order_fulfilled(order)
    assert not messages("nps_survey")


def test_the_survey_goes_21_days_after_fulfilment_with_eleven_links_in_the_customers_language(
    surveyed: dict[str, Any]
) -> None:
    survey, body = surveyed["survey"], surveyed["body"]
    assert abs(survey.due_at - timezone.now() - timedelta(days=21)) < timedelta(minutes=1)
    assert survey.marketing
    assert body["Subject"] == "Consiglieresti Bottega?"
    assert "Con quale probabilità consiglieresti Bottega a un amico?" in body["TextBody"]
    assert list(surveyed["links"]) == list(range(11))
    assert len(set(surveyed["links"].values())) == 1  # one page; the link names the score
    assert body["HtmlBody"].count("/nps/") == 11
    assert "/unsubscribe/" in body["TextBody"]


def test_opening_the_links_changes_nothing(client: Any, surveyed: dict[str, Any]) -> None:
    """Mail scanners open every link: only the page's Send answers."""
    for score, path in surveyed["links"].items():
        page = client.get(path, {"score": score})
        assert page.status_code == 200
        assert f'value="{score}" required checked' in page.content.decode()
    assert not NpsAnswer.objects.exists()
    assert Journey.objects.get(email="anna@example.com").stage != "advocacy"


def test_a_promoter_becomes_an_advocate(client: Any, surveyed: dict[str, Any]) -> None:
    page = client.post(surveyed["links"][9], {"score": "9", "comment": "  Tutto perfetto  "})
    assert page.status_code == 200
    assert "Grazie per la tua risposta!" in page.content.decode()
    answer = NpsAnswer.objects.get()
    assert (answer.score, answer.comment, answer.language, answer.order_id) == (
        9, "Tutto perfetto", "it", str(surveyed["order"].pk))
    journey = Journey.objects.get(email="anna@example.com")
    assert answer.journey_id == journey.pk
    assert journey.stage == "advocacy"
    assert not ScheduledMessage.objects.filter(flow="nps_alert").exists()


def test_a_passive_is_not_an_advocate(client: Any, surveyed: dict[str, Any]) -> None:
    client.post(surveyed["links"][8], {"score": "8"})
    assert Journey.objects.get(email="anna@example.com").stage == "purchase"


def test_a_detractor_alerts_the_shop_once_with_score_comment_and_order(
    client: Any, surveyed: dict[str, Any], esp: Any
) -> None:
    client.post(surveyed["links"][3], {"score": "3", "comment": "Pacco arrivato rotto"})
    client.post(surveyed["links"][2], {"score": "2", "comment": "E nessuno risponde"})  # changed within 7 days
    alert = ScheduledMessage.objects.get(flow="nps_alert")
    assert alert.recipient == "staff@bottega.example"
    assert not alert.marketing
    assert send_due(alert.due_at).sent == 1
    text = esp.received[-1].body["TextBody"]
    assert "3" in esp.received[-1].body["Subject"]
    assert "Pacco arrivato rotto" in text
    assert "anna@example.com" in text
    assert f"Ordine: n. {surveyed['order'].number}" in text  # the shop's language (the channel's: it)
    assert NpsAnswer.objects.get().score == 2


def test_a_second_answer_within_7_days_replaces_the_first_and_after_that_it_stands(
    client: Any, surveyed: dict[str, Any]
) -> None:
    path = surveyed["links"][10]
    client.post(path, {"score": "10"})
    again = client.get(path)
    assert 'value="10" required checked' in again.content.decode()
    assert "Hai già risposto" in again.content.decode()
    client.post(path, {"score": "7", "comment": "Ci ho ripensato"})
    answer = NpsAnswer.objects.get()
    assert (answer.score, answer.comment) == (7, "Ci ho ripensato")
    NpsAnswer.objects.update(created_at=timezone.now() - timedelta(days=8))  # a week and a day later
    late = client.post(path, {"score": "0"})
    assert late.status_code == 409
    assert "Hai risposto 7 su 10" in late.content.decode()
    assert NpsAnswer.objects.get().score == 7


def test_one_survey_per_customer_in_90_days_however_many_orders(fulfil: Any, esp: Any) -> None:
    fulfil()
    fulfil()  # a second order, fulfilled too
    surveys = messages("nps_survey")
    assert len(surveys) == 2
    send_due(max(s.due_at for s in surveys))  # both due in the same sweep: one goes
    states = sorted((s.state, s.reason) for s in messages("nps_survey"))
    assert states == [("cancelled", "surveyed within 90 days"), ("sent", "")]
    ScheduledMessage.objects.filter(flow="nps_survey", state="sent").update(
        sent_at=timezone.now() - timedelta(days=91))
    third = fulfil()  # three months later
    survey = ScheduledMessage.objects.get(flow="nps_survey", subject_key=f"order:{third.pk}")
    assert send_due(survey.due_at).sent == 1


def test_a_cancelled_order_gets_no_survey(surveying: Any, make_user: Any, make_order: Any) -> None:
    order = make_order(user=make_user("anna@example.com"))
    surveying.order_created(order)
    surveying.order_fulfilled(order)
    order.status = "canceled"
    order.save()
    surveying.order_cancelled(order)
    assert [(m.state, m.reason) for m in messages("nps_survey")] == [("cancelled", "order cancelled or refunded")]


def test_the_survey_needs_marketing_consent_under_opt_in(esp: Any, twilio: Any, channel: Any, make_user: Any,
                                                         make_order: Any) -> None:
    manager = activate_plugin(delivery_configuration(esp, twilio, email_marketing_policy="opt_in", **ON))
    order = make_order(user=make_user("anna@example.com"))
    manager.order_fulfilled(order)
    survey = ScheduledMessage.objects.get(flow="nps_survey")
    send_due(survey.due_at)
    survey.refresh_from_db()
    assert (survey.state, survey.reason) == ("suppressed", "no recorded opt-in")
    assert esp.count == 0


@pytest.mark.parametrize("form", [
    {"score": "11"}, {"score": "-1"}, {"score": "５"}, {"score": ""}, {"score": "7", "comment": "x" * 1001},
])
def test_bad_answers_are_refused_and_nothing_changes(client: Any, surveyed: dict[str, Any], form: dict[str, str]) -> None:
    page = client.post(surveyed["links"][7], form)
    assert page.status_code == 400
    assert not NpsAnswer.objects.exists()


def test_forged_expired_or_foreign_links_change_nothing(
    client: Any, surveyed: dict[str, Any], monkeypatch: Any
) -> None:
    import time

    survey = surveyed["survey"]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 31 * 86400)
    stale = nps_token(survey.pk)
    monkeypatch.setattr(time, "time", real)
    other = ScheduledMessage.objects.create(
        dedupe_key="x", flow="win_back", step="email", subject_key="w", channel="email", recipient="anna@example.com",
        due_at=timezone.now())
    for token in ("forged", stale, unsubscribe_token(survey.pk), cart_reason_token(survey.pk), nps_token(other.pk)):
        assert client.get(f"/plugins/global/saleor.journey/nps/{token}/").status_code == 400
        assert client.post(f"/plugins/global/saleor.journey/nps/{token}/", {"score": "10"}).status_code == 400
    assert not NpsAnswer.objects.exists()


def test_erasing_the_customer_removes_their_answers(client: Any, surveyed: dict[str, Any]) -> None:
    client.post(surveyed["links"][4], {"score": "4", "comment": "Mah"})
    assert NpsAnswer.objects.count() == 1
    _user("anna@example.com").delete()
    assert not NpsAnswer.objects.exists()


METRICS = """query M($period: PeriodInput) { journeyMetrics(period: $period) {
  nps { score promoters passives detractors answers surveysSent responseRate weekly { weekStart score answers } } } }"""


def test_the_score_matches_a_hand_count_in_the_api_and_the_report(
    client: Any, fulfil: Any, esp: Any, token_for: Any  # noqa: F811
) -> None:
    """Six customers surveyed, five answer 10, 9, 8, 6, 3: 2 promoters, 1 passive, 2 detractors: NPS 0."""
    for i in range(6):
        fulfil(f"c{i}@example.com")
    due = max(m.due_at for m in messages("nps_survey"))
    assert send_due(due).sent == 6
    links = {b.body["To"]: score_links(b.body["TextBody"]) for b in esp.received}
    for i, score in enumerate((10, 9, 8, 6, 3)):
        assert client.post(links[f"c{i}@example.com"][score], {"score": str(score)}).status_code == 200
    client.post(links["c0@example.com"][9], {"score": "9"})  # changed their mind: one answer still
    period = {"gte": (timezone.now() - timedelta(days=1)).isoformat()}

    def api() -> dict[str, Any]:
        return Client().post(URL, {"query": METRICS, "variables": {"period": period}}, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token_for(MANAGE_ORDERS)}").json()["data"]["journeyMetrics"]["nps"]

    nps = api()
    assert (nps["promoters"], nps["passives"], nps["detractors"], nps["answers"]) == (2, 1, 2, 5)
    assert nps["score"] == 0.0
    assert nps["responseRate"] is None  # the surveys were sent 21 days from now, outside the period
    assert [w for w in nps["weekly"] if w["answers"]] == [
        {"weekStart": (timezone.now().date() - timedelta(days=timezone.now().weekday())).isoformat(), "score": 0.0,
         "answers": 5}]
    assert [w["score"] for w in nps["weekly"] if not w["answers"]] == [None] * (len(nps["weekly"]) - 1)
    figures.refresh()
    assert api() == nps
    from tests.report.test_report import get

    html = get(token_for(MANAGE_ORDERS), days="7").content.decode()
    section = html.split('id="nps"', 1)[1].split("</section>", 1)[0]
    assert '<b id="nps-score">+0.0</b>' in section or '<b id="nps-score">0.0</b>' in section
    assert '<b id="nps-answers">5</b>' in section
    assert section.count('class="point"') == 1


def test_the_response_rate_counts_answers_over_surveys_sent_in_the_period(
    client: Any, fulfil: Any, esp: Any, token_for: Any  # noqa: F811
) -> None:
    for i in range(4):
        fulfil(f"c{i}@example.com")
    ScheduledMessage.objects.filter(flow="nps_survey").update(due_at=timezone.now())  # due today
    assert send_due(timezone.now()).sent == 4
    links = score_links(esp.received[0].body["TextBody"])
    client.post(links[10], {"score": "10"})
    period = {"gte": (timezone.now() - timedelta(days=1)).isoformat()}
    nps = Client().post(URL, {"query": METRICS, "variables": {"period": period}}, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {token_for(MANAGE_ORDERS)}").json()["data"]["journeyMetrics"]["nps"]
    assert (nps["surveysSent"], nps["answers"], nps["responseRate"], nps["score"]) == (4, 1, 0.25, 100.0)
