"""Journey tables: one journey per person, its events and its stage history."""

from django.db import models

from ..core.events import EventKind, EventSource
from ..core.stages import Stage


class Journey(models.Model):
    """One person's journey: a Saleor user, or a guest known only by email.

    ``key`` (``user:<id>`` or ``email:<address>``) makes creating a journey
    race-free; ``version`` guards concurrent updates. A guest journey merged
    into an account keeps its row with ``merged_into`` set and no state.
    """

    key = models.CharField(max_length=300)
    user_id = models.BigIntegerField(null=True, blank=True, unique=True)
    email = models.CharField(max_length=254, null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="merged", db_index=False
    )
    stage = models.CharField(max_length=16, choices=[(s.value, s.value) for s in Stage])
    stage_since = models.DateTimeField()
    last_order_at = models.DateTimeField(null=True, blank=True)
    # When the person first became known (the state's first_seen_at): their entry into the funnel's first stage.
    first_seen_at = models.DateTimeField(null=True, blank=True)
    state = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        # Plain btree indexes only: no LIKE (varchar_pattern_ops) twins, and merged_into is
        # indexed only where set, so "merged_into IS NULL" never leads the planner to a full index scan.
        constraints = [models.UniqueConstraint(fields=["key"], name="journey_key_uniq")]
        indexes = [
            models.Index(fields=["email"], name="journey_email_idx"),
            models.Index(fields=["merged_into"], name="journey_merged_idx", condition=models.Q(merged_into__isnull=False)),
            models.Index(fields=["stage", "stage_since"], name="journey_stage_idx"),
            models.Index(
                fields=["last_order_at"],
                name="journey_lapse_idx",
                condition=models.Q(merged_into__isnull=True, last_order_at__isnull=False),
            ),
            models.Index(fields=["first_seen_at"], name="journey_first_seen_idx",
                         condition=models.Q(merged_into__isnull=True)),
            # The API's keyset pages of customers (newest stage change, or newest customer, first).
            models.Index(fields=["stage_since", "id"], name="journey_page_since_idx",
                         condition=models.Q(merged_into__isnull=True)),
            models.Index(fields=["created_at", "id"], name="journey_page_created_idx",
                         condition=models.Q(merged_into__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.stage})"


class JourneyEvent(models.Model):
    """A recorded Saleor (or storefront) event; ``dedupe_key`` makes recording idempotent."""

    # Indexed through (journey, occurred_at) below.
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=32, choices=[(k.value, k.value) for k in EventKind])
    dedupe_key = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    channel = models.CharField(max_length=255, null=True, blank=True)
    source = models.CharField(
        max_length=16, choices=[(s.value, s.value) for s in EventSource], default=EventSource.LIVE.value
    )
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="journey_event_dedupe_uniq")]
        indexes = [models.Index(fields=["journey", "occurred_at"], name="journey_event_time_idx")]

    def __str__(self) -> str:
        return self.dedupe_key


class StageTransition(models.Model):
    """A stage change: who moved, from where, to where, why and when."""

    # Indexed through (journey, at) below; the event link is for reading history, never searched.
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="transitions", db_index=False)
    event = models.ForeignKey(
        JourneyEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="transitions", db_index=False
    )
    from_stage = models.CharField(max_length=16, choices=[(s.value, s.value) for s in Stage])
    to_stage = models.CharField(max_length=16, choices=[(s.value, s.value) for s in Stage])
    cause = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["journey", "at"], name="journey_transition_idx"),
            models.Index(fields=["to_stage", "at"], name="journey_transition_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} -> {self.to_stage} ({self.cause})"


class BackfillRun(models.Model):
    """Progress of the history backfill, so an interrupted run resumes where it stopped."""

    name = models.CharField(max_length=64, unique=True)
    position = models.CharField(max_length=300, default="")
    customers = models.PositiveBigIntegerField(default=0)
    skipped = models.PositiveBigIntegerField(default=0)
    orders = models.PositiveBigIntegerField(default=0)
    events = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"backfill {self.name} at {self.position!r}"


class SaleorWatermark(models.Model):
    """How far a sweep over Saleor's tables has read (one row per sweep, e.g. ``reconcile``)."""

    name = models.CharField(max_length=32, primary_key=True)
    seen_until = models.DateTimeField()
    updated_at = models.DateTimeField()
