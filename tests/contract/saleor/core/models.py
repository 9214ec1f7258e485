"""Mirror of ``saleor/core/models.py`` (line 80): ModelWithMetadata's two JSON columns."""

from django.db import models


class ModelWithMetadata(models.Model):
    private_metadata = models.JSONField(blank=True, null=True, default=dict)
    metadata = models.JSONField(blank=True, null=True, default=dict)

    class Meta:
        abstract = True

    def get_value_from_private_metadata(self, key: str, default: object = None) -> object:
        return (self.private_metadata or {}).get(key, default)
