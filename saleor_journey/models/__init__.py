"""The plugin's tables.

Journeys (journey.py), message delivery (delivery.py), reviews, customers' answers (answers.py),
precomputed figures, the report's sign-in sessions.
"""

from .answers import CartReason, NpsAnswer
from .delivery import (
    Consent,
    DeliveryEvent,
    FlowPause,
    MessageChannel,
    MessageState,
    PluginSecret,
    RecipientCap,
    ScheduledMessage,
    Suppression,
)
from .figures import JourneyFigure, JourneyFiguresRun, JourneyStageCount
from .journey import BackfillRun, Journey, JourneyEvent, SaleorWatermark, StageTransition
from .reviews import ProductReview, ReviewStatus
from .sessions import ReportSession

__all__ = [
    "BackfillRun",
    "CartReason",
    "Consent",
    "DeliveryEvent",
    "FlowPause",
    "Journey",
    "JourneyEvent",
    "JourneyFigure",
    "JourneyFiguresRun",
    "JourneyStageCount",
    "MessageChannel",
    "MessageState",
    "NpsAnswer",
    "PluginSecret",
    "ProductReview",
    "RecipientCap",
    "ReportSession",
    "ReviewStatus",
    "SaleorWatermark",
    "ScheduledMessage",
    "StageTransition",
    "Suppression",
]
