"""DataLoaders: each list field of a page of journeys is one query for the whole page, not one per journey."""

from collections import defaultdict
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from promise import Promise
from promise.dataloader import DataLoader

from ..models import Consent, JourneyEvent, ProductReview, ScheduledMessage, StageTransition, Suppression

#: How many recent events and messages a journey shows.
RECENT = 20


def _grouped(rows: list[Any], keys: list[int], attr: str = "journey_id") -> Promise:
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, attr)].append(row)
    return Promise.resolve([groups.get(key, []) for key in keys])


def _recent(queryset: Any, order: str, keys: list[int]) -> list[Any]:
    """Fetch the ``RECENT`` newest rows per journey, in one query (a window over the page's journeys)."""
    ranked = queryset.filter(journey_id__in=keys).annotate(
        rank=Window(RowNumber(), partition_by=[F("journey_id")], order_by=[F(order).desc(), F("pk").desc()])
    )
    return list(ranked.filter(rank__lte=RECENT).order_by("journey_id", f"-{order}", "-pk"))


class HistoryLoader(DataLoader):
    def batch_load_fn(self, keys: list[int]) -> Promise:
        rows = StageTransition.objects.filter(journey_id__in=keys).order_by("at", "pk")
        return _grouped(list(rows), keys)


class EventsLoader(DataLoader):
    def batch_load_fn(self, keys: list[int]) -> Promise:
        return _grouped(_recent(JourneyEvent.objects.all(), "occurred_at", keys), keys)


class MessagesLoader(DataLoader):
    def batch_load_fn(self, keys: list[int]) -> Promise:
        return _grouped(_recent(ScheduledMessage.objects.all(), "due_at", keys), keys)


class ReviewsLoader(DataLoader):
    def batch_load_fn(self, keys: list[int]) -> Promise:
        rows = ProductReview.objects.filter(journey_id__in=keys).order_by("-created_at", "-pk")
        return _grouped(list(rows), keys)


class ConsentLoader(DataLoader):
    """Consent and suppression per address; keys are (channel, address) pairs."""

    def batch_load_fn(self, keys: list[tuple[str, str]]) -> Promise:
        from ..delivery.addresses import address_hash

        addresses = {address for _, address in keys}
        consent = {(c.channel, c.address): c for c in Consent.objects.filter(address__in=addresses)}
        hashes = {address_hash(channel, address): (channel, address) for channel, address in keys}
        suppressed = set(Suppression.objects.filter(address_hash__in=hashes).values_list("address_hash", flat=True))
        return Promise.resolve([
            (consent.get(key), address_hash(*key) in suppressed) for key in keys
        ])


LOADERS = {
    "history": HistoryLoader,
    "events": EventsLoader,
    "messages": MessagesLoader,
    "reviews": ReviewsLoader,
    "consent": ConsentLoader,
}


class Loaders:
    """One set of loaders per request, so caches never outlive it."""

    def __init__(self) -> None:
        self._made: dict[str, DataLoader] = {}

    def __getattr__(self, name: str) -> DataLoader:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._made:
            self._made[name] = LOADERS[name]()
        return self._made[name]
