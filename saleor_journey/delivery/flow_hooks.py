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


#: A context provider adds what a message shows (products, links) right before rendering.
ContextProvider = Callable[[ScheduledMessage], dict[str, object]]

_contexts: dict[str, ContextProvider] = {}


def register_context(flow: str, provider: ContextProvider) -> None:
    _contexts[flow] = provider


def extra_context(message: ScheduledMessage) -> dict[str, object]:
    provider = _contexts.get(message.flow)
    return provider(message) if provider is not None else {}


def rechecked_flows() -> set[str]:
    """Return the flows whose messages get a send-time re-check in this process."""
    return set(_rechecks)
