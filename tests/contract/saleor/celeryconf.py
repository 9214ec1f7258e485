"""Mirror of ``saleor/celeryconf.py``: the Celery app, configured from Django settings (CELERY_*).

Saleor autodiscovers ``<app>.tasks`` for every INSTALLED_APP (the plugin's
entry-point name is one) and for each plugin class's package.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

app = Celery("saleor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
