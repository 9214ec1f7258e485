"""The demo's clock (settings.JOURNEY_CLOCK): the replayed hour while the shop's weeks are replayed, then real time.

It lives in a file so that a Celery worker started by the demo reads the
same time as the demo itself.
"""

import os
from datetime import datetime
from pathlib import Path

from django.utils import timezone


def _file() -> Path | None:
    path = os.environ.get("DEMO_CLOCK_FILE")
    return Path(path) if path else None


def now() -> datetime:
    path = _file()
    if path is not None:
        try:
            return datetime.fromisoformat(path.read_text().strip())
        except (OSError, ValueError):
            pass
    return timezone.now()


def set_now(at: datetime | None) -> None:
    """Hold the clock at ``at``; None lets it run with real time again."""
    path = _file()
    if path is None:
        raise RuntimeError("DEMO_CLOCK_FILE is not set")
    if at is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(at.isoformat())
