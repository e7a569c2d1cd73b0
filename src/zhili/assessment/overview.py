"""A month at a glance: the one function behind the dashboard's assessment section and the monthly
report, so the numbers of both are the same numbers (architecture.md)."""

import datetime as dt
from dataclasses import dataclass

from zhili.organisation.models import Unit, UnitKind
from zhili.requests.models import RequestEvent, ServiceRequest

from . import early_warning, hotspots, metrics, replies, stats
from .models import ReplyReview
from .periods import Period


def district_name() -> str:
    """The district's name ("济南市历下区"), from the unit tree."""
    return Unit.objects.filter(kind=UnitKind.DISTRICT).values_list("name", flat=True).first() or "本区"


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
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"


def _case(kind: str, request: ServiceRequest, reply: str, note: str) -> Case:
    unit = request.lead_unit.display_name if request.lead_unit_id else "未派单"
    return Case(kind, request.number or str(request.pk), request.title, _excerpt(request.description, 160), unit,
                _excerpt(reply, 200), note)


def typical_cases(period: Period) -> list[Case]:
    """Up to three cases of the month: the best-scored reply, the request most citizens supported
    (up-votes), and the slowest reply."""
    low, high = period.bounds()
    cases = []
    reviews = ReplyReview.objects.filter(replied_at__gte=low, replied_at__lt=high).select_related(
        "request__lead_unit", "event")
    best = reviews.order_by("-score", "event_id").first()
    if best is not None:
        cases.append(_case("优秀答复", best.request, best.event.note,
                           f"答复质量 {best.score * 100:.0f} 分，{best.working_days} 个工作日答复"))
    voted = (ServiceRequest.objects.filter(received_at__gte=low, received_at__lt=high, votes_up__gt=0)
             .select_related("lead_unit").order_by("-votes_up", "id").first())
    if voted is not None:
        reply = RequestEvent.objects.filter(request=voted, action="reply").order_by("-seq").values_list(
            "note", flat=True).first() or ""
        cases.append(_case("群众关注", voted, reply, f"{voted.votes_up} 位网民点赞支持"))
    slowest = reviews.order_by("-working_days", "event_id").first()
    if slowest is not None and (best is None or slowest.pk != best.pk):
        cases.append(_case("办理超时", slowest.request, slowest.event.note,
                           f"{slowest.working_days} 个工作日后才答复"))
    return cases


def month_overview(period: Period, *, hotspot_count: int = 5, weakest: int = 5) -> dict:
    """Everything the dashboard's assessment section and the monthly report show for ``period``.

    Keys: period, district_name, totals (``stats.totals(month=…)``), previous (the month before),
    district (``metrics.Row``), ranking (``metrics.Ranking`` of units), subdistricts, categories
    (lists of Row), daily ([(day, received)]), hotspots (top ``hotspot_count``), warnings (of the
    week ending on the month's last day with data), replies (``replies.summary``),
    weakest_replies, cases (``typical_cases``).
    """
    last = period.end - dt.timedelta(days=1)
    latest = metrics.latest_day()
    as_of = min(last, latest) if latest and latest >= period.start else last
    return {
        "period": period,
        "district_name": district_name(),
        "totals": stats.totals(month=period),
        "previous": stats.totals(month=period.previous()),
        "district": metrics.district(period),
        "ranking": metrics.ranking(period, "unit"),
        "subdistricts": metrics.assess(period, "subdistrict"),
        "categories": metrics.assess(period, "category"),
        "daily": metrics.daily(period),
        "hotspots": hotspots.top(period, hotspot_count),
        "warnings": early_warning.early_warnings(as_of),
        "replies": replies.summary(period),
        "weakest_replies": replies.weakest(period, weakest),
        "cases": typical_cases(period),
    }
