"""Early warning (未诉先办, domain.md §6): categories and places whose requests are rising, found
in the data before the calls pile up, flagged for supervisors.

For the week (7 days) ending on ``as_of`` the number of requests received is compared, per
category (second level where known, else first), per subdistrict and per category × subdistrict,
with two baselines:

- week over week (环比): the mean of the 4 weeks before (only when the district has data in
  them: four empty weeks mean no data, not a baseline of 0);
- same season last year (同比): the mean of the same week 52 weeks earlier and the weeks on
  either side of it (only when the district has data for that time).

Each comparison is ``formulas.rise`` (a Poisson test with minimum count and ratio, settings
``ZHILI_WARNING_MIN_COUNT`` / ``_MIN_RATIO`` / ``_MAX_P``). Counts come from the
``DailyActivity`` rollup (``received``).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, Sum
from django.utils.translation import gettext, gettext_lazy

from zhili.organisation.models import Unit
from zhili.taxonomy.models import Category

from . import formulas, metrics, rollups
from .models import DailyActivity

BASELINE_WEEKS = 4
KINDS = {"category": gettext_lazy("分类"), "place": gettext_lazy("街道"), "category_place": gettext_lazy("分类 × 街道")}
ONE_DAY = dt.timedelta(days=1)
LAST_YEAR = dt.timedelta(days=364)  # 52 weeks: the same weekdays


@dataclass
class Warning:
    """One flagged rise. ``week_start``/``week_end`` are inclusive local dates."""

    kind: str
    category_id: int | None
    category: str
    subdistrict_id: int | None
    subdistrict: str
    week_start: dt.date
    week_end: dt.date
    observed: int
    week_over_week: formulas.Rise
    year_over_year: formulas.Rise | None

    @property
    def label(self) -> str:
        return " · ".join(part for part in (self.category, self.subdistrict) if part)

    @property
    def p_value(self) -> float:
        tests = [t for t in (self.week_over_week, self.year_over_year) if t is not None and t.flagged]
        return min(t.p_value for t in tests) if tests else 1.0

    @property
    def reasons(self) -> list[str]:
        reasons = []
        for name, test in ((gettext("环比"), self.week_over_week), (gettext("同比"), self.year_over_year)):
            if test is not None and test.flagged:
                times = (gettext("%(ratio)s 倍") % {"ratio": f"{test.ratio:.1f}"} if test.ratio is not None
                         else gettext("此前为 0"))
                reasons.append(gettext("%(name)s：本周 %(observed)s 件，基线每周 %(expected)s 件（%(times)s）") % {
                    "name": name, "observed": test.observed, "expected": f"{test.expected:.1f}", "times": times})
        return reasons


def _counts(week_start: dt.date, as_of: dt.date, base_start: dt.date, ly_start: dt.date,
            ly_end: dt.date) -> list[dict]:
    """Per (category1, category2, subdistrict): received this week ("current"), in the baseline
    weeks ("baseline") and in the weeks around the same week last year ("last_year"), summed by
    the database."""
    in_range = (Q(day__gte=base_start, day__lte=as_of) | Q(day__gte=ly_start, day__lte=ly_end))
    return list(DailyActivity.objects.filter(in_range, received__gt=0)
                .values("category1", "category2", "subdistrict")
                .annotate(current=Sum("received", filter=Q(day__gte=week_start, day__lte=as_of)),
                          baseline=Sum("received", filter=Q(day__gte=base_start, day__lt=week_start)),
                          last_year=Sum("received", filter=Q(day__gte=ly_start, day__lte=ly_end)))
                .order_by())


def early_warnings(as_of: dt.date | None = None, *, kinds=tuple(KINDS)) -> list[Warning]:
    """The rises of the week ending on ``as_of`` (default: the last day with requests), most
    significant first. Each ``Warning`` says which baselines it exceeds and by how much."""
    rollups.refresh()
    as_of = as_of or metrics.latest_day() or dt.date.today()
    week_start = as_of - 6 * ONE_DAY
    base_start = week_start - 7 * BASELINE_WEEKS * ONE_DAY
    ly_start, ly_end = week_start - LAST_YEAR - 7 * ONE_DAY, as_of - LAST_YEAR + 7 * ONE_DAY
    has_last_year = DailyActivity.objects.filter(day__gte=ly_start, day__lte=ly_end, received__gt=0).exists()
    # Weeks without a single request in the whole district are weeks without data (the system was
    # not yet taking calls, e.g. imported history that ends years ago), not a baseline of 0.
    has_baseline = DailyActivity.objects.filter(day__gte=base_start, day__lt=week_start, received__gt=0).exists()
    grouped: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in _counts(week_start, as_of, base_start, ly_start, ly_end):
        category, place = row["category2"] or row["category1"], row["subdistrict"]
        keys = {"category": (category, None), "place": (None, place), "category_place": (category, place)}
        for kind in kinds:
            if (kind != "place" and category is None) or (kind != "category" and place is None):
                continue
            sums = grouped[(kind, *keys[kind])]
            for i, name in enumerate(("current", "baseline", "last_year")):
                sums[i] += row[name] or 0

    thresholds = {"min_count": settings.ZHILI_WARNING_MIN_COUNT, "min_ratio": settings.ZHILI_WARNING_MIN_RATIO,
                  "max_p": settings.ZHILI_WARNING_MAX_P}
    found = []
    for (kind, category, place), (observed, baseline, last_year) in grouped.items():
        if observed < settings.ZHILI_WARNING_MIN_COUNT:
            continue
        wow = formulas.rise(observed, baseline / BASELINE_WEEKS, **thresholds)
        yoy = formulas.rise(observed, last_year / 3, **thresholds) if has_last_year else None
        if (has_baseline and wow.flagged) or (yoy is not None and yoy.flagged):
            found.append((kind, category, place, observed, wow, yoy))
    categories = {c.pk: c for c in Category.objects.filter(pk__in={f[1] for f in found if f[1]})
                  .select_related("parent")}
    places = dict(Unit.objects.filter(pk__in={f[2] for f in found if f[2]}).values_list("id", "name"))
    warnings = [Warning(kind, category, _category_name(categories.get(category)), place, places.get(place, ""),
                        week_start, as_of, observed, wow, yoy)
                for kind, category, place, observed, wow, yoy in found]
    return sorted(warnings, key=lambda w: (w.p_value, -w.observed, w.label))


def _category_name(category: Category | None) -> str:
    if category is None:
        return ""
    return f"{category.parent.name} / {category.name}" if category.parent_id else category.name
