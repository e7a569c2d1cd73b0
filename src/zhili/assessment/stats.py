"""Totals over service requests: one function, read by ``zhili stats --json`` and the dashboard,
so the two can never disagree."""

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from zhili.requests.choices import State
from zhili.requests.models import ServiceRequest


def totals(queryset=None) -> dict:
    """Counts over ``queryset`` (default: every request).

    Shape: {"requests": int, "undispatched": int, "overdue": int,
    "by_state": {state: n}, "by_category": {first-level name: n}, "by_lead_unit": {unit name: n},
    "by_subdistrict": {name: n}, "by_month": {"YYYY-MM": n}} — zero counts left out, dict order
    by count, descending (by_month: by month). "undispatched" = received or waiting for a
    dispatcher; "by_category" counts each request under its first-level category ("未分类"
    for none), months are Asia/Shanghai months of ``received_at``.
    """
    qs = ServiceRequest.objects.all() if queryset is None else queryset

    def grouped(field: str, empty: str) -> dict:
        rows = qs.values(field).annotate(n=Count("id")).order_by("-n", field)
        return {(row[field] or empty): row["n"] for row in rows}

    by_category: dict[str, int] = {}
    rows = qs.values("category__name", "category__level", "category__parent__name",
                     "category__parent__parent__name").annotate(n=Count("id"))
    for row in rows:
        level = row["category__level"]
        name = {1: row["category__name"], 2: row["category__parent__name"],
                3: row["category__parent__parent__name"]}.get(level) or "未分类"
        by_category[name] = by_category.get(name, 0) + row["n"]
    by_month = {
        row["month"].strftime("%Y-%m"): row["n"]
        for row in qs.annotate(month=TruncMonth("received_at")).values("month").annotate(n=Count("id")).order_by("month")
        if row["month"] is not None
    }
    summary = qs.aggregate(
        requests=Count("id"),
        undispatched=Count("id", filter=Q(state__in=[State.RECEIVED, State.PENDING_DISPATCH])),
        overdue=Count("id", filter=Q(state__in=State.open_states(), due_at__lt=timezone.now())),
    )
    return {
        **summary,
        "by_state": grouped("state", ""),
        "by_category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_lead_unit": grouped("lead_unit__name", "未派单"),
        "by_subdistrict": grouped("subdistrict__name", "未识别街道"),
        "by_month": by_month,
    }
