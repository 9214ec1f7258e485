"""Mirror of ``saleor/core/db/connection.py`` (3.23.28): the writer-database guard.

``allow_writer()`` (line 33) sets ``_allow_writer`` on the default connection
for the outermost block. ``restrict_writer`` (Saleor's test settings) raises
``UnsafeWriterAccessError`` and ``log_writer_usage`` (production) logs
"Unsafe access to the writer DB detected" with a stack trace, for any query on
the default connection made outside such a block; both are installed with
``connection.execute_wrapper`` by ``RestrictWriterDBTask`` (core/tasks.py) and
by the optional middlewares. The double also counts ``allow_writer`` entries
(``entered``) so tests can see a task used it.
"""

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

logger = logging.getLogger(__name__)

writer = "default"
UNSAFE_WRITER_ACCESS_MSG = (
    "Unsafe access to the writer DB detected. Call `using()` on the `QuerySet` "
    "to utilize a replica DB, or employ the `allow_writer` context manager to "
    "explicitly permit access to the writer."
)

entered = 0


class UnsafeWriterAccessError(Exception):
    pass


@contextmanager
def allow_writer() -> Iterator[None]:
    global entered
    entered += 1
    default_connection = connections[writer]
    in_block = getattr(default_connection, "_allow_writer", False)
    if not in_block:
        default_connection._allow_writer = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if not in_block:
            default_connection._allow_writer = False  # type: ignore[attr-defined]


def restrict_writer(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    conn = context["connection"]
    if conn.alias == writer and not getattr(conn, "_allow_writer", False):
        raise UnsafeWriterAccessError(f"{UNSAFE_WRITER_ACCESS_MSG} SQL: {sql}")
    return execute(sql, params, many, context)


def log_writer_usage(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    conn = context["connection"]
    if conn.alias == writer and not getattr(conn, "_allow_writer", False):
        stack = "".join(traceback.format_list(traceback.extract_stack(limit=20)))
        logger.warning(f"{UNSAFE_WRITER_ACCESS_MSG} SQL: {sql} \nTraceback: \n{stack}")  # noqa: G004 - as Saleor logs it
    return execute(sql, params, many, context)
