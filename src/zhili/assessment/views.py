"""Assessment pages (考核排名, 热点, 预警, 答复质量, 月度报告) and the dashboard's assessment section.
Each view reads its input, calls one function of the assessment app and renders; none changes a
work order. District-wide roles see them (404 for anyone else, as for any page they may not
see); the early warnings are for supervisors, district leaders and administrators.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from zhili.organisation.roles import Role, has_role

from . import early_warning, hotspots, metrics, replies, report
from .overview import INLINE_REPLIES, default_month, month_overview
from .periods import Period, PeriodError, parse_day
from .report.content import formula_notes, list_thresholds, missing_labels
from .report.fonts import MissingFont

ASSESSMENT_ROLES = tuple(Role.DISTRICT_WIDE)
WARNING_ROLES = (Role.SUPERVISOR, Role.DISTRICT_LEADER, Role.ADMINISTRATOR)
BY_CHOICES = {"unit": gettext_lazy("承办单位"), "subdistrict": gettext_lazy("街道"), "category": gettext_lazy("一级分类")}


def _allowed(request, roles) -> None:
    if not has_role(request.user, *roles):
        raise Http404


def _month(request) -> tuple[Period, str]:
    """The month asked for (?month=YYYY-MM), else the latest month with data; and an error text
    when the parameter could not be read."""
    text = request.GET.get("month", "").strip()
    if text:
        try:
            return Period.parse_month(text), ""
        except PeriodError as exc:
            return default_month(), gettext("%(error)s，已显示最近有数据的月份") % {"error": exc}
    return default_month(), ""


def _neighbours(period: Period) -> dict:
    following = Period.of_month(period.end)
    return {"previous_month": period.previous().label, "next_month": following.label,
            "has_next": following.start <= dt.date.today()}


@login_required
def panel(request):
    """The dashboard's assessment section (an htmx fragment); empty for users without access (an
    empty 200, so htmx replaces the "loading" line with nothing)."""
    if not has_role(request.user, *ASSESSMENT_ROLES):
        return HttpResponse("")
    period, error = _month(request)
    context = month_overview(period)
    context.update(_neighbours(period), error=error, lists=list_thresholds(),
                   can_see_warnings=has_role(request.user, *WARNING_ROLES),
                   report_pdf=f"{reverse('web:assessment-report')}?month={period.label}&format=pdf",
                   report_xlsx=f"{reverse('web:assessment-report')}?month={period.label}&format=xlsx")
    return render(request, "assessment/dashboard_panel.html", context)


@login_required
def ranking(request):
    """考核排名: every unit (or subdistrict, category) of a month with all its rates."""
    _allowed(request, ASSESSMENT_ROLES)
    period, error = _month(request)
    by = request.GET.get("by", "unit")
    if by not in BY_CHOICES:
        by = "unit"
    return render(request, "assessment/ranking.html", {
        "period": period, "error": error, "by": by, "by_choices": BY_CHOICES, **_neighbours(period),
        "keep_by": {"by": by},
        "ranking": metrics.ranking(period, by), "district": metrics.district(period),
        "formula_notes": formula_notes(), "lists": list_thresholds(),
    })


@login_required
def hotspot_list(request):
    """热点: the month's hottest matters with their requests."""
    _allowed(request, ASSESSMENT_ROLES)
    period, error = _month(request)
    found = hotspots.top(period, 20, inline_limit=None)
    return render(request, "assessment/hotspots.html", {
        "period": period, "error": error, **_neighbours(period), "run": found[0].run if found else None,
        "hotspots": [(h, hotspots.members(h, 40)) for h in found],
    })


@login_required
def warnings(request):
    """预警（未诉先办）: categories and places rising in the week ending on ?as_of (default: the
    last day with requests)."""
    _allowed(request, WARNING_ROLES)
    as_of, error = None, ""
    if request.GET.get("as_of"):
        try:
            as_of = parse_day(request.GET["as_of"])
        except PeriodError as exc:
            error = gettext("%(error)s，已显示最近一周") % {"error": exc}
    found = early_warning.early_warnings(as_of)
    as_of = as_of or (found[0].week_end if found else metrics.latest_day())
    return render(request, "assessment/warnings.html", {
        "warnings": found, "as_of": as_of, "error": error, "kinds": early_warning.KINDS,
        "thresholds": {"min_count": settings.ZHILI_WARNING_MIN_COUNT, "min_ratio": settings.ZHILI_WARNING_MIN_RATIO,
                       "max_p": settings.ZHILI_WARNING_MAX_P},
    })


@login_required
def reply_quality(request):
    """答复质量: the month's replies, weakest first, each score explained."""
    _allowed(request, ASSESSMENT_ROLES)
    period, error = _month(request)
    replies.ensure(period, INLINE_REPLIES)
    weakest = replies.weakest(period, 30)
    return render(request, "assessment/replies.html", {
        "period": period, "error": error, **_neighbours(period), "summary": replies.summary(period),
        "waiting": replies.unscored(period),
        "weakest": [(r, missing_labels(r)) for r in weakest], "checks": replies.CHECKS,
        "weights": settings.ZHILI_REPLY_QUALITY_WEIGHTS, "full_at": settings.ZHILI_REPLY_RELEVANCE_FULL,
        "limit_days": settings.ZHILI_DEFAULT_TIME_LIMIT_DAYS,
    })


@login_required
def report_download(request):
    """月度报告 as a file: ?month=YYYY-MM&format=pdf|xlsx."""
    _allowed(request, ASSESSMENT_ROLES)
    period, error = _month(request)
    fmt = request.GET.get("format", "pdf")
    if error or fmt not in report.FORMATS:
        return HttpResponse(gettext("参数错误：month 应为 YYYY-MM，format 为 pdf 或 xlsx。%(error)s") % {"error": error},
                            status=400,
                            content_type="text/plain; charset=utf-8")
    try:
        data = report.build(period, fmt)
    except MissingFont as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=report.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report.filename(period, fmt)}"'
    return response
