"""Flows register the re-check that runs right before each of their messages is sent."""

from collections.abc import Callable

from ..models import ScheduledMessage

#: A re-check returns None when the message is still wanted, else the reason to skip it.
Recheck = Callable[[ScheduledMessage], str | None]

_rechecks: dict[str, Recheck] = {}


def register_recheck(flow: str, recheck: Recheck) -> None:
    _rechecks[flow] = recheck


def recheck(message: ScheduledMessage) -> str | None:
    check = _rechecks.get(message.flow)
    return check(message) if check is not None else None
