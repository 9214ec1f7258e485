"""What customers answer to the shop's messages: why a cart was left, how likely they are to recommend it."""

from django.db import models

from ..core.answers import CART_REASON_TEXT_MAX, CART_REASONS, NPS_COMMENT_MAX
from .delivery import ScheduledMessage
from .journey import Journey


class CartReason(models.Model):
    """The reason a customer gave for leaving one cart (one reminder sequence); a later answer replaces it.

    ``message`` is the reminder whose link was followed: it names the cart, the
    recipient, the Saleor channel and the language. ``stopped`` says the answer
    also ended the cart's reminders.
    """

    message = models.ForeignKey(ScheduledMessage, on_delete=models.CASCADE, related_name="+")
    journey = models.ForeignKey(Journey, null=True, blank=True, on_delete=models.CASCADE, related_name="cart_reasons",
                                db_index=False)
    subject_key = models.CharField(max_length=150)
    channel_slug = models.CharField(max_length=255, null=True, blank=True)
    reason = models.CharField(max_length=20, choices=[(r, r) for r in CART_REASONS])
    text = models.CharField(max_length=CART_REASON_TEXT_MAX, blank=True, default="")
    language = models.CharField(max_length=16, default="en")
    stopped = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject_key"], name="journey_cart_reason_once_per_cart")]
        indexes = [models.Index(fields=["created_at"], name="journey_cart_reason_time_idx"),
                   models.Index(fields=["journey"], name="journey_cart_reason_person_idx")]

    def __str__(self) -> str:
        return f"{self.subject_key}: {self.reason}"


class NpsAnswer(models.Model):
    """One customer's answer to one NPS survey (0-10 and an optional comment); changeable for 7 days.

    ``message`` is the survey, which names the order (``subject_key`` ``order:<id>``),
    the recipient, the Saleor channel and the language.
    """

    message = models.ForeignKey(ScheduledMessage, on_delete=models.CASCADE, related_name="+")
    journey = models.ForeignKey(Journey, null=True, blank=True, on_delete=models.CASCADE, related_name="nps_answers",
                                db_index=False)
    order_id = models.CharField(max_length=36)
    channel_slug = models.CharField(max_length=255, null=True, blank=True)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=NPS_COMMENT_MAX, blank=True, default="")
    language = models.CharField(max_length=16, default="en")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message"], name="journey_nps_once_per_survey"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=10), name="journey_nps_score_0_10"),
        ]
        indexes = [models.Index(fields=["created_at"], name="journey_nps_time_idx"),
                   models.Index(fields=["journey"], name="journey_nps_person_idx")]

    def __str__(self) -> str:
        return f"NPS {self.score} for order {self.order_id}"
