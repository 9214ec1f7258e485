"""Every task runs as Saleor runs it: a RestrictWriterDBTask, where a writer query outside allow_writer() fails.

Saleor logs "Unsafe access to the writer DB detected" with a stack trace for
each such query in production (and its test settings raise, as this suite's
do), so none of the plugin's task code may touch the database before it has
declared its writes.
"""

from typing import Any

import pytest

from saleor_journey.plugins import runtime
from tests.conftest import activate_plugin


def _tasks() -> list[tuple[Any, tuple[Any, ...]]]:
    from saleor_journey.tasks import (
        dispatch_due_messages,
        reconcile_saleor_changes,
        refresh_journey_figures,
        send_messages,
        settle_lapsed_journeys,
    )

    return [
        (dispatch_due_messages, ()),
        (reconcile_saleor_changes, ()),
        (reconcile_saleor_changes, ()),  # the first run sets the mark, the second reads Saleor's tables
        (send_messages, ([1, 2], "00000000-0000-0000-0000-000000000000")),
        (settle_lapsed_journeys, ()),
        (refresh_journey_figures, ()),
    ]


@pytest.mark.parametrize("active", [True, False])
def test_no_task_touches_the_writer_database_outside_allow_writer(db: Any, active: bool) -> None:
    from saleor.core.tasks import RestrictWriterDBTask

    if active:
        activate_plugin()
    for task, args in _tasks():
        assert isinstance(task, RestrictWriterDBTask)  # Saleor's task_cls reaches plugin tasks too
        runtime.forget()  # each task reads the plugin configuration itself, as in a fresh worker
        result = task.apply(args)
        assert result.successful(), f"{task.name}: {result.result!r}"


def test_a_query_outside_allow_writer_is_caught_by_the_double(db: Any) -> None:
    """The guard itself: a task that reads without allow_writer() fails as in Saleor's tests."""
    from saleor.celeryconf import app
    from saleor.core.db.connection import UnsafeWriterAccessError

    from saleor_journey.models import Journey

    @app.task(name="tests.unsafe_read")
    def unsafe_read() -> int:
        return Journey.objects.count()

    result = unsafe_read.apply()
    assert isinstance(result.result, UnsafeWriterAccessError)


def test_hooks_declare_their_writes_when_saleor_calls_them_from_its_tasks(
    manager: Any, make_order: Any, make_user: Any, caplog: Any
) -> None:
    """order_expired runs from Saleor's expire_orders_task, which has no allow_writer() of its own."""
    from django.db import connections
    from saleor.core.db.connection import restrict_writer

    from saleor_journey.models import Journey
    from saleor_journey.routes import PLUGIN_ID

    plugin = manager.get_plugin(PLUGIN_ID)  # Saleor's manager loaded its plugins before calling hooks
    user = make_user("anna@example.com")
    order = make_order(user=user)
    with connections["default"].execute_wrapper(restrict_writer):
        plugin.customer_created(user, previous_value=None)
        plugin.order_created(order, previous_value=None)
    assert Journey.objects.get(user_id=user.pk).stage == "purchase"
    assert "failed" not in caplog.text
