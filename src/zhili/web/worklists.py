"""What the unit inbox and the supervision board list (read-only, except two small writes).

- ``inbox_queryset(user, units)`` / ``inbox_rows(objs)``: the open orders of the user's units,
  waiting-for-acceptance first, then by deadline, with their yellow/red card flags (SD17).
- ``unread_reminders(user)`` / ``mark_reminders_read(user, ids)``: the units' reminders.
- ``accept_many(user, picks)``: 批量签收, each order through ``actions.accept`` with its own
  version; returns what succeeded and what failed, and why.
- ``board_sections(user)``: the supervision board's sections.
- ``HOTLINE_QUEUES`` / ``queue_tab(key)`` / ``queue_counts(qs)``: the hotline's own worklists
  (待派单, 退单待审核, 延期待审批, 答复待审核, 待回访), the tabs of the queue page.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy

from zhili.organisation.models import Unit
from zhili.organisation.roles import unit_ids_of
from zhili.organisation.subtree import within
from zhili.requests.choices import Action, Satisfaction, State
from zhili.requests.models import Reminder, RequestEvent, ServiceRequest
from zhili.workcalendar import service as calendar
from zhili.workflow import actions
from zhili.workflow.actions import allowed_actions
from zhili.workflow.cards import yellow_due
from zhili.workflow.errors import WorkflowError

from .steps import STEPS, SUPERVISION_ACTIONS

# States in which an order is on a unit's desk: to accept, returned (awaiting the hotline's
# review), in progress, or replied / stop requested (awaiting the hotline's review).
INBOX_STATES = [State.DISPATCHED, State.RETURNED, State.IN_PROGRESS, State.REPLIED, State.STOP_REQUESTED]
BOARD_ROWS = 20  # rows per board section; the heading gives the full count and a link to all
BOARD_PAGE_ROWS = 50  # rows a page when one section is shown alone


@dataclass(frozen=True)
class QueueTab:
    """One of the hotline's worklists: which orders (those in ``states`` that also meet ``extra``),
    in which order, and the event whose note is shown as the reason (the unit's 退单 reason, the
    extension's reason …)."""

    key: str
    label: object
    states: tuple[str, ...]
    reason_actions: tuple[str, ...] = ()
    reason_label: object = ""
    ordering: tuple[str, ...] = ("received_at", "id")
    extra: Q = field(default_factory=Q)

    @property
    def condition(self) -> Q:
        """The worklist's filter: its states, and ``extra``."""
        return Q(state__in=self.states) & self.extra

    def rows(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to this worklist, oldest first, each row with ``reason`` (the
        latest note of ``reason_actions``; one subquery, no query per row)."""
        rows = queryset.filter(self.condition).order_by(*self.ordering)
        if self.reason_actions:
            latest = (RequestEvent.objects.filter(request=OuterRef("pk"), action__in=self.reason_actions)
                      .order_by("-seq").values("note")[:1])
            rows = rows.annotate(reason=Subquery(latest))
        return rows


# The hotline's worklists (domain.md §1): the dispatcher's 派单 (低置信度 and the like, with the
# reason it was queued), 异议审核 of returns (the unit's reason) and 延期审批; the review of
# replies and stop requests (JN 27), and the follow-ups (BJ 23). First tab: the default.
HOTLINE_QUEUES = [
    QueueTab("dispatch", pgettext_lazy("navigation", "待派单"), (State.PENDING_DISPATCH,),
             (Action.QUEUE_FOR_DISPATCH,), gettext_lazy("转人工原因")),
    QueueTab("returned", gettext_lazy("退单待审核"), (State.RETURNED,), (Action.RETURN,), gettext_lazy("退单理由")),
    # 批准延期 is possible while the unit handles the order (a return leaves the request pending).
    QueueTab("extension", gettext_lazy("延期待审批"), (State.IN_PROGRESS,), (Action.REQUEST_EXTENSION,),
             gettext_lazy("延期理由"), ("due_at", "id"), extra=Q(pending_extension_days__gt=0)),
    QueueTab("review", gettext_lazy("答复待审核"), (State.REPLIED, State.STOP_REQUESTED),
             (Action.REPLY, Action.REQUEST_STOP), gettext_lazy("答复 / 不再办理说明"), ("updated_at", "id")),
    QueueTab("follow_up", gettext_lazy("待回访"), (State.AWAITING_FOLLOW_UP,), (), "", ("replied_at", "id")),
]
_QUEUES = {tab.key: tab for tab in HOTLINE_QUEUES}


def queue_tab(key: str | None) -> QueueTab:
    """The worklist named ``key``; the first (待派单) for a missing or unknown key."""
    return _QUEUES.get(key or "", HOTLINE_QUEUES[0])


def queue_counts(queryset: QuerySet) -> dict[str, int]:
    """{tab key: number of orders} over ``queryset`` (the user's visible orders), one query."""
    # Only the states the worklists hold are read (not the closed history).
    states = {state for tab in HOTLINE_QUEUES for state in tab.states}
    return (queryset.filter(state__in=sorted(states)).order_by()
            .aggregate(**{tab.key: Count("pk", filter=tab.condition) for tab in HOTLINE_QUEUES}))


def user_units(user) -> list[Unit]:
    """The units the user is a member of (one query)."""
    return list(Unit.objects.filter(pk__in=unit_ids_of(user)).order_by("path"))


def _in_units(units: list[Unit], field: str) -> Q:
    """Rows whose ``field`` unit lies in the subtree of one of ``units``."""
    return within([unit.path for unit in units], field)


@dataclass
class InboxRow:
    """One order in the inbox with its card flags: ``yellow`` (yellow card given, or due within
    one working day) and ``red`` (red cards given, or past its deadline)."""

    obj: ServiceRequest
    yellow: bool
    red: bool

    @property
    def to_accept(self) -> bool:
        return self.obj.state == State.DISPATCHED


def inbox_queryset(user, units: list[Unit]) -> QuerySet:
    """Open orders led by ``units`` (and their sub-units) that ``user`` may see, in inbox order:
    waiting for acceptance first, then by deadline (none last)."""
    return (
        ServiceRequest.objects.visible_to(user).with_related().with_time_limit()
        .filter(_in_units(units, "lead_unit"), state__in=INBOX_STATES)
        .order_by(Case(When(state=State.DISPATCHED, then=Value(0)), default=Value(1), output_field=IntegerField()),
                  F("due_at").asc(nulls_last=True), "id")
    )


def inbox_rows(objs, now: dt.datetime | None = None) -> list[InboxRow]:
    """The card flags of each order (SD17; no queries: the work calendar is cached)."""
    now = now or timezone.now()
    result = []
    for obj in objs:
        is_open = obj.state in State.open_states()
        red = is_open and (obj.red_cards > 0 or (obj.due_at is not None and obj.due_at < now))
        yellow = is_open and not red and (obj.yellow_carded_at is not None or yellow_due(obj, now))
        result.append(InboxRow(obj, yellow=yellow, red=red))
    return result


def unread_reminders(units: list[Unit], limit: int = 50) -> list[Reminder]:
    """The newest unread reminders of ``units`` (and their sub-units)."""
    return list(Reminder.objects.filter(_in_units(units, "unit"), read_at__isnull=True)
                .select_related("request", "unit").order_by("-created_at", "-id")[:limit])


def mark_reminders_read(units: list[Unit], ids: list[int]) -> int:
    """Mark the given reminders of ``units`` read (others' reminders are ignored). Returns how many."""
    return (Reminder.objects.filter(_in_units(units, "unit"), pk__in=ids, read_at__isnull=True)
            .update(read_at=timezone.now()))


@dataclass
class BulkResult:
    accepted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (number, reason to show)


def accept_many(user, picks: list[str]) -> BulkResult:
    """签收 each picked order, given as "<number>:<version>", each in its own transaction.

    An order the user cannot see, a stale version or a refused step is reported with its
    reason; the others are still accepted.
    """
    result = BulkResult()
    for pick in picks:
        number, _, version = pick.rpartition(":")
        obj = ServiceRequest.objects.visible_to(user).filter(number=number).first() if number else None
        if obj is None:
            result.failed.append((number or pick, gettext("工单不存在或无权查看")))
            continue
        try:
            actions.accept(obj, actor=user, expected_version=int(version))
        except ValueError:
            result.failed.append((number, gettext("缺少版本号，请刷新页面后重试")))
        except WorkflowError as exc:
            result.failed.append((number, exc.message))
        else:
            result.accepted.append(number)
    return result


@dataclass
class BoardRow:
    obj: ServiceRequest
    metric: str  # the section's own figure: working days overdue, red cards, returns …
    buttons: list[tuple[str, str, str]]  # (action, label, Bootstrap colour) the user may post
    can_reopen: bool


@dataclass
class BoardSection:
    key: str
    title: str
    hint: str
    metric: str  # the heading of the section's own column
    total: int
    rows: list[BoardRow]
    page: object = None  # the Django page when one section is shown page by page
    page_range: list = field(default_factory=list)  # its elided page numbers


def _metric(key: str, obj: ServiceRequest, now: dt.datetime) -> str:
    if key == "overdue":
        days = calendar.working_days_between(obj.due_at, now)
        return ngettext("%(count)d 个工作日", "%(count)d 个工作日", days) % {"count": days}
    if key == "dissatisfied":
        return Satisfaction(obj.service_satisfaction).label if obj.service_satisfaction else "—"
    count = {"red": obj.red_cards, "returned": obj.return_count, "reopened": obj.reopen_count}[key]
    if key == "red":
        return ngettext("%(count)d 张", "%(count)d 张", count) % {"count": count}
    return ngettext("%(count)d 次", "%(count)d 次", count) % {"count": count}


def board_querysets(user, now: dt.datetime | None = None, unit: Unit | None = None) -> list[tuple[str, str, QuerySet]]:
    """(key, title, queryset) of each supervision board section over the orders ``user`` may see
    (led by ``unit`` or a unit under it, when given), in the board's order: the one definition
    behind the board and its Excel export."""
    now = now or timezone.now()
    base = ServiceRequest.objects.visible_to(user).with_related()
    if unit is not None:
        base = base.filter(_in_units([unit], "lead_unit"))
    not_final = ~Q(state__in=State.final_states())
    return [
        ("overdue", gettext("超期未办结"), base.overdue(now).order_by("due_at", "id")),
        ("red", gettext("红牌"), base.filter(not_final, red_cards__gt=0).order_by("-red_cards", "due_at", "id")),
        ("returned", gettext("多次退单"), base.filter(not_final, return_count__gte=2).order_by("-return_count", "id")),
        ("reopened", gettext("重办"), base.filter(not_final, reopen_count__gt=0).order_by("-reopen_count", "due_at", "id")),
        ("dissatisfied", gettext("结果不满意"),
         base.filter(result_satisfaction=Satisfaction.DISSATISFIED).order_by("-updated_at", "-id")),
    ]


BOARD_KEYS = ("overdue", "red", "returned", "reopened", "dissatisfied")


def _board_texts() -> dict[str, tuple[str, str]]:
    return {
        "overdue": (gettext("超过截止时间仍未答复"), gettext("超期")),
        "red": (gettext("已被出示红牌（超期）"), gettext("红牌")),
        "returned": (gettext("退单两次及以上"), gettext("退单")),
        "reopened": (gettext("经重办仍未办结"), gettext("重办")),
        "dissatisfied": (gettext("回访结果不满意（尚未重办）"), gettext("服务满意度")),
    }


def board_sections(user, now: dt.datetime | None = None, *, unit: Unit | None = None, section: str | None = None,
                   page: int = 1, per_page: int | None = None) -> list[BoardSection]:
    """The board's sections over the orders ``user`` may see (led by ``unit`` or below it, when
    given), each with its total and, per row, the supervision steps the user may take now.

    Without ``section``: all five, each with its first ``BOARD_ROWS`` rows. With ``section`` (a
    key of ``BOARD_KEYS``): that one only, its rows paged (``page``, ``per_page`` rows a page;
    ``BoardSection.page`` is the Django page; ``per_page`` default ``BOARD_PAGE_ROWS``). Raises
    KeyError for an unknown section."""
    now = now or timezone.now()
    texts = _board_texts()
    specs = board_querysets(user, now, unit)
    if section is not None:
        specs = [spec for spec in specs if spec[0] == section]
        if not specs:
            raise KeyError(section)
    sections = []
    for key, title, queryset in specs:
        hint, metric = texts[key]
        paged = None
        if section is not None:
            paged = Paginator(queryset, per_page or BOARD_PAGE_ROWS).get_page(page)
            objs, total = list(paged.object_list), paged.paginator.count
        else:
            objs, total = list(queryset[:BOARD_ROWS]), queryset.count()
        rows = []
        for obj in objs:
            allowed = allowed_actions(obj, user)
            buttons = [(a, Action(a).label, STEPS[a].style) for a in SUPERVISION_ACTIONS if a in allowed]
            rows.append(BoardRow(obj, _metric(key, obj, now), buttons, can_reopen=Action.REOPEN in allowed))
        page_range = (list(paged.paginator.get_elided_page_range(paged.number, on_each_side=2, on_ends=1))
                      if paged is not None else [])
        sections.append(BoardSection(key, title, hint, metric, total, rows, paged, page_range))
    return sections
