"""The transitions of a work order, each declared once: from which states, to which state, by
which roles, whether the actor must belong to the lead unit, and the rule it implements
(domain.md §1–§2). ``zhili.workflow.engine`` applies them; no other code writes
``ServiceRequest.state``.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy

from zhili.organisation.roles import Role
from zhili.requests.choices import Action, Resolution, State
from zhili.workcalendar import service as calendar

SYSTEM = "system"  # the actor is Zhili itself (routing, import, the worker)

# Rule numbers (domain.md §2) used by the steps.
RETURN_LIMIT_WORKING_DAYS = 2  # SD 2020, BJ 12, 66号: a wrong dispatch is returned within 2 working days
EXTENSION_LIMIT_WORKING_DAYS = 10  # SD 2020: at most 10 working days more, with approval
ASSIST_DEFAULT_WORKING_DAYS = 3  # an assisting unit's own deadline unless the dispatcher sets one
RED_CARDS_BEFORE_ESCALATION = 3  # SD17: repeated red cards → escalation (提级督办)


@dataclass(frozen=True)
class Transition:
    """One step. ``targets`` maps a source state to the state after the step (absent: unchanged).
    ``unit_bound``: "lead" — the actor belongs to the lead unit (or a unit above it);
    "assisting" — to one of the order's assisting units; "" — any unit."""

    action: str
    sources: frozenset[str]
    targets: dict
    roles: frozenset[str]
    unit_bound: str
    rule: str
    # A condition on the order besides its state, with the refusal to give when it fails (lazy:
    # translated when raised). ``rule`` is documentation (the API schema), not shown in the pages.
    guard: object = None
    guard_message: str = ""

    def label(self) -> str:
        return Action(self.action).label

    def target_from(self, state: str) -> str:
        return self.targets.get(state, state)


def _t(action, sources, target, roles, unit_bound="", rule="", guard=None, guard_message=""):
    targets = target if isinstance(target, dict) else (dict.fromkeys(sources, target) if target else {})
    return Transition(action, frozenset(sources), targets, frozenset(roles), unit_bound, rule, guard, guard_message)


def _within_return_window(request) -> bool:
    """The order was dispatched at most RETURN_LIMIT_WORKING_DAYS working days ago (SD, BJ 12)."""
    now = timezone.now()
    return calendar.working_days_between(request.dispatched_at or now, now) <= RETURN_LIMIT_WORKING_DAYS


def _replied_by_a_unit(request) -> bool:
    """Awaiting follow-up, or closed after a unit's reply (not 直办, 不再办理, 并单 or 历史归档)."""
    return request.state != State.CLOSED or request.resolution == Resolution.REPLIED


def _extension_pending(request) -> bool:
    return bool(request.pending_extension_days)


def _no_extension_pending(request) -> bool:
    return not request.pending_extension_days and request.extension_days_total < EXTENSION_LIMIT_WORKING_DAYS


S = State
OPERATOR, DISPATCHER, ADMIN = Role.OPERATOR, Role.DISPATCHER, Role.ADMINISTRATOR
HANDLER, LEADER = Role.UNIT_HANDLER, Role.UNIT_LEADER
SUPERVISOR, DISTRICT_LEADER = Role.SUPERVISOR, Role.DISTRICT_LEADER
_INTAKE_STATES = [S.RECEIVED, S.PENDING_DISPATCH]
_OPEN = [S.DISPATCHED, S.RETURNED, S.IN_PROGRESS]
_MERGEABLE = [S.RECEIVED, S.PENDING_DISPATCH, S.DISPATCHED, S.IN_PROGRESS]

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t(Action.RESOLVE_AT_INTAKE, _INTAKE_STATES, S.CLOSED, {OPERATOR, ADMIN},
           rule="JN 23, BJ 11: 以知识库答复，直接办结，不派单"),
        _t(Action.DECLINE, _INTAKE_STATES, S.DECLINED, {OPERATOR, DISPATCHER, ADMIN},
           rule="BJ 11, 66号: 分类处置，须有法定理由"),
        _t(Action.CLASSIFY, _INTAKE_STATES, None, {SYSTEM, OPERATOR, DISPATCHER, ADMIN},
           rule="BJ 10, JN 22: 受理时分类"),
        _t(Action.QUEUE_FOR_DISPATCH, [S.RECEIVED], S.PENDING_DISPATCH, {SYSTEM, OPERATOR},
           rule="置信度不足、派单目录无匹配或话务员转派：人工派单"),
        _t(Action.DISPATCH, _INTAKE_STATES, S.DISPATCHED, {SYSTEM, DISPATCHER, ADMIN},
           rule="BJ 12–13, JN 23: 按派单目录派单，写明时限"),
        _t(Action.REASSIGN, [S.RETURNED, S.DISPATCHED, S.IN_PROGRESS], S.DISPATCHED, {SYSTEM, DISPATCHER, ADMIN},
           rule="SD, 66号: 异议成立，改派其他单位，重新计时（系统：精确模型复核改分类后，单位尚未签收时）"),
        _t(Action.FORCE_DISPATCH, [S.RETURNED], S.DISPATCHED, {DISPATCHER, ADMIN},
           rule="SD, 66号: 异议不成立，强制派单，时限不变（首接负责）"),
        _t(Action.ACCEPT, [S.DISPATCHED], S.IN_PROGRESS, {SYSTEM, HANDLER, LEADER}, "lead", rule="签收"),
        _t(Action.RETURN, [S.DISPATCHED, S.IN_PROGRESS], S.RETURNED, {LEADER}, "lead",
           rule="SD, BJ 12: 派单后 2 个工作日内退单，写明理由，经单位负责人",
           guard=_within_return_window,
           guard_message=gettext_lazy("派单已超过 2 个工作日，不能退单（可申请延期或办理后答复）")),
        _t(Action.CONTACT, [S.IN_PROGRESS], None, {SYSTEM, HANDLER, LEADER}, "lead",
           rule="BJ 14: 及时联系诉求人，首次联系为响应"),
        _t(Action.ADD_ASSISTING_UNIT, [S.DISPATCHED, S.IN_PROGRESS], None, {DISPATCHER, ADMIN, LEADER}, "lead",
           rule="BJ 15: 主办单位牵头，协办单位配合"),
        _t(Action.ASSIST_REPORT, [S.DISPATCHED, S.IN_PROGRESS], None, {HANDLER, LEADER}, "assisting",
           rule="BJ 15: 协办单位按时限向主办单位反馈"),
        _t(Action.REQUEST_EXTENSION, [S.IN_PROGRESS], None, {LEADER}, "lead",
           rule="SD: 延期须说明理由并经热线批准", guard=_no_extension_pending,
           guard_message=gettext_lazy("已有待审批的延期申请，或延期已达 10 个工作日")),
        _t(Action.APPROVE_EXTENSION, [S.IN_PROGRESS], None, {DISPATCHER, ADMIN},
           rule="SD: 延期累计不超过 10 个工作日", guard=_extension_pending, guard_message=gettext_lazy("没有待审批的延期申请")),
        _t(Action.REJECT_EXTENSION, [S.IN_PROGRESS], None, {DISPATCHER, ADMIN}, rule="SD",
           guard=_extension_pending, guard_message=gettext_lazy("没有待审批的延期申请")),
        _t(Action.INTERIM_REPLY, [S.IN_PROGRESS], None, {HANDLER, LEADER}, "lead",
           rule="JN 24: 暂不能解决的，告知措施和承诺时间，持续跟踪"),
        _t(Action.REPLY, [S.IN_PROGRESS], S.REPLIED, {SYSTEM, HANDLER, LEADER}, "lead",
           rule="JN 24: 办理结果答复诉求人和热线"),
        _t(Action.REQUEST_STOP, [S.IN_PROGRESS], S.STOP_REQUESTED, {LEADER}, "lead",
           rule="JN 25: 同一事实已依法处理的，书面说明后不再办理"),
        _t(Action.APPROVE_REVIEW, [S.REPLIED, S.STOP_REQUESTED],
           {S.REPLIED: S.AWAITING_FOLLOW_UP, S.STOP_REQUESTED: S.CLOSED}, {OPERATOR, DISPATCHER, ADMIN},
           rule="JN 27: 热线审核答复"),
        _t(Action.SEND_BACK, [S.REPLIED, S.STOP_REQUESTED], S.IN_PROGRESS, {OPERATOR, DISPATCHER, ADMIN},
           rule="JN 27: 审核不通过，退回重办"),
        _t(Action.FOLLOW_UP, [S.AWAITING_FOLLOW_UP], None, {OPERATOR, ADMIN},
           rule="BJ 23, JN 27: 回访是否联系、是否解决、是否满意"),
        _t(Action.REOPEN, [S.AWAITING_FOLLOW_UP, S.CLOSED], S.IN_PROGRESS, {DISPATCHER, SUPERVISOR, ADMIN},
           rule="JN 27, SD17: 不满意或应办未办的，重办",
           guard=_replied_by_a_unit, guard_message=gettext_lazy("只有经答复办结的工单可以重办")),
        _t(Action.URGE, _OPEN, None, {SUPERVISOR, DISPATCHER, ADMIN}, rule="JN 28, SD17: 催办"),
        _t(Action.SUPERVISE, _OPEN, None, {SUPERVISOR, ADMIN}, rule="JN 28, SD17: 督办单"),
        _t(Action.ESCALATE, _OPEN, None, {SYSTEM, SUPERVISOR, DISTRICT_LEADER, ADMIN},
           rule="JN 28, SD17: 提级督办（多次红牌自动提级）"),
        _t(Action.YELLOW_CARD, [S.DISPATCHED, S.IN_PROGRESS], None, {SYSTEM},
           rule="SD17: 截止前 1 个工作日黄牌预警"),
        # Not while a return is under the hotline's review: the unit is not holding the order then.
        _t(Action.RED_CARD, [S.DISPATCHED, S.IN_PROGRESS], None, {SYSTEM}, rule="SD17: 超期第一个工作日起红牌"),
        _t(Action.CLOSE, [S.AWAITING_FOLLOW_UP, S.MERGED], S.CLOSED, {SYSTEM, OPERATOR, DISPATCHER, ADMIN},
           rule="办结归档（并单随主单办结，66号）"),
        _t(Action.MERGE, _MERGEABLE, S.MERGED, {OPERATOR, DISPATCHER, ADMIN},
           rule="66号: 同一事项重复诉求原则上并单"),
        _t(Action.SPLIT, _MERGEABLE, S.SPLIT, {DISPATCHER, ADMIN},
           rule="一单多事：拆分为多张工单，各自派单"),
        # The worker's second opinion on the intake category, recorded in any state; it changes only
        # an order no person has classified, dispatched or accepted (actions.refine_classification).
        _t(Action.REFINE, list(S), None, {SYSTEM},
           rule="精确模型复核受理分类：只改尚未经人工分类、派单或签收的工单"),
        # A message imported as history (import-requests --history) whose handling the source does
        # not record is closed as a record of the past: no cards, no inbox, not in the 三率.
        _t(Action.ARCHIVE, [S.RECEIVED, S.PENDING_DISPATCH, S.DISPATCHED, S.IN_PROGRESS, S.REPLIED], S.CLOSED,
           {SYSTEM}, rule="历史数据导入：来源未记录处理结果的，按历史记录归档"),
    ]
}
