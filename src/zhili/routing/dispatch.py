"""The dispatch catalogue lookup: (category, subdistrict) → lead unit, domain.md §4."""

from dataclasses import dataclass

from django.db.models import Q

from zhili.organisation.models import Unit
from zhili.taxonomy.models import Category

from .models import DispatchRule


@dataclass(frozen=True)
class Match:
    """The rule that matched and the unit it picks."""

    rule: DispatchRule
    lead_unit: Unit


def find_lead_unit(category: Category | None, subdistrict: Unit | None) -> Match | None:
    """The most specific active rule for the category (or its ancestors) and place.

    Deeper categories win over their parents; for the same category a rule for the
    subdistrict wins over a district-wide one. A territorial (属地) rule picks the subdistrict
    itself and is skipped when the place is unknown. Returns None when nothing applies (the
    order then waits for a dispatcher). Costs two queries.
    """
    if category is None:
        return None
    chain = category.ancestors_and_self()
    area = Q(area__isnull=True) | Q(area=subdistrict) if subdistrict else Q(area__isnull=True)
    rules = list(DispatchRule.objects.filter(area, category__in=chain, is_active=True))
    depth = {c.pk: i for i, c in enumerate(chain)}
    rules.sort(key=lambda r: (depth[r.category_id], r.area_id is None))
    lead_units = {u.pk: u for u in Unit.objects.filter(pk__in=[r.lead_unit_id for r in rules if r.lead_unit_id])}
    for rule in rules:
        if rule.territorial:
            if subdistrict is not None:
                return Match(rule, subdistrict)
            continue
        return Match(rule, lead_units[rule.lead_unit_id])
    return None
