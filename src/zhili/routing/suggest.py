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
    units = place.units(ids) if ids else {}  # the place index's own rows: no query
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


def intake_suggestions(title: str, description: str, address: str = "", *, exclude_id: int | None = None) -> dict:
    """Everything the intake page suggests in one call: category on three levels with
    confidences, lead unit (and the catalogue rule), place, and possible duplicates.

    Shape: {"category": {"level1": [{code, name, confidence}], "level2": [...], "level3": [...]},
    "model_version": str|None, "lead_unit": {id, code, name, rule}|None,
    "place": {"subdistrict": {id, name}|None, "community": {id, name}|None},
    "duplicates": [{id, number, title, score}]}. Without a model the category lists are empty.
    """
    from .duplicates import find_duplicates
    from .subcategories import rank

    suggestion = suggest(title, description, address)
    text = f"{title} {description}"
    level1, level2, level3 = [], [], []
    if suggestion.category is not None:
        level1 = [{"code": suggestion.category.code, "name": suggestion.category.name,
                   "confidence": round(suggestion.confidence or 0, 3)}]
        second, third = rank(text, suggestion.category)
        level2 = [{"code": r.category.code, "name": r.category.name, "confidence": r.confidence} for r in second]
        level3 = [{"code": r.category.code, "name": r.category.name, "parent": r.category.parent.name,
                   "confidence": r.confidence} for r in third]
    match = suggestion.match
    return {
        "category": {"level1": level1, "level2": level2, "level3": level3},
        "model_version": suggestion.model_version,
        "lead_unit": ({"id": match.lead_unit.pk, "code": match.lead_unit.code, "name": match.lead_unit.name,
                       "rule": str(match.rule)} if match else None),
        "place": {
            "subdistrict": ({"id": suggestion.subdistrict.pk, "name": suggestion.subdistrict.name}
                            if suggestion.subdistrict else None),
            "community": ({"id": suggestion.community.pk, "name": suggestion.community.name}
                          if suggestion.community else None),
        },
        "duplicates": [
            {"id": c.request_id, "number": c.number, "title": c.title, "score": c.score}
            for c in find_duplicates(title, description, exclude_id=exclude_id,
                                     subdistrict_id=getattr(suggestion.subdistrict, "pk", None))
        ],
    }
