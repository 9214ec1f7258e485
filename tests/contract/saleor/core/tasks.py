"""Mirror of ``saleor/core/tasks.py`` (line 19): ``RestrictWriterDBTask``, the base of every Saleor task.

``celeryconf.py`` makes it the app's ``task_cls``, so ``shared_task`` tasks of a
plugin get it too. Each call runs inside
``connections["default"].execute_wrapper(<CELERY_RESTRICT_WRITER_METHOD>)``:
``log_writer_usage`` in production, ``restrict_writer`` in Saleor's tests (and
in this suite), so a query outside ``allow_writer()`` is logged or raises.
"""

from typing import Any

from celery import Task
from django.conf import settings
from django.db import connections
from django.utils.module_loading import import_string


class RestrictWriterDBTask(Task):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        func_path = settings.CELERY_RESTRICT_WRITER_METHOD
        if not func_path:
            return None
        with connections["default"].execute_wrapper(import_string(func_path)):
            return super().__call__(*args, **kwargs)
