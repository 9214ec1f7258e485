"""Browser sessions of the staff report: one row per sign-in, deleted by sign-out, so a copied cookie dies with it."""

from django.db import models


class ReportSession(models.Model):
    key_hash = models.CharField(max_length=64, primary_key=True)  # sha256 of the random id in the cookie
    user_id = models.IntegerField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
