"""The plugin's clock: Django's ``timezone.now`` unless a deployment (or a test) names another.

``settings.JOURNEY_CLOCK`` may be a dotted path to a callable returning an
aware datetime; the recorder, the dispatcher and the tasks read time only
through ``now()``, so schedules can be tested across worker processes.
"""

from collections.abc import Callable
from datetime import datetime
from functools import cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@cache
def _source() -> Callable[[], datetime]:
    path = getattr(settings, "JOURNEY_CLOCK", None)
    return import_string(path) if path else timezone.now


def now() -> datetime:
    return _source()()
