"""One call that proposes how to route a new request: category, place and lead unit.

Used by intake (every channel) and, later, by the operator's live suggestions.
"""

import threading
import time
from dataclasses import dataclass

from zhili.organisation.models import Unit
from zhili.taxonomy.models import Category

from . import classifier, place
from .dispatch import Match, find_lead_unit


@dataclass
class Suggestion:
    """What routing proposes. ``category`` is None without a model (no suggestion, no error);
    ``confidence`` is the classifier's probability (0–1); ``match`` is the dispatch rule, if any."""

    category: Category | None
    confidence: float | None
    model_version: str | None
    subdistrict: Unit | None
    community: Unit | None
    match: Match | None

    @property
    def lead_unit(self) -> Unit | None:
        return self.match.lead_unit if self.match else None


class _FirstLevel:
    """First-level categories by name (what the classifier predicts), refreshed every minute."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.by_name: dict[str, Category] = {}

    def get(self, name: str) -> Category | None:
        if time.monotonic() - self.loaded_at > 60:
            with self.lock:
                self.by_name = {c.name: c for c in Category.objects.filter(level=1)}
                self.loaded_at = time.monotonic()
        return self.by_name.get(name)


_first_level = _FirstLevel()


def first_level_category(name: str) -> Category | None:
    """The first-level category called ``name`` (e.g. "城乡建设"), or None."""
    return _first_level.get(name)


def resolve_place(address: str, text: str) -> tuple[Unit | None, Unit | None]:
    """(subdistrict, community) named in the address or text; either may be None."""
    found = place.resolve(address, text)
    ids = [i for i in (found.subdistrict_id, found.community_id) if i]
    units = Unit.objects.in_bulk(ids) if ids else {}
    return units.get(found.subdistrict_id), units.get(found.community_id)


def suggest_many(items: list[tuple[str, str, str]]) -> list[Suggestion]:
    """Suggestions for many (title, description, address) triples, classified in one batch."""
    predictions = classifier.predict([f"{title} {description}" for title, description, _ in items])
    result = []
    for (title, description, address), prediction in zip(items, predictions, strict=True):
        subdistrict, community = resolve_place(address, f"{title} {description}")
        category = first_level_category(prediction.label) if prediction else None
        result.append(Suggestion(
            category=category,
            confidence=prediction.confidence if prediction else None,
            model_version=prediction.model_version if prediction else None,
            subdistrict=subdistrict,
            community=community,
            match=find_lead_unit(category, subdistrict),
        ))
    return result


def suggest(title: str, description: str, address: str = "") -> Suggestion:
    """The suggestion for one request."""
    return suggest_many([(title, description, address)])[0]
