"""Django email backends standing in for a Saleor deployment's EMAIL_BACKEND (the transport seam)."""

from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class BreaksAfterHandingOver(BaseEmailBackend):
    """Takes the message, then fails in a way no provider error describes (the answer is lost)."""

    sent: list[Any] = []

    def send_messages(self, email_messages: Any) -> int:
        type(self).sent.extend(email_messages)
        raise ValueError("connection reset while reading the answer")
