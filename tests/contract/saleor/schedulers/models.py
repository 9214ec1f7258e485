"""Mirror of ``saleor/schedulers/models.py``: ``CustomPeriodicTask``, the rows Saleor's beat schedules from.

A multi-table child of django-celery-beat's ``PeriodicTask`` (Saleor adds a
``custom`` schedule type, not modelled here), so each entry is a row in both
tables. ``expires`` / ``expire_seconds`` are the parent's columns.
"""

from django.db.models import signals
from django_celery_beat import models as base_models


class CustomPeriodicTask(base_models.PeriodicTask):
    no_changes = False

    class Meta:
        app_label = "schedulers"


signals.pre_delete.connect(base_models.PeriodicTasks.changed, sender=CustomPeriodicTask)
signals.pre_save.connect(base_models.PeriodicTasks.changed, sender=CustomPeriodicTask)
