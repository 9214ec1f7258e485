"""Erasing a person's journey data when their Saleor account is deleted (GDPR)."""

import logging

from django.db import connection

from ..core.identity import normalise_email
from ..models.tables import (
    CART_REASONS,
    CONSENTS,
    DELIVERY_EVENTS,
    JOURNEY_EVENTS,
    JOURNEYS,
    MESSAGES,
    NPS_ANSWERS,
    REVIEWS,
    STAGE_TRANSITIONS,
)
from .db import savepoint_if_in_transaction

logger = logging.getLogger(__name__)


_ERASE_SQL = f"""
WITH own AS (
  SELECT id FROM {JOURNEYS} WHERE user_id = %s OR (%s::text IS NOT NULL AND email = %s)
), ids AS (
  SELECT id FROM own UNION SELECT id FROM {JOURNEYS} WHERE merged_into_id IN (SELECT id FROM own)
), msgs AS (
  SELECT id, recipient FROM {MESSAGES} WHERE journey_id IN (SELECT id FROM ids)
), da AS (
  DELETE FROM {CART_REASONS} WHERE message_id IN (SELECT id FROM msgs) OR journey_id IN (SELECT id FROM ids)
), dn AS (
  DELETE FROM {NPS_ANSWERS} WHERE message_id IN (SELECT id FROM msgs) OR journey_id IN (SELECT id FROM ids)
), dd AS (
  DELETE FROM {DELIVERY_EVENTS} WHERE message_id IN (SELECT id FROM msgs)
), dm AS (
  DELETE FROM {MESSAGES} WHERE id IN (SELECT id FROM msgs)
), dc AS (
  DELETE FROM {CONSENTS} WHERE address = %s OR address IN (SELECT recipient FROM msgs)
), dr AS (
  DELETE FROM {REVIEWS} WHERE journey_id IN (SELECT id FROM ids)
), dt AS (
  DELETE FROM {STAGE_TRANSITIONS} WHERE journey_id IN (SELECT id FROM ids)
), de AS (
  DELETE FROM {JOURNEY_EVENTS} WHERE journey_id IN (SELECT id FROM ids)
), dj AS (
  DELETE FROM {JOURNEYS} WHERE id IN (SELECT id FROM ids) RETURNING id
)
SELECT count(*) FROM dj
"""


def erase_person(user_id: int | None, email: str | None) -> int:
    """Delete every journey, event, stage change, message, review, answer and consent of this user or address.

    Guest journeys under the same address and guest journeys merged into the
    account go too: they are the same person's history. Suppressions stay
    (they hold only a keyed hash), so an opt-out outlives the account.
    Returns the number of journeys erased.
    """
    address = normalise_email(email)
    if user_id is None and address is None:
        return 0
    with savepoint_if_in_transaction(), connection.cursor() as cursor:
        cursor.execute(_ERASE_SQL, [user_id, address, address, address])
        (erased,) = cursor.fetchone()
    if erased:
        logger.info("journey: erased %d journey(s) of user %s", erased, user_id)
    return erased
