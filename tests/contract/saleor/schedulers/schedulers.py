"""Mirror of ``saleor/schedulers/schedulers.py``: the ``DatabaseScheduler`` Saleor documents for beat.

``celery --app saleor.celeryconf:app beat --scheduler saleor.schedulers.schedulers.DatabaseScheduler``.
It is django-celery-beat's DatabaseScheduler with ``CustomModelEntry`` over
``CustomPeriodicTask``: at start-up every entry of ``app.conf.beat_schedule`` is
upserted into the table through ``_unpack_fields`` / ``_unpack_options``, which
keep ``expire_seconds`` from an entry's options and drop ``expires``; a row's
messages then expire after ``expires_`` (``expires`` or ``expire_seconds``).
Rows whose entry left the code stay in the table. (Saleor's heap fix of
``tick`` is not modelled.)
"""

from django_celery_beat.schedulers import DatabaseScheduler as BaseDatabaseScheduler
from django_celery_beat.schedulers import ModelEntry

from .models import CustomPeriodicTask


class CustomModelEntry(ModelEntry):
    save_fields = ["last_run_at", "total_run_count", "no_changes"]

    @classmethod
    def from_entry(cls, name, app=None, **entry):  # noqa: ANN001, ANN206 - django-celery-beat's signature
        obj, _created = CustomPeriodicTask._default_manager.update_or_create(
            name=name, defaults=cls._unpack_fields(**entry)
        )
        return cls(obj, app=app)


class DatabaseScheduler(BaseDatabaseScheduler):
    Entry = CustomModelEntry
    Model = CustomPeriodicTask
