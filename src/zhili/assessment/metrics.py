"""The assessment (考核) of units, subdistricts and categories over a period, read from the
``DailyActivity`` rollup (brought up to date first) and scored with ``formulas``.

Public functions: ``counts_by(period, by)``, ``assess(period, by)``, ``district(period)``,
``ranking(period, by)``, ``daily(period)``. ``by`` is one of ``GROUPINGS``.

Valid follow-ups are the latest per order *in the period*. The rollup keeps the latest per order
and month, so a calendar month (the ranking period) reads it directly; any other period (a week,
a quarter, a year, a range of days) counts its follow-ups from the event log instead
(``follow_up_counts``) and everything else from the rollup.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Sum
from django.utils.translation import gettext, gettext_lazy

from zhili.organisation.models import Unit
from zhili.requests.choices import Action
from zhili.requests.models import RequestEvent
from zhili.taxonomy.models import Category

from . import formulas, rollups
from .formulas import Counts, Rates, Weights
from .models import DailyActivity
from .periods import Period

# grouping → (DailyActivity column, model of its ids, title)
GROUPINGS = {
    "unit": ("unit", Unit, gettext_lazy("承办单位")),
    "subdistrict": ("subdistrict", Unit, gettext_lazy("街道")),
    "category": ("category1", Category, gettext_lazy("一级分类")),
    "category2": ("category2", Category, gettext_lazy("二级分类")),
}
NONE_LABELS = {"unit": gettext_lazy("（无单位）"), "subdistrict": gettext_lazy("未识别街道"),
               "category": gettext_lazy("未分类"), "category2": gettext_lazy("（仅一级分类）")}


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
    return counts_by_many(period, [by], refresh=refresh)[by]


def counts_by_many(period: Period, bys: list[str | None], *, refresh: bool = True) -> dict:
    """``counts_by`` for several groupings from one read of the rollup: {by: {id: Counts}}."""
    if refresh:
        rollups.refresh()
    columns = sorted({GROUPINGS[by][0] for by in bys if by is not None})
    rows = (DailyActivity.objects.filter(day__gte=period.start, day__lt=period.end)
            .values(*columns).annotate(**{n: Sum(n) for n in Counts.names()}).order_by()) if columns else \
        [DailyActivity.objects.filter(day__gte=period.start, day__lt=period.end)
         .aggregate(**{n: Sum(n) for n in Counts.names()})]
    result: dict = {by: {} for by in bys}
    names = Counts.names()
    for row in rows:
        counts = _counts(row)
        for by in bys:
            key = None if by is None else row[GROUPINGS[by][0]]
            into = result[by].get(key)
            if into is None:
                result[by][key] = Counts(**{n: getattr(counts, n) for n in names})
            else:
                for n in names:
                    setattr(into, n, getattr(into, n) + getattr(counts, n))
    for by in bys:
        if by is None and None not in result[by]:
            result[by][None] = Counts()
        if not _is_calendar_month(period):
            _replace_follow_ups(result[by], period, by)
    return result


def _replace_follow_ups(result: dict, period: Period, by: str | None) -> None:
    for counts in result.values():
        for name in rollups.FOLLOW_UP_CONDITIONS:
            setattr(counts, name, 0)
    for key, found in follow_up_counts(period, by).items():
        counts = result.setdefault(key, Counts())
        for name, n in found.items():
            setattr(counts, name, n)


def _is_calendar_month(period: Period) -> bool:
    return period.start.day == 1 and period.end == Period.of_month(period.start).end


# grouping → the event's field holding its key (categories are mapped to their level afterwards)
_FOLLOW_UP_KEYS = {"unit": "from_unit_id", "subdistrict": "request__subdistrict_id",
                   "category": "request__category_id", "category2": "request__category_id", None: None}


def follow_up_counts(period: Period, by: str | None) -> dict[int | None, dict[str, int]]:
    """The valid follow-ups of any period, from the event log: the follow-up events in it, the
    latest per order (``formulas`` module docstring), counted per key → {column: n}."""
    low, high = period.bounds()
    later = RequestEvent.objects.filter(request_id=OuterRef("request_id"), action=Action.FOLLOW_UP,
                                        seq__gt=OuterRef("seq"), at__lt=high)
    valid = RequestEvent.objects.filter(action=Action.FOLLOW_UP, at__gte=low, at__lt=high).filter(~Exists(later))
    field = _FOLLOW_UP_KEYS[by]
    aggregates = {name: Count("id", filter=condition) for name, condition in rollups.FOLLOW_UP_CONDITIONS.items()}
    if field is None:
        return {None: valid.aggregate(**aggregates)}
    levels = rollups.category_levels() if by in ("category", "category2") else None
    result: dict = {}
    for row in valid.values(field).annotate(**aggregates).order_by():
        key = row.pop(field)
        if levels is not None and key is not None:
            key = levels.get(key, (None, None))[0 if by == "category" else 1]
        into = result.setdefault(key, dict.fromkeys(rollups.FOLLOW_UP_CONDITIONS, 0))
        for name, n in row.items():
            into[name] += n
    return result


def _names(by: str, keys) -> dict[int, str]:
    model = GROUPINGS[by][1]
    objects = model.objects.filter(pk__in=[k for k in keys if k is not None])
    if model is Unit:
        return {u.pk: u.display_name for u in objects.only("id", "name", "short_name")}
    return dict(objects.values_list("id", "name"))


def _order(row: Row):
    score = row.rates.composite
    return (score is None, -(score or 0), -row.counts.followed_up, row.name)


def assess(period: Period, by: str = "unit", *, weights: Weights | None = None,
           counts: dict | None = None) -> list[Row]:
    """Every unit (subdistrict, category …) with activity in the period, scored and ordered by
    composite score (best first; those without follow-ups last). For ``by="unit"`` the intake
    events, which belong to no unit, are left out."""
    weights = weights or Weights.from_settings()
    counts = dict(counts_by(period, by) if counts is None else counts)
    if by == "unit":
        counts.pop(None, None)
    names = _names(by, counts)
    rows = [Row(key, names.get(key, str(NONE_LABELS[by])) if key is not None else str(NONE_LABELS[by]), c,
                formulas.rates(c, weights)) for key, c in counts.items()]
    return sorted(rows, key=_order)


def district(period: Period, *, weights: Weights | None = None, counts: dict | None = None) -> Row:
    """The whole district in one row."""
    counts = (counts_by(period, None) if counts is None else counts)[None]
    return Row(None, gettext("全区"), counts, formulas.rates(counts, weights or Weights.from_settings()))


def ranking(period: Period, by: str = "unit", *, weights: Weights | None = None,
            counts: dict | None = None) -> Ranking:
    """The period's ranking (月度排名): ranked rows (enough follow-ups, ``formulas.list_mark``)
    numbered 1… by composite score, equal scores sharing a rank; red and black lists marked."""
    rows = assess(period, by, weights=weights, counts=counts)
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
