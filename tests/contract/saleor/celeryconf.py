"""Mirror of ``saleor/celeryconf.py``: the Celery app, configured from Django settings (CELERY_*).

Every task's base is ``RestrictWriterDBTask`` (``task_cls``), so a task that
queries the writer database outside ``allow_writer()`` is caught. Saleor
autodiscovers ``<app>.tasks`` for every INSTALLED_APP (the plugin's entry-point
name is one) and for each plugin class's package.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

app = Celery("saleor", task_cls="saleor.core.tasks:RestrictWriterDBTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
