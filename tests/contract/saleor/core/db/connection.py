"""Mirror of ``saleor/core/db/connection.py`` (line 33): ``allow_writer()``, a context manager.

In Saleor it lets code inside a ``RestrictWriterDBTask`` use the writer
database without a warning (production) or an UnsafeWriterAccessError (Saleor's
tests). The double records that it was entered, so tests can see tasks use it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

entered = 0


@contextmanager
def allow_writer() -> Iterator[None]:
    global entered
    entered += 1
    yield
