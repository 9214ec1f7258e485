"""The plugin's form in the Saleor Dashboard: every field with its type, label, help text and default."""

from typing import Any

from saleor.plugins.base_plugin import ConfigurationTypeField

from ..config import DEFAULT_METADATA_KEY

CHANNEL_SETTINGS_HELP = (
    "JSON object keyed by channel slug, for values that differ per channel. Keys per "
    "channel: storefront_url, product_url, sender_email, sender_name, language, timezone, country. Example: "
    '{"default-channel": {"storefront_url": "https://shop.example.com/cart", "sender_email": "shop@example.com", '
    '"sender_name": "Example Shop", "language": "it", "timezone": "Europe/Rome", "country": "IT"}}'
)

DEFAULT_CONFIGURATION: list[dict[str, Any]] = [
    {"name": "metadata_key", "value": DEFAULT_METADATA_KEY},
    {"name": "lapse_days", "value": "180"},
    {"name": "retention_min_orders", "value": "2"},
    {"name": "retention_window_days", "value": "365"},
    {"name": "advocacy_min_rating", "value": "4"},
    {"name": "advocacy_min_nps", "value": "9"},
    {"name": "channel_settings", "value": ""},
    {"name": "public_base_url", "value": ""},
    {"name": "default_sender", "value": ""},
    {"name": "email_esp", "value": ""},
    {"name": "email_api_key", "value": ""},
    {"name": "email_api_secret", "value": ""},
    {"name": "email_api_url", "value": ""},
    {"name": "email_esp_options", "value": ""},
    {"name": "email_webhook_secret", "value": ""},
    {"name": "email_webhook_signing_key", "value": ""},
    {"name": "email_marketing_policy", "value": "opt_out"},
    {"name": "twilio_account_sid", "value": ""},
    {"name": "twilio_auth_token", "value": ""},
    {"name": "twilio_sms_from", "value": ""},
    {"name": "twilio_whatsapp_from", "value": ""},
    {"name": "twilio_api_url", "value": ""},
    {"name": "quiet_hours", "value": "21:00-08:00"},
    {"name": "quiet_hours_email", "value": False},
    {"name": "frequency_cap_count", "value": "3"},
    {"name": "frequency_cap_days", "value": "7"},
    {"name": "consent_metadata_key", "value": "journey.consent"},
    {"name": "template_dir", "value": ""},
    {"name": "message_texts", "value": ""},
    {"name": "abandoned_cart_enabled", "value": True},
    {"name": "abandoned_cart_delays", "value": "1h,24h,72h"},
    {"name": "abandoned_cart_voucher", "value": ""},
    {"name": "abandoned_cart_cooldown", "value": "7d"},
    {"name": "abandoned_cart_max_sequences", "value": "3"},
    {"name": "post_purchase_enabled", "value": True},
    {"name": "post_purchase_delays", "value": "2d,14d"},
    {"name": "review_request_enabled", "value": True},
    {"name": "review_request_delays", "value": "7d,14d"},
    {"name": "win_back_enabled", "value": True},
    {"name": "win_back_delays", "value": "0h,7d"},
    {"name": "win_back_voucher", "value": ""},
    {"name": "win_back_backlog_per_hour", "value": "0"},
    {"name": "welcome_enabled", "value": False},
    {"name": "nps_survey_enabled", "value": False},
    {"name": "nps_survey_delay", "value": "21d"},
    {"name": "nps_survey_period", "value": "90d"},
    {"name": "review_alert_email", "value": ""},
    {"name": "flood_ceiling", "value": "500"},
    {"name": "dashboard_url", "value": ""},
]
CONFIG_STRUCTURE = {
    "metadata_key": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Private-metadata key on the customer that holds the current stage.",
        "label": "Stage metadata key",
    },
    "lapse_days": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Days without an order after which a buyer counts as lapsed.",
        "label": "Lapse after (days)",
    },
    "retention_min_orders": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Orders (not cancelled or refunded) that make a buyer a repeat customer.",
        "label": "Orders for retention",
    },
    "retention_window_days": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Loyalty engagement after a purchase counts as retention for this many days.",
        "label": "Retention window (days)",
    },
    "advocacy_min_rating": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Lowest review rating (1-5) that makes a buyer an advocate.",
        "label": "Advocacy rating",
    },
    "advocacy_min_nps": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Lowest NPS answer (0-10) that makes a buyer an advocate.",
        "label": "Advocacy NPS score",
    },
    "channel_settings": {
        "type": ConfigurationTypeField.MULTILINE,
        "help_text": CHANNEL_SETTINGS_HELP,
        "label": "Per-channel settings",
    },
    "public_base_url": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Public URL of this Saleor API (e.g. https://api.shop.example.com), used for "
        "unsubscribe links and provider callbacks. Required for marketing messages.",
        "label": "Public API URL",
    },
    "default_sender": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "From address when a channel has no sender_email, e.g. Shop <shop@example.com>.",
        "label": "Default sender",
    },
    "email_esp": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Email provider, as anymail names it: amazon_ses, brevo, mailersend, mailgun, mailjet, "
        "mailtrap, mandrill, postal, postmark, resend, scaleway, sendgrid, sparkpost, unisender_go. Empty: "
        "Saleor's own email backend, which needs EMAIL_URL set for Saleor's API server and worker.",
        "label": "Email provider",
    },
    "email_api_key": {
        "type": ConfigurationTypeField.SECRET,
        "help_text": "The provider's API key (Postmark: server token; MailerSend, Mailtrap: API token; "
        "Scaleway: secret key).",
        "label": "Email provider API key",
    },
    "email_api_secret": {
        "type": ConfigurationTypeField.SECRET,
        "help_text": "The provider's second credential, where it has one (Mailjet: secret key).",
        "label": "Email provider API secret",
    },
    "email_api_url": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "API base URL of the email provider: required for Postal and Unisender Go, optional "
        "elsewhere (e.g. Mailgun's EU endpoint).",
        "label": "Email provider API URL",
    },
    "email_esp_options": {
        "type": ConfigurationTypeField.MULTILINE,
        "help_text": "Other anymail settings of the provider, as JSON, e.g. {\"message_stream\": \"outbound\"} "
        "(Postmark), {\"sender_domain\": \"mg.example.com\"} (Mailgun), {\"project_id\": \"...\"} "
        "(Scaleway, required).",
        "label": "Email provider options",
    },
    "email_webhook_secret": {
        "type": ConfigurationTypeField.SECRET,
        "help_text": "user:password the provider's tracking webhook uses (HTTP basic auth) when calling "
        "<public URL>/plugins/global/saleor.journey/esp/tracking/. Without it tracking calls are refused.",
        "label": "Email tracking webhook secret",
    },
    "email_webhook_signing_key": {
        "type": ConfigurationTypeField.SECRET,
        "help_text": "The provider's own webhook signing secret or key, for providers that sign their tracking "
        "calls: Mailgun (webhook signing key), MailerSend and Resend (signing secret), Mailtrap, Mandrill "
        "(webhook key), Postal (public key), SendGrid (verification key, PEM). Unisender Go signs with the API key.",
        "label": "Email tracking signing key",
    },
    "email_marketing_policy": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "opt_out: marketing email goes to customers who have not refused it; "
        "opt_in: only to customers with recorded consent.",
        "label": "Email marketing consent",
    },
    "twilio_account_sid": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Twilio account SID (AC...). SMS and WhatsApp need it.",
        "label": "Twilio account SID",
    },
    "twilio_auth_token": {
        "type": ConfigurationTypeField.SECRET,
        "help_text": "Twilio auth token; also checks the signature of Twilio's callbacks.",
        "label": "Twilio auth token",
    },
    "twilio_sms_from": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "SMS sender: a number in E.164 (+39...) or a Messaging Service SID (MG...).",
        "label": "SMS sender",
    },
    "twilio_whatsapp_from": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "WhatsApp sender number in E.164, approved for WhatsApp.",
        "label": "WhatsApp sender",
    },
    "twilio_api_url": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Optional base URL replacing https://api.twilio.com (a proxy). Leave empty.",
        "label": "Twilio API URL",
    },
    "quiet_hours": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "No SMS or WhatsApp between these local times (channel timezone); messages wait, "
        "they are not dropped. Format 21:00-08:00, or off.",
        "label": "Quiet hours",
    },
    "quiet_hours_email": {
        "type": ConfigurationTypeField.BOOLEAN,
        "help_text": "Hold email through the quiet hours too, in each channel's timezone (e.g. no cart reminder at "
        "03:00 in Rome). Off: only SMS and WhatsApp wait.",
        "label": "Quiet hours for email",
    },
    "frequency_cap_count": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "At most this many marketing messages per customer and channel in the window; "
        "later ones wait. 0 disables the cap.",
        "label": "Frequency cap (messages)",
    },
    "frequency_cap_days": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Length of the frequency-cap window in days.",
        "label": "Frequency cap window (days)",
    },
    "consent_metadata_key": {
        "type": ConfigurationTypeField.STRING,
        "help_text": 'Metadata key on checkouts and customers with consent answers, e.g. '
        '{"email": true, "sms": false}.',
        "label": "Consent metadata key",
    },
    "message_texts": {
        "type": ConfigurationTypeField.MULTILINE,
        "help_text": "Your own words for a message, per step and language; what you leave out stays the built-in "
        "translated text. JSON, e.g. {\"abandoned_cart/reminder_1\": {\"it\": {\"subject\": \"Il carrello ti "
        "aspetta\", \"heading\": \"Ciao!\", \"body\": \"Da {{ shop_name }} abbiamo tenuto tutto da parte.\"}}}. "
        "Email steps take subject, heading and body; SMS steps take sms; abandoned_cart/reasons takes the "
        "cart emails' question and reasons (question, price, shipping_cost, delivery_time, payment_options, "
        "just_looking, other). Words and {{ variables }} only "
        "(the README lists them per message); the report's Messages page shows the result.",
        "label": "Message texts",
    },
    "template_dir": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Directory on the server with message templates that override the built-in ones "
        "(same file names).",
        "label": "Template override directory",
    },
    "abandoned_cart_enabled": {
        "type": ConfigurationTypeField.BOOLEAN,
        "help_text": "Remind customers of carts they left (email; SMS too with consent and a number).",
        "label": "Abandoned-cart reminders",
    },
    "abandoned_cart_delays": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "After the cart's last change: first, second and third reminder (m, h, d). "
        "The first is a service reminder; the others need marketing consent.",
        "label": "Reminder delays",
    },
    "abandoned_cart_cooldown": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "A cart whose reminders ended and that is abandoned again gets a new sequence once this long "
        "has passed since its last reminder went (at once if none went), e.g. 7d.",
        "label": "Reminders again after",
    },
    "abandoned_cart_max_sequences": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "At most this many reminder sequences per checkout (a signed-in customer keeps one checkout "
        "for months).",
        "label": "Reminder sequences per cart",
    },
    "abandoned_cart_voucher": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Voucher code offered in the third reminder (empty: none).",
        "label": "Reminder voucher code",
    },
    "post_purchase_enabled": {
        "type": ConfigurationTypeField.BOOLEAN,
        "help_text": "Thank-you and cross-sell messages after fulfilment.",
        "label": "Post-purchase follow-up",
    },
    "post_purchase_delays": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "After fulfilment: thank-you, then cross-sell.",
        "label": "Follow-up delays",
    },
    "review_request_enabled": {
        "type": ConfigurationTypeField.BOOLEAN,
        "help_text": "Ask for a review of the products after fulfilment, with one reminder.",
        "label": "Review requests",
    },
    "review_request_delays": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "After fulfilment: request, then reminder.",
        "label": "Review request delays",
    },
    "win_back_enabled": {
        "type": ConfigurationTypeField.BOOLEAN,
        "help_text": "Win back customers who lapsed: email, then SMS with consent.",
        "label": "Win-back",
    },
    "win_back_delays": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "After the customer lapsed: email, then SMS.",
        "label": "Win-back delays",
    },
    "win_back_voucher": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Voucher code offered in win-back messages (empty: none).",
        "label": "Win-back voucher code",
    },
    "win_back_backlog_per_hour": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Customers found lapsed long after it happened (imported orders, a lowered 'Lapse after') get "
        "no win-back: they are history. A number above 0 sends them one anyway, at most this many an hour.",
        "label": "Win-back backlog per hour",
    },
    "welcome_enabled": {
        "type": ConfigurationTypeField.BOOLEAN,
        "help_text": "Welcome email on account creation (off: Saleor already sends account confirmation).",
        "label": "Welcome email",
    },
    "nps_survey_enabled": {
        "type": ConfigurationTypeField.BOOLEAN,
        "help_text": "Some days after an order is fulfilled, one email asks how likely the customer is to recommend "
        "your shop (0-10) and for an optional comment; 9-10 makes an advocate, 0-6 alerts the alert address. "
        "Marketing: consent rules apply. Off until you switch it on.",
        "label": "NPS survey",
    },
    "nps_survey_delay": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "How long after the fulfilment the survey goes (m, h, d; default 21d, after the review request).",
        "label": "NPS survey delay",
    },
    "nps_survey_period": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "At most one survey per customer in this long (default 90d), however many orders they place.",
        "label": "NPS survey at most once per",
    },
    "review_alert_email": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Staff address alerted when a review of 2 stars or less or an NPS answer of 0-6 arrives, so "
        "someone answers it, and when the flood guard pauses a flow.",
        "label": "Alert address",
    },
    "flood_ceiling": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Flood guard: a flow that starts more sequences than this in an hour, and ten times its usual "
        "rate, is paused until staff resume it (report or API); its messages wait. 0 turns the guard off.",
        "label": "Flood guard (sequences per hour)",
    },
    "dashboard_url": {
        "type": ConfigurationTypeField.STRING,
        "help_text": "Address of your Saleor Dashboard (e.g. https://shop.example.com/dashboard), so staff alerts "
        "link to the order.",
        "label": "Dashboard URL",
    },
}
