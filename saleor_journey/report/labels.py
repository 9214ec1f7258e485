"""The report's words, translated through the plugin's catalogs (context ``journey``), like its messages."""

from typing import Any

from django.utils.translation import override, pgettext

from ..languages import FALLBACK_LANGUAGE, LANGUAGE_NAMES, LANGUAGES

__all__ = ["LANGUAGE_NAMES", "labels", "language_of"]


def labels(lang: str) -> dict[str, Any]:
    """Return the report's words in ``lang`` (English where the plugin has no catalog)."""
    with override(lang if lang in LANGUAGES else FALLBACK_LANGUAGE):
        return {
            "title": pgettext("journey", "Customer journey report"),
            "period": pgettext("journey", "Period"),
            "days": pgettext("journey", "days"),
            "channel": pgettext("journey", "Channel"),
            "all_channels": pgettext("journey", "all channels"),
            "as_of": pgettext("journey", "Figures as of"),
            "funnel_title": pgettext("journey", "Customers per stage now"),
            "reached_title": pgettext("journey", "Reached in the period"),
            "reached": pgettext("journey", "reached"),
            "conversion": pgettext("journey", "from the previous stage"),
            "movements_title": pgettext("journey", "Customers entering each stage per day"),
            "flows_title": pgettext("journey", "What the flows did"),
            "flow_col": pgettext("journey", "flow"),
            "triggered": pgettext("journey", "started"),
            "sent": pgettext("journey", "sent"),
            "suppressed": pgettext("journey", "suppressed"),
            "cancelled": pgettext("journey", "cancelled"),
            "converted": pgettext("journey", "converted"),
            "revenue": pgettext("journey", "revenue"),
            "recovery": pgettext("journey", "Abandoned carts recovered"),
            "abandonment": pgettext("journey", "Abandonment rate"),
            "abandonment_detail": pgettext("journey", "%(abandoned)s of %(carts)s carts with an item were not bought"),
            "cart_reasons_title": pgettext("journey", "Why carts were left"),
            "cart_reasons_given": pgettext("journey", "carts whose customer said why"),
            "reason_col": pgettext("journey", "reason"),
            "answers_col": pgettext("journey", "answers"),
            "share_col": pgettext("journey", "share"),
            "top_reason": pgettext("journey", "The reason given most: %(reason)s (%(share)s)."),
            "no_reasons": pgettext("journey", "No customer said in this period why they left a cart."),
            "nps_title": pgettext("journey", "Net Promoter Score"),
            "nps_help": pgettext("journey", "The share of promoters (9–10) minus the share of detractors (0–6), from -100 to 100."),
            "nps_trend": pgettext("journey", "NPS per week"),
            "nps_answers": pgettext("journey", "answers"),
            "nps_sent": pgettext("journey", "surveys sent"),
            "nps_promoters": pgettext("journey", "promoters"),
            "nps_passives": pgettext("journey", "passives"),
            "nps_detractors": pgettext("journey", "detractors"),
            "reviews_title": pgettext("journey", "Reviews"),
            "ratings_title": pgettext("journey", "Reviews by rating"),
            "requests": pgettext("journey", "review requests sent"),
            "received": pgettext("journey", "reviews received"),
            "average": pgettext("journey", "average rating"),
            "promoters": pgettext("journey", "★ and above"),
            "delivery_title": pgettext("journey", "Delivery"),
            "delivery_cols": (
                pgettext("journey", "channel"),
                pgettext("journey", "sent"),
                pgettext("journey", "delivered"),
                pgettext("journey", "opened"),
                pgettext("journey", "clicked"),
                pgettext("journey", "bounced"),
                pgettext("journey", "complained"),
                pgettext("journey", "failed"),
            ),
            "hidden_customers": pgettext("journey", "The funnel and stage movements need the MANAGE_USERS permission."),
            "hidden_orders": pgettext(
                "journey", "Flow results, reviews and delivery need the MANAGE_ORDERS permission."
            ),
            "sign_out": pgettext("journey", "Sign out"),
            "messages": pgettext("journey", "Messages"),
            "messages_help": pgettext(
                "journey",
                "Every message customers may receive, with sample data, as it would be sent today, your own texts "
                "(the “Message texts” field) included. A test goes to your own email address and counts in no figure.",
            ),
            "message_language": pgettext("journey", "Message language"),
            "subject": pgettext("journey", "Subject"),
            "html_part": pgettext("journey", "Open the HTML part"),
            "send_test": pgettext("journey", "Send me a test"),
            "too_many_tests": pgettext("journey", "Too many tests this hour. Try again later."),
            "test_sent": pgettext("journey", "A test was sent to %(email)s."),
            "test_failed": pgettext("journey", "The test could not be sent: %(reason)s"),
            "back_to_report": pgettext("journey", "Back to the report"),
            "sign_in_title": pgettext("journey", "Sign in to the customer journey report"),
            "sign_in_help": pgettext(
                "journey",
                "Use your Saleor Dashboard staff email and password. You need the Manage users or Manage orders permission.",
            ),
            "email": pgettext("journey", "Email"),
            "password": pgettext("journey", "Password"),
            "sign_in": pgettext("journey", "Sign in"),
            "paused_title": pgettext("journey", "Paused by the flood guard"),
            "paused_help": pgettext(
                "journey", "Its messages wait, none is lost; resume it once you know why it surged."
            ),
            "resume": pgettext("journey", "Resume this flow"),
            "sign_in_disabled": pgettext(
                "journey",
                "This shop's Saleor settings allow staff no password sign-in (single sign-on only), so this page has none either. Tools can open it with a staff or app token in an 'Authorization: Bearer <token>' header.",
            ),
            "wrong_credentials": pgettext("journey", "That email and password do not match an active staff account."),
            "too_many": pgettext("journey", "Too many attempts. Try again in 15 minutes."),
            "bad_token": pgettext("journey", "The token was refused (expired, revoked or not from this shop)."),
            "forbidden": pgettext(
                "journey", "Your account does not have the Manage users or Manage orders permission."
            ),
            "bad_query": pgettext(
                "journey", "Unknown period or channel: days must be 7, 30, 90 or 365 and a channel a slug."
            ),
            "none": pgettext("journey", "–"),
            "stage": {
                "awareness": pgettext("journey", "Awareness"),
                "consideration": pgettext("journey", "Consideration"),
                "purchase": pgettext("journey", "Purchase"),
                "retention": pgettext("journey", "Retention"),
                "advocacy": pgettext("journey", "Advocacy"),
                "lapsed": pgettext("journey", "Lapsed"),
            },
            "flow": {
                "abandoned_cart": pgettext("journey", "Abandoned cart"),
                "post_purchase": pgettext("journey", "Post-purchase"),
                "review_request": pgettext("journey", "Review request"),
                "win_back": pgettext("journey", "Win-back"),
                "welcome": pgettext("journey", "Welcome"),
                "nps_survey": pgettext("journey", "NPS survey"),
            },
        }


def language_of(asked: str | None, accept_language: str | None) -> str:
    """Return ``asked`` when the plugin has that language, else the first of Accept-Language it has, else English."""
    if asked in LANGUAGES:
        return asked
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return FALLBACK_LANGUAGE
