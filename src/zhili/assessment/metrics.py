"""The assessment (考核) of units, subdistricts and categories over a period, read from the
``DailyActivity`` rollup (brought up to date first) and scored with ``formulas``.

Public functions: ``counts_by(period, by)``, ``assess(period, by)``, ``district(period)``,
``ranking(period, by)``, ``daily(period)``. ``by`` is one of ``GROUPINGS``.

A period longer than a month sums its months: each month's valid follow-ups (the latest per order
in that month), as the monthly assessments they are built from.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Sum

from zhili.organisation.models import Unit
from zhili.taxonomy.models import Category

from . import formulas, rollups
from .formulas import Counts, Rates, Weights
from .models import DailyActivity
from .periods import Period

# grouping → (DailyActivity column, model of its ids, title)
GROUPINGS = {
    "unit": ("unit", Unit, "承办单位"),
    "subdistrict": ("subdistrict", Unit, "街道"),
    "category": ("category1", Category, "一级分类"),
    "category2": ("category2", Category, "二级分类"),
}
NONE_LABELS = {"unit": "（无单位）", "subdistrict": "未识别街道", "category": "未分类", "category2": "（仅一级分类）"}


@dataclass
class Row:
    """One assessed unit / subdistrict / category: its counts, rates, rank (1 = best; None when
    not ranked) and list mark ("red", "black" or "")."""

    key: int | None
    name: str
    counts: Counts
    rates: Rates
    rank: int | None = None
    mark: str = ""

    @property
    def ranked(self) -> bool:
        return self.rank is not None


@dataclass
class Ranking:
    """A period's ranking: ``rows`` ranked best first, then the unranked (too few follow-ups)."""

    period: Period
    by: str
    rows: list[Row] = field(default_factory=list)

    @property
    def ranked(self) -> list[Row]:
        return [r for r in self.rows if r.ranked]

    @property
    def unranked(self) -> list[Row]:
        return [r for r in self.rows if not r.ranked]

    @property
    def red(self) -> list[Row]:
        return [r for r in self.rows if r.mark == "red"]

    @property
    def black(self) -> list[Row]:
        return [r for r in self.rows if r.mark == "black"]


def _sums(queryset):
    return queryset.annotate(**{n: Sum(n) for n in Counts.names()})


def _counts(row: dict) -> Counts:
    return Counts(**{n: row[n] or 0 for n in Counts.names()})


def counts_by(period: Period, by: str | None, *, refresh: bool = True) -> dict[int | None, Counts]:
    """{id (None: none) → Counts} over the period's days; ``by=None`` gives {None: all}."""
    if refresh:
        rollups.refresh()
    rows = DailyActivity.objects.filter(day__gte=period.start, day__lt=period.end).order_by()
    if by is None:
        total = rows.aggregate(**{n: Sum(n) for n in Counts.names()})
        return {None: _counts(total)}
    column = GROUPINGS[by][0]
    return {row[column]: _counts(row) for row in _sums(rows.values(column))}


def _names(by: str, keys) -> dict[int, str]:
    model = GROUPINGS[by][1]
    objects = model.objects.filter(pk__in=[k for k in keys if k is not None])
    if model is Unit:
        return {u.pk: u.display_name for u in objects.only("id", "name", "short_name")}
    return dict(objects.values_list("id", "name"))


def _order(row: Row):
    score = row.rates.composite
    return (score is None, -(score or 0), -row.counts.followed_up, row.name)


def assess(period: Period, by: str = "unit", *, weights: Weights | None = None) -> list[Row]:
    """Every unit (subdistrict, category …) with activity in the period, scored and ordered by
    composite score (best first; those without follow-ups last). For ``by="unit"`` the intake
    events, which belong to no unit, are left out."""
    weights = weights or Weights.from_settings()
    counts = counts_by(period, by)
    if by == "unit":
        counts.pop(None, None)
    names = _names(by, counts)
    rows = [Row(key, names.get(key, NONE_LABELS[by]) if key is not None else NONE_LABELS[by], c,
                formulas.rates(c, weights)) for key, c in counts.items()]
    return sorted(rows, key=_order)


def district(period: Period, *, weights: Weights | None = None) -> Row:
    """The whole district in one row."""
    counts = counts_by(period, None)[None]
    return Row(None, "全区", counts, formulas.rates(counts, weights or Weights.from_settings()))


def ranking(period: Period, by: str = "unit", *, weights: Weights | None = None) -> Ranking:
    """The period's ranking (月度排名): ranked rows (enough follow-ups, ``formulas.list_mark``)
    numbered 1… by composite score, equal scores sharing a rank; red and black lists marked."""
    rows = assess(period, by, weights=weights)
    rank, previous, position = 0, None, 0
    for row in rows:
        score = row.rates.composite
        if score is None or row.counts.followed_up < settings.ZHILI_RANKING_MIN_FOLLOWUPS:
            continue
        position += 1
        if score != previous:
            rank, previous = position, score
        row.rank = rank
        row.mark = formulas.list_mark(score, row.counts.followed_up)
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, _order(r)))
    return Ranking(period, by, rows)


def daily(period: Period, column: str = "received") -> list[tuple]:
    """[(day, n)] for every day of the period (0 on days without events)."""
    rollups.refresh()
    found = dict(DailyActivity.objects.filter(day__gte=period.start, day__lt=period.end)
                 .values("day").annotate(n=Sum(column)).order_by().values_list("day", "n"))
    days = []
    day = period.start
    while day < period.end:
        days.append((day, found.get(day, 0) or 0))
        day = day.fromordinal(day.toordinal() + 1)
    return days


def latest_day():
    """The last day with any activity (None on an empty database)."""
    rollups.refresh()
    return DailyActivity.objects.order_by("-day").values_list("day", flat=True).first()
