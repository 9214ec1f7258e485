"""The plugin's tables: journeys (journey.py) and message delivery (delivery.py)."""

from .delivery import Consent, DeliveryEvent, MessageChannel, MessageState, ScheduledMessage, Suppression
from .journey import BackfillRun, Journey, JourneyEvent, StageTransition
from .reviews import ProductReview, ReviewStatus

__all__ = [
    "BackfillRun",
    "Consent",
    "DeliveryEvent",
    "Journey",
    "JourneyEvent",
    "MessageChannel",
    "MessageState",
    "ProductReview",
    "ReviewStatus",
    "ScheduledMessage",
    "StageTransition",
    "Suppression",
]
