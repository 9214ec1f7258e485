"""Mirror of ``saleor/core/utils/events.py`` (line 19): hooks run at commit inside a transaction, at once otherwise."""

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction


def call_event(func_obj: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    if connection.in_atomic_block:
        transaction.on_commit(lambda: func_obj(*args, **kwargs))
    else:
        func_obj(*args, **kwargs)
