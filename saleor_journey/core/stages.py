"""The journey stages a customer can be in."""

from enum import StrEnum


class Stage(StrEnum):
    """Lifecycle stage; the string value is what is stored and mirrored to Saleor."""

    AWARENESS = "awareness"
    CONSIDERATION = "consideration"
    PURCHASE = "purchase"
    RETENTION = "retention"
    ADVOCACY = "advocacy"
    LAPSED = "lapsed"


#: Stages that require at least one order that was not cancelled or refunded.
BUYER_STAGES = frozenset({Stage.PURCHASE, Stage.RETENTION, Stage.ADVOCACY, Stage.LAPSED})
