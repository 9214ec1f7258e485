"""Consent answers that a storefront stores in Saleor metadata, recorded as consent.

The value under the configured key (default ``journey.consent``) is a JSON
object, e.g. ``{"email": true, "sms": true, "whatsapp": false, "phone": "+393331234567"}``:
a storefront writes it with Saleor's own ``updateMetadata`` mutation on the
checkout or the customer. Unknown keys and non-boolean answers are ignored
with a log line. The same metadata read again (every customer update carries
it) is not a new answer: only a changed value is recorded.
"""

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from ..core.identity import normalise_email
from ..delivery import preferences
from ..delivery.addresses import normalise_phone
from ..exceptions import PermanentSendError
from ..models import MessageChannel

logger = logging.getLogger(__name__)


def parse(raw: Any) -> dict[str, Any]:
    if raw in (None, ""):
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        logger.info("journey: consent metadata is not JSON; ignored")
        return {}
    return value if isinstance(value, dict) else {}


def record_from_metadata(metadata: dict[str, Any] | None, key: str, email: str | None, at: datetime, source: str) -> int:
    """Record each boolean answer; returns how many were recorded."""
    answers = parse((metadata or {}).get(key))
    if not answers:
        return 0
    recorded = 0
    address = normalise_email(email)
    phone = None
    if answers.get("phone"):
        try:
            phone = normalise_phone(str(answers["phone"]))
        except PermanentSendError:
            logger.info("journey: consent metadata has an invalid phone number; phone answers ignored")
    seen = hashlib.sha256(json.dumps(answers, sort_keys=True, default=str).encode()).hexdigest()[:32]
    for channel in MessageChannel.values:
        answer = answers.get(channel)
        if not isinstance(answer, bool):
            continue
        target = address if channel == MessageChannel.EMAIL else phone
        if target is None:
            continue
        recorded += preferences.record_metadata_consent(channel, target, answer, seen, source=source, at=at)
    return recorded
