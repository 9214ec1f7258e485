"""Celery tasks; Saleor's worker finds them by autodiscovering ``saleor_journey.tasks``."""

from .lapse import settle_lapsed_journeys

__all__ = ["settle_lapsed_journeys"]
