"""The plugin's tables: journeys (journey.py), message delivery (delivery.py), reviews, precomputed figures."""

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
    "ReviewStatus",
    "SaleorWatermark",
    "ScheduledMessage",
    "StageTransition",
    "Suppression",
]
