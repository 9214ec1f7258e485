"""What every channel takes and returns."""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A rendered message ready for a provider."""

    message_id: int
    recipient: str
    subject: str = ""
    text: str = ""
    html: str = ""
    sender: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    status_callback: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Receipt:
    """The provider accepted the message."""

    provider: str
    provider_message_id: str | None


class Channel(Protocol):
    """A way out to people: email, SMS or WhatsApp."""

    name: str

    def send(self, outgoing: Outgoing) -> Receipt: ...
