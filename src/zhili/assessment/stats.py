"""Totals over service requests: one function, read by ``zhili stats --json``, the dashboard and
the monthly report, so they can never disagree."""

from collections import defaultdict

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from zhili.organisation.models import Unit
from zhili.requests.choices import Resolution, State
from zhili.requests.models import ServiceRequest
from zhili.taxonomy.models import Category
from zhili.workcalendar.service import LOCAL_TZ

from . import rollups
from .models import RequestCell
from .periods import Period

# Keys of the totals (Chinese whatever the language), translated where shown (gettext_noop marks them).
NO_CATEGORY, NO_UNIT, NO_SUBDISTRICT = gettext_noop("未分类"), gettext_noop("未派单"), gettext_noop("未识别街道")
# How each "none" bucket is shown (its key above stays the Chinese text): orders without a lead
# unit are not only those waiting for dispatch (直办, 不予受理 and 历史归档 never get one).
NONE_LABELS = {NO_CATEGORY: gettext_lazy("未分类"), NO_UNIT: gettext_lazy("无主办单位"),
               NO_SUBDISTRICT: gettext_lazy("未识别街道")}
UNDISPATCHED = (State.RECEIVED, State.PENDING_DISPATCH)
# The keys of "by_state" and what they are shown as: the states, and 历史归档 for closed orders
# archived by a history import (``rollups.counted_state``), which are not 已办结.
STATE_LABELS = {**dict(State.choices), rollups.ARCHIVED: Resolution.ARCHIVED.label}


def _ordered(counts: dict[str, int]) -> dict[str, int]:
    """By count, descending, then by name (Python's order, the same on every database)."""
    return dict(sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0])))


def _period(month) -> Period | None:
    if month is None or isinstance(month, Period):
        return month
    return Period.parse(month)


def totals(queryset=None, *, month=None) -> dict:
    """Counts over ``queryset`` (default: every request), optionally only the requests received
    in ``month`` ("YYYY-MM" or a Period).

    Shape: {"requests": int, "undispatched": int, "overdue": int,
    "by_state": {state: n} ("archived" for 历史归档, see STATE_LABELS), "by_category": {first-level name: n}, "by_lead_unit": {unit name: n},
    "by_subdistrict": {name: n}, "by_month": {"YYYY-MM": n}} — zero counts left out, dict order
    by count, descending, then name (by_month: by month). "undispatched" = received or waiting
    for a dispatcher; "overdue" = open orders past their deadline now; "by_category" counts each
    request under its first-level category ("未分类" for none), months are Asia/Shanghai months
    of ``received_at``.

    Without a queryset the counts come from the ``RequestCell`` rollup (brought up to date
    first), so the district-wide dashboard stays fast on millions of orders; with one, from the
    orders themselves. Both give the same numbers (tests/test_assessment_rollups.py).
    """
    period = _period(month)
    if queryset is None:
        return _from_rollup(period)
    qs = queryset
    if period is not None:
        low, high = period.bounds()
        qs = qs.filter(received_at__gte=low, received_at__lt=high)

    def grouped(field: str, empty: str) -> dict:
        result: dict[str, int] = defaultdict(int)
        for row in qs.values(field).annotate(n=Count("id")).order_by():
            result[row[field] or empty] += row["n"]
        return _ordered(result)

    by_category: dict[str, int] = defaultdict(int)
    rows = qs.values("category__name", "category__level", "category__parent__name",
                     "category__parent__parent__name").annotate(n=Count("id")).order_by()
    for row in rows:
        level = row["category__level"]
        name = {1: row["category__name"], 2: row["category__parent__name"],
                3: row["category__parent__parent__name"]}.get(level) or NO_CATEGORY
        by_category[name] += row["n"]
    by_month = {
        row["month"].astimezone(LOCAL_TZ).strftime("%Y-%m"): row["n"]
        for row in qs.annotate(month=TruncMonth("received_at")).values("month").annotate(n=Count("id")).order_by("month")
        if row["month"] is not None
    }
    by_state: dict[str, int] = defaultdict(int)
    for row in qs.values("state", "resolution").annotate(n=Count("id")).order_by():
        by_state[rollups.counted_state(row["state"], row["resolution"])] += row["n"]
    by_state = _ordered(by_state)
    return {
        "requests": sum(by_state.values()),
        "undispatched": sum(by_state.get(s, 0) for s in UNDISPATCHED),
        "overdue": qs.filter(state__in=State.open_states(), due_at__lt=timezone.now()).count(),
        "by_state": by_state,
        "by_category": _ordered(by_category),
        "by_lead_unit": grouped("lead_unit__name", NO_UNIT),
        "by_subdistrict": grouped("subdistrict__name", NO_SUBDISTRICT),
        "by_month": by_month,
    }


def _from_rollup(period: Period | None) -> dict:
    rollups.refresh()
    cells = RequestCell.objects.filter(requests__gt=0)
    overdue = ServiceRequest.objects.overdue(timezone.now())
    if period is not None:
        cells = cells.filter(month__gte=period.start, month__lt=period.end)
        low, high = period.bounds()
        overdue = overdue.filter(received_at__gte=low, received_at__lt=high)

    def grouped(field: str) -> dict:
        return {row[field]: row["n"] for row in cells.values(field).annotate(n=Sum("requests")).order_by()}

    def named(counts: dict, model, empty: str) -> dict[str, int]:
        names = dict(model.objects.filter(pk__in=[k for k in counts if k is not None]).values_list("id", "name"))
        result: dict[str, int] = defaultdict(int)
        for key, n in counts.items():
            result[names.get(key, empty) if key is not None else empty] += n
        return _ordered(result)

    by_state = _ordered(grouped("state"))
    return {
        "requests": sum(by_state.values()),
        "undispatched": sum(by_state.get(s, 0) for s in UNDISPATCHED),
        "overdue": overdue.count(),
        "by_state": by_state,
        "by_category": named(grouped("category1"), Category, NO_CATEGORY),
        "by_lead_unit": named(grouped("lead_unit"), Unit, NO_UNIT),
        "by_subdistrict": named(grouped("subdistrict"), Unit, NO_SUBDISTRICT),
        "by_month": {month.strftime("%Y-%m"): n for month, n in sorted(grouped("month").items()) if n},
    }
