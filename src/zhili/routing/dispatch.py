"""The dispatch catalogue lookup: (category, subdistrict) → lead unit, domain.md §4."""

import threading
import time
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from zhili.organisation.models import Unit
from zhili.taxonomy.models import Category

from .models import DispatchRule


@dataclass(frozen=True)
class Match:
    """The rule that matched and the unit it picks."""

    rule: DispatchRule
    lead_unit: Unit


class _Catalogue:
    """The active rules and their units, kept per process (the catalogue is small and read on
    every intake); reloaded after an edit here and at most a minute after one elsewhere."""

    TTL = 60.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.rules: dict[int, list[DispatchRule]] = {}

    def invalidate(self, **kwargs) -> None:
        self.loaded_at = 0.0

    def for_categories(self, category_ids: list[int]) -> list[DispatchRule]:
        if time.monotonic() - self.loaded_at > self.TTL:
            with self.lock:
                rules: dict[int, list[DispatchRule]] = {}
                for rule in DispatchRule.objects.filter(is_active=True).select_related("lead_unit", "category"):
                    rules.setdefault(rule.category_id, []).append(rule)
                self.rules, self.loaded_at = rules, time.monotonic()
        return [rule for category_id in category_ids for rule in self.rules.get(category_id, [])]


_catalogue = _Catalogue()
for _model in (DispatchRule, Unit, Category):  # a rule shows its category's name (the dispatch note)
    post_save.connect(_catalogue.invalidate, sender=_model, weak=False)
    post_delete.connect(_catalogue.invalidate, sender=_model, weak=False)


def find_lead_unit(category: Category | None, subdistrict: Unit | None) -> Match | None:
    """The most specific active rule for the category (or its ancestors) and place.

    Deeper categories win over their parents; for the same category a rule for the
    subdistrict wins over a district-wide one. A territorial (属地) rule picks the subdistrict
    itself and is skipped when the place is unknown. Returns None when nothing applies (the
    order then waits for a dispatcher). Reads the per-process catalogue: no query.
    """
    if category is None:
        return None
    chain = category.ancestors_and_self()
    depth = {c.pk: i for i, c in enumerate(chain)}
    area_id = subdistrict.pk if subdistrict else None
    rules = [r for r in _catalogue.for_categories(list(depth)) if r.area_id is None or r.area_id == area_id]
    rules.sort(key=lambda r: (depth[r.category_id], r.area_id is None))
    for rule in rules:
        if rule.territorial:
            if subdistrict is not None:
                return Match(rule, subdistrict)
            continue
        return Match(rule, rule.lead_unit)
    return None
