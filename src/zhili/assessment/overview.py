"""A month at a glance: the one function behind the dashboard's assessment section and the monthly
report, so the numbers of both are the same numbers (architecture.md)."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

from zhili.organisation.models import Unit, UnitKind
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.requests.privacy import mask_text

from . import early_warning, hotspots, metrics, replies, stats
from .models import ReplyReview
from .periods import Period


def district_name() -> str:
    """The district's name ("济南市历下区"), from the unit tree."""
    return Unit.objects.filter(kind=UnitKind.DISTRICT).values_list("name", flat=True).first() or gettext("本区")


def default_month() -> Period:
    """The month of the last day with activity, or this month on an empty database."""
    return Period.of_month(metrics.latest_day() or dt.date.today())


@dataclass
class Case:
    """A typical case (典型案例) for the report: no requester data, only the matter and its handling."""

    kind: str
    number: str
    title: str
    text: str
    unit: str
    reply: str
    note: str




def _excerpt(text: str, n: int) -> str:
    """The first ``n`` characters, with phone numbers a citizen wrote into the text masked (a
    report travels further than the order; domain.md §5)."""
    text = " ".join((text or "").split())
    text = mask_text(text)
    return text if len(text) <= n else text[:n] + "…"


def _case(kind: str, request: ServiceRequest, reply: str, note: str) -> Case:
    unit = request.lead_unit.display_name if request.lead_unit_id else gettext("未派单")
    return Case(kind, request.number or str(request.pk), mask_text(request.title), _excerpt(request.description, 160), unit,
                _excerpt(reply, 200), note)


def typical_cases(period: Period, top_hotspot=None) -> list[Case]:
    """Up to three cases of the month: the best-scored reply, the request that represents the
    hottest matter (群众关注), and the slowest reply."""
    low, high = period.bounds()
    cases = []
    reviews = ReplyReview.objects.filter(replied_at__gte=low, replied_at__lt=high).select_related(
        "request__lead_unit", "event")
    best = reviews.order_by("-score", "event_id").first()
    if best is not None:
        cases.append(_case(gettext("优秀答复"), best.request, best.event.note,
                           ngettext("答复质量 %(score)s 分，%(days)s 个工作日答复",
                                    "答复质量 %(score)s 分，%(days)s 个工作日答复", best.working_days)
                           % {"score": f"{best.score * 100:.0f}", "days": best.working_days}))
    if top_hotspot is not None and top_hotspot.representative_id:
        request = ServiceRequest.objects.select_related("lead_unit").filter(pk=top_hotspot.representative_id).first()
        if request is not None:
            reply = RequestEvent.objects.filter(request=request, action="reply").order_by("-seq").values_list(
                "note", flat=True).first() or ""
            cases.append(_case(gettext("群众关注"), request, reply,
                               gettext("本月最热问题：%(people)s 人反映 %(requests)s 件")
                               % {"people": top_hotspot.people, "requests": top_hotspot.requests}))
    slowest = reviews.order_by("-working_days", "event_id").first()
    if slowest is not None and (best is None or slowest.pk != best.pk):
        cases.append(_case(gettext("办理超时"), slowest.request, slowest.event.note,
                           ngettext("%(days)s 个工作日后才答复", "%(days)s 个工作日后才答复", slowest.working_days)
                           % {"days": slowest.working_days}))
    return cases


# What a page may compute while it loads (requests in the hotspot window / replies not yet scored);
# more is left to the worker, and the report (``complete=True``) computes everything.
INLINE_HOTSPOT_REQUESTS = 20_000
INLINE_REPLIES = 2_000


def month_overview(period: Period, *, hotspot_count: int = 5, weakest: int = 5, complete: bool = False) -> dict:
    """Everything the dashboard's assessment section and the monthly report show for ``period``.

    Keys: period, district_name, totals (``stats.totals(month=…)``), previous (the month before),
    district (``metrics.Row``), ranking (``metrics.Ranking`` of units), subdistricts, categories
    (lists of Row), daily ([(day, received)]), hotspots (top ``hotspot_count``), warnings (of the
    week ending on the month's last day with data), replies (``replies.summary``),
    weakest_replies, cases (``typical_cases``).

    Hotspots and reply scores are stored results: with ``complete`` (the report) missing ones are
    computed first; otherwise only as much as ``INLINE_*`` allows (a page stays fast on a big
    district; the worker fills in the rest), so a page never shows other numbers than a report
    made after it, only possibly fewer scored replies before the worker has run.
    """
    replies.ensure(period, None if complete else INLINE_REPLIES)
    last = period.end - dt.timedelta(days=1)
    latest = metrics.latest_day()
    as_of = min(last, latest) if latest and latest >= period.start else last
    counts = metrics.counts_by_many(period, [None, "unit", "subdistrict", "category"])
    hot = hotspots.top(period, hotspot_count, inline_limit=None if complete else INLINE_HOTSPOT_REQUESTS)
    return {
        "period": period,
        "district_name": district_name(),
        "totals": stats.totals(month=period),
        "previous": stats.totals(month=period.previous()),
        "district": metrics.district(period, counts=counts[None]),
        "ranking": metrics.ranking(period, "unit", counts=counts["unit"]),
        "subdistricts": metrics.assess(period, "subdistrict", counts=counts["subdistrict"]),
        "categories": metrics.assess(period, "category", counts=counts["category"]),
        "daily": metrics.daily(period),
        "hotspots": hot,
        "hotspots_deferred": not hot and hotspots.is_deferred(period),
        "warnings": early_warning.early_warnings(as_of),
        "replies": replies.summary(period),
        "weakest_replies": replies.weakest(period, weakest),
        "cases": typical_cases(period, hot[0] if hot else None),
    }
