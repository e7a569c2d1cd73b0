"""What the dashboard shows: the numbers of ``assessment.stats.totals`` plus, for each bar, the
list filter that drills down to the orders it counts.

``totals()`` stays the single source of every number (so the page and ``zhili stats --json``
agree). This module only attaches ids: it looks the names totals() groups by back up among the
categories and units of the same queryset. A name that is not unique among them gets no
drill-down link rather than a wrong one.

For a user who sees every order (an unfiltered queryset) the numbers come from the rollups
(``totals()`` without a queryset), so the district-wide dashboard stays fast on millions of
orders; the assessment section below the charts is loaded from ``zhili.assessment.views``.
"""

import calendar
from collections import defaultdict
from urllib.parse import urlencode

from zhili.assessment.models import RequestCell
from zhili.assessment.stats import NO_CATEGORY, NO_SUBDISTRICT, NO_UNIT, NONE_LABELS, totals
from zhili.organisation.models import Unit
from zhili.requests.choices import State
from zhili.requests.filters import NULL
from zhili.taxonomy.models import Category

# How totals()' "none" bucket of each grouping is shown: stats.NONE_LABELS.


def _bars(counts: dict[str, int], param: str, by_name: dict[str, list], empty_label: str) -> list[dict]:
    """[{"name", "label", "value", "query", "none"}] in totals() order; "query" is "" when no
    filter fits; "none" marks the bucket of orders without a category/unit/subdistrict."""
    bars = []
    for name, value in counts.items():
        if name == empty_label:
            query, label = urlencode({param: NULL}), str(NONE_LABELS.get(name, name))
        else:
            matches = by_name.get(name, [])
            query = urlencode({param: matches[0].pk}) if len(matches) == 1 else ""
            label = getattr(matches[0], "display_name", name) if len(matches) == 1 else name
        bars.append({"name": name, "label": label, "value": value, "query": query, "none": name == empty_label})
    return bars


def _month_points(counts: dict[str, int]) -> list[dict]:
    """One point per month from the first month with orders to the last, months without orders
    included as 0 (a trend over 2020-01 and 2026-11 must not draw them as neighbours)."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, number = (int(part) for part in first.split("-"))
    points = []
    while True:
        month = f"{year:04d}-{number:02d}"
        last_day = calendar.monthrange(year, number)[1]
        query = urlencode({"received_from": f"{month}-01", "received_to": f"{month}-{last_day:02d}"})
        points.append({"name": month, "label": month, "value": counts.get(month, 0), "query": query, "none": False})
        if month >= last:
            return points
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)


def _index(objects) -> dict[str, list]:
    index = defaultdict(list)
    for obj in objects:
        index[obj.name].append(obj)
    return index


def dashboard_data(queryset) -> dict:
    """The dashboard of the orders in ``queryset`` (pass ``visible_to(user)``).

    Returns {"totals": totals(queryset), "cards": {"requests", "undispatched", "overdue",
    "replied": int}, "charts": {"category" | "lead_unit" | "subdistrict" | "month": [bar]}}
    where each bar is {"name": totals() key, "label": text to show, "value": the totals() count,
    "query": request-list query string that selects exactly those orders, or "", "none": True for
    the "未分类"/"未派单"/"未识别街道" bucket}.
    """
    everything = not queryset.query.where  # visible_to() of a district-wide role filters nothing
    numbers = totals(None if everything else queryset)
    categories = _index(Category.objects.filter(level=1))
    source = RequestCell.objects.filter(requests__gt=0) if everything else queryset
    units = _index(Unit.objects.filter(pk__in=source.values("lead_unit")))
    subdistricts = _index(Unit.objects.filter(pk__in=source.values("subdistrict")))
    return {
        "totals": numbers,
        "cards": {
            "requests": numbers["requests"],
            "undispatched": numbers["undispatched"],
            "overdue": numbers["overdue"],
            "replied": numbers["by_state"].get(State.REPLIED.value, 0),
        },
        "charts": {
            "category": _bars(numbers["by_category"], "category", categories, NO_CATEGORY),
            "lead_unit": _bars(numbers["by_lead_unit"], "lead_unit", units, NO_UNIT),
            "subdistrict": _bars(numbers["by_subdistrict"], "subdistrict", subdistricts, NO_SUBDISTRICT),
            "month": _month_points(numbers["by_month"]),
        },
    }
