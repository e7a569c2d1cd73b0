"""The transitions of a work order, each declared once: from which states, to which state, by
which roles, and the rule it implements (domain.md §1). ``zhili.workflow.actions`` applies them;
no other code writes ``ServiceRequest.state``."""

from dataclasses import dataclass

from zhili.organisation.roles import Role
from zhili.requests.choices import Action, State

SYSTEM = "system"  # the actor is Zhili itself (routing, import, worker)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the state stays as it is
    roles: frozenset[str]  # who may do it; SYSTEM means Zhili itself
    unit_bound: bool  # the actor must belong to the order's lead unit (or a unit above it)
    rule: str

    def label(self) -> str:
        return Action(self.action).label


def _t(action, sources, target, roles, unit_bound=False, rule=""):
    return Transition(action, frozenset(sources), target, frozenset(roles), unit_bound, rule)


_HOTLINE = {Role.OPERATOR, Role.DISPATCHER, Role.ADMINISTRATOR}
_UNIT = {Role.UNIT_HANDLER, Role.UNIT_LEADER}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t(Action.CLASSIFY, [State.RECEIVED, State.PENDING_DISPATCH], None, {SYSTEM, *_HOTLINE},
           rule="BJ 10, JN 22: 受理时分类"),
        _t(Action.QUEUE_FOR_DISPATCH, [State.RECEIVED], State.PENDING_DISPATCH, {SYSTEM},
           rule="置信度不足或派单目录无匹配：转人工派单"),
        _t(Action.DISPATCH, [State.RECEIVED, State.PENDING_DISPATCH], State.DISPATCHED,
           {SYSTEM, Role.DISPATCHER, Role.ADMINISTRATOR}, rule="BJ 12–13, JN 23: 按派单目录派单，写明时限"),
        _t(Action.ACCEPT, [State.DISPATCHED], State.IN_PROGRESS, {SYSTEM, *_UNIT}, unit_bound=True,
           rule="签收"),
        _t(Action.REPLY, [State.IN_PROGRESS], State.REPLIED, {SYSTEM, *_UNIT}, unit_bound=True,
           rule="JN 24: 办理结果答复诉求人和热线"),
        _t(Action.CLOSE, [State.REPLIED, State.AWAITING_FOLLOW_UP], State.CLOSED,
           {SYSTEM, Role.DISPATCHER, Role.OPERATOR, Role.ADMINISTRATOR}, rule="办结归档"),
    ]
}
