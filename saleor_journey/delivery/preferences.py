"""Suppressions (never send again) and consent (may we send marketing), per channel and address."""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction

from .. import clock as journey_clock
from ..config import DeliverySettings
from ..models import Consent, MessageChannel, MessageState, Suppression
from .addresses import address_hash

logger = logging.getLogger(__name__)

#: Opting out of SMS stops WhatsApp too and vice versa: one number, one person's wish.
PHONE_CHANNELS = (MessageChannel.SMS, MessageChannel.WHATSAPP)


def _channels(channel: str) -> tuple[str, ...]:
    return PHONE_CHANNELS if channel in PHONE_CHANNELS else (channel,)


#: A suppression for this reason stops marketing only; every other reason (bounce, complaint, STOP) stops all.
MARKETING_ONLY = "unsubscribed"


def suppress(channel: str, address: str, reason: str, source: str) -> bool:
    """Add the address to the suppression list; True when it was not there yet (or now stops more).

    An unsubscribe stops marketing only; a later bounce or complaint on the
    same address widens it to everything.
    """
    added = False
    for each in _channels(channel):
        hashed = address_hash(each, address)
        try:
            with transaction.atomic():
                Suppression.objects.create(channel=each, address_hash=hashed, reason=reason, source=source)
            added = True
        except IntegrityError:
            if reason != MARKETING_ONLY:
                added |= bool(Suppression.objects.filter(channel=each, address_hash=hashed, reason=MARKETING_ONLY)
                              .update(reason=reason, source=source))
    if added:
        logger.info("journey: %s suppressed (%s, from %s)", channel, reason, source)
    return added


def unsuppress(channel: str, address: str) -> int:
    """Lift a suppression (a customer texted START); returns rows removed."""
    hashes = [address_hash(each, address) for each in _channels(channel)]
    deleted, _ = Suppression.objects.filter(channel__in=_channels(channel), address_hash__in=hashes).delete()
    return deleted


def is_suppressed(channel: str, address: str) -> bool:
    return Suppression.objects.filter(channel=channel, address_hash=address_hash(channel, address)).exists()


def record_consent(channel: str, address: str, granted: bool, source: str, at: datetime | None = None) -> None:
    """Store the latest answer; an older answer never overwrites a newer one.

    An opt-in covers only its channel (WhatsApp consent is its own); a refusal
    on one phone channel covers both.
    """
    at = at or journey_clock.now()
    for each in (channel,) if granted else _channels(channel):
        existing = Consent.objects.filter(channel=each, address=address).first()
        if existing is not None and existing.recorded_at > at:
            continue
        Consent.objects.update_or_create(
            channel=each, address=address, defaults={"granted": granted, "source": source, "recorded_at": at}
        )


def record_metadata_consent(channel: str, address: str, granted: bool, seen: str, source: str, at: datetime) -> bool:
    """Record an answer read from Saleor metadata, only when the metadata changed since it was last read.

    Saleor hands the whole customer to every hook, so the same consent
    metadata is seen again on each address or name change; seen again
    unchanged, it says nothing new and never undoes a refusal given since (an
    unsubscribe, STOP, consentUpdate). Read for the first time, a grant does
    not lift a refusal given another way either: nothing tells which came
    first. Returns whether the answer was recorded.
    """
    existing = Consent.objects.filter(channel=channel, address=address).first()
    if existing is not None and existing.metadata_seen == seen:
        return False
    overrides = existing is None or not granted or existing.granted or bool(existing.metadata_seen)
    if overrides:
        record_consent(channel, address, granted, source=source, at=at)
        if granted:  # a changed answer is the person's own: it lifts their unsubscribe (never a bounce)
            hashes = [address_hash(each, address) for each in _channels(channel)]
            Suppression.objects.filter(address_hash__in=hashes, reason=MARKETING_ONLY).delete()
    Consent.objects.filter(channel=channel, address=address).update(metadata_seen=seen)
    return overrides


def set_marketing_consent(channel: str, address: str, granted: bool, source: str) -> int:
    """Record a customer's own answer, given through the API, and act on it at once.

    A refusal stops the marketing that waits for the address (service messages
    still go); an opt-in lifts an earlier unsubscribe, but never a bounce or a
    complaint. Returns how many pending messages were stopped.
    """
    from ..services import outbox

    with transaction.atomic():
        record_consent(channel, address, granted, source=source)
        if granted:
            hashes = [address_hash(each, address) for each in _channels(channel)]
            Suppression.objects.filter(address_hash__in=hashes, reason="unsubscribed").delete()
            return 0
        return outbox.stop_pending([address], list(_channels(channel)), MessageState.CANCELLED, "consent withdrawn",
                                   marketing_only=True)


def marketing_decision(channel: str, granted: bool | None, settings: DeliverySettings) -> tuple[bool, str]:
    """Apply the consent rule, given the recorded answer (None: never asked).

    SMS and WhatsApp need a recorded opt-in. Email follows the shop's policy:
    opt-out (send unless refused) by default, opt-in selectable.
    """
    if granted is False:
        return False, "consent withdrawn"
    if granted is None and (channel in PHONE_CHANNELS or settings.email_marketing_policy == "opt_in"):
        return False, "no recorded opt-in"
    return True, ""
