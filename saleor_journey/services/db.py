"""Database helpers shared by the services."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def savepoint_if_in_transaction() -> Iterator[None]:
    """Open a savepoint only when a caller's transaction is open.

    Inside Saleor's transaction a failed statement would otherwise poison the
    whole checkout; in autocommit each statement is atomic on its own and a
    savepoint would only cost two more round-trips.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
    else:
        yield
