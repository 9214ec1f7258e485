"""The plugin's tables.

Journeys (journey.py), message delivery (delivery.py), reviews, precomputed figures, the report's sign-in sessions.
"""

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
