"""Precomputed figures for the API's funnel and metrics, so they answer in milliseconds on large shops.

``JourneyFigure`` holds additive counts per UTC day and Saleor channel
(``""`` when the thing had none); ``JourneyStageCount`` a snapshot of
customers per stage. Both are rewritten by the ``refresh_journey_figures``
task (services/figures.py); queries fall back to computing live when they are
missing or stale.
"""

from django.db import models


class JourneyFigure(models.Model):
    day = models.DateField()
    channel = models.CharField(max_length=255, default="", blank=True)
    name = models.CharField(max_length=96)  # e.g. "entered:purchase", "sent:win_back", "revenue:abandoned_cart:EUR"
    value = models.DecimalField(max_digits=20, decimal_places=3)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "channel", "name"], name="journey_figure_uniq")]


class JourneyStageCount(models.Model):
    """Customers per stage when the snapshot was taken; channel ``"*"`` is every channel."""

    channel = models.CharField(max_length=255)
    stage = models.CharField(max_length=16)
    customers = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "stage"], name="journey_stage_count_uniq")]


class JourneyFiguresRun(models.Model):
    """When the figures were last refreshed and from which day they are complete (one row)."""

    refreshed_at = models.DateTimeField()
    first_day = models.DateField()
