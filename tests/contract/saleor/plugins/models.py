"""Mirror of ``saleor/plugins/models.py``: PluginConfiguration (one row per plugin and channel)."""

from django.db import models


class PluginConfiguration(models.Model):
    identifier = models.CharField(max_length=128)
    name = models.CharField(max_length=128)
    channel = models.ForeignKey("channel.Channel", blank=True, null=True, on_delete=models.CASCADE)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=False)
    configuration = models.JSONField(blank=True, null=True, default=dict)

    class Meta:
        unique_together = ("identifier", "channel")
