"""Message delivery tables: the outbox, suppressions, consent and the delivery log."""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from .journey import Journey


class MessageChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"


class MessageState(models.TextChoices):
    """pending -> sending -> sent | failed | cancelled | suppressed | deferred | unknown.

    ``deferred`` is pending with a later due time (quiet hours, frequency cap);
    ``unknown`` is the one window nobody can close: the provider was called and
    the worker died before recording the answer. It is counted, never resent.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SUPPRESSED = "suppressed"
    DEFERRED = "deferred"
    UNKNOWN = "unknown"


DUE_STATES = (MessageState.PENDING, MessageState.DEFERRED)


class ScheduledMessage(models.Model):
    """One message to send when due; unique per (flow, subject, step) through ``dedupe_key``."""

    dedupe_key = models.CharField(max_length=200)
    flow = models.CharField(max_length=40)
    step = models.CharField(max_length=40)
    subject_key = models.CharField(max_length=150)
    journey = models.ForeignKey(Journey, null=True, blank=True, on_delete=models.CASCADE, db_index=False)
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    recipient = models.CharField(max_length=254)
    language = models.CharField(max_length=16, default="en")
    channel_slug = models.CharField(max_length=255, null=True, blank=True)
    marketing = models.BooleanField(default=True)
    context = models.JSONField(default=dict)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=MessageState.choices, default=MessageState.PENDING)
    reason = models.CharField(max_length=255, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    submitting_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="journey_message_dedupe_uniq")]
        indexes = [
            models.Index(fields=["due_at"], name="journey_message_due_idx", condition=models.Q(state__in=DUE_STATES)),
            models.Index(
                fields=["lease_until"], name="journey_message_lease_idx", condition=models.Q(state=MessageState.SENDING)
            ),
            models.Index(fields=["journey", "created_at"], name="journey_message_journey_idx"),
            models.Index(fields=["flow", "subject_key"], name="journey_message_subject_idx"),
            models.Index(fields=["created_at"], name="journey_message_created_idx"),  # the flood guard's last hour
            models.Index(
                fields=["provider_message_id"],
                name="journey_message_provider_idx",
                condition=models.Q(provider_message_id__isnull=False),
            ),
            models.Index(fields=["recipient", "channel", "sent_at"], name="journey_message_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dedupe_key} [{self.state}]"


class Suppression(models.Model):
    """An address or number that must not receive messages on a channel (opt-out, bounce, complaint).

    Kept after a person's data is erased, so an opt-out outlives the account;
    only a keyed hash of the address is stored.
    """

    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    address_hash = models.CharField(max_length=64)
    reason = models.CharField(max_length=64)
    source = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address_hash"], name="journey_suppression_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address_hash[:8]}… ({self.reason})"


class Consent(models.Model):
    """The latest consent answer for marketing on a channel; erased with the person."""

    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    address = models.CharField(max_length=254)
    granted = models.BooleanField()
    source = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    # A fingerprint of the consent metadata last read from Saleor for this address: metadata seen again
    # unchanged (on an address or name change) is not a new answer and never undoes a refusal.
    metadata_seen = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="journey_consent_uniq")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} {'yes' if self.granted else 'no'}"


class DeliveryEvent(models.Model):
    """What happened to a message (sent, delivered, bounced, ...) or an inbound callback, deduplicated by id."""

    message = models.ForeignKey(
        ScheduledMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="delivery_events"
    )
    kind = models.CharField(max_length=32)
    provider = models.CharField(max_length=32)
    provider_event_id = models.CharField(max_length=255, null=True, blank=True)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"],
                name="journey_delivery_event_uniq",
                condition=models.Q(provider_event_id__isnull=False),
            )
        ]
        indexes = [models.Index(fields=["kind", "at"], name="journey_delivery_kind_idx")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.kind}"


class PluginSecret(models.Model):
    """A key of the plugin's own, made once (e.g. for the suppression list's keyed hashes).

    As the key is the plugin's own, rotating Django's SECRET_KEY does not forget who opted out.
    """

    name = models.CharField(max_length=32, primary_key=True)
    value = models.CharField(max_length=128)


class FlowPause(models.Model):
    """A flow the flood guard stopped: nothing of it is sent until staff resume it (its messages wait)."""

    flow = models.CharField(max_length=32)
    paused_at = models.DateTimeField()
    reason = models.CharField(max_length=255)
    started_last_hour = models.PositiveIntegerField()
    usual_per_hour = models.DecimalField(max_digits=12, decimal_places=2)
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["flow", "paused_at"], name="journey_flow_pause_idx")]


class RecipientCap(models.Model):
    """When each recipient (keyed hash) got marketing on a channel lately: the frequency cap, kept atomic.

    The submit stamp adds its time here in the same statement, under this
    row's lock, only while fewer than the cap fall in the window; so workers
    sending to one person at the same moment cannot exceed it together.
    """

    channel = models.CharField(max_length=16)
    address_hash = models.CharField(max_length=64)
    sends = ArrayField(models.DateTimeField(), default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address_hash"], name="journey_recipient_cap_uniq")]
