"""Which form and button each workflow step shows on the request page.

The steps themselves — the fields each reads and the one ``zhili.workflow.actions`` function it
calls — are declared once in ``zhili.workflow.steps`` (the native API runs the same rows). Here
each step gets its form, the submit button's text and its colour. The system-only steps (yellow
and red cards) are never in ``allowed_actions`` and have no form.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from zhili.requests.choices import Action
from zhili.workflow.steps import STEPS as WORKFLOW_STEPS

from . import forms as f


@dataclass(frozen=True)
class Step:
    """A step as the page offers it: its form, the call ``run(obj, data, actor, version)``, the
    submit button's text and colour."""

    form: type[f.ActionForm]
    run: Callable
    submit: str = _("确定")
    style: str = "primary"  # Bootstrap colour of the buttons

    @property
    def has_fields(self) -> bool:
        return bool(self.form.base_fields) or self.form is f.SplitForm


# action: (form, submit button, colour); one row per workflow step (tests/test_steps.py checks it).
_PAGE = {
    Action.RESOLVE_AT_INTAKE: (f.ResolveForm, _("直办并办结"), "success"),
    Action.DECLINE: (f.DeclineForm, _("不予受理"), "secondary"),
    Action.CLASSIFY: (f.ClassifyForm, _("保存分类"), "primary"),
    Action.QUEUE_FOR_DISPATCH: (f.QueueForm, _("转人工派单"), "secondary"),
    Action.DISPATCH: (f.DispatchForm, _("派单"), "primary"),
    Action.REASSIGN: (f.ReassignForm, _("改派"), "primary"),
    Action.FORCE_DISPATCH: (f.ForceDispatchForm, _("强制派单"), "warning"),
    Action.ACCEPT: (f.ActionForm, _("签收"), "primary"),
    Action.RETURN: (f.ReturnForm, _("退单"), "danger"),
    Action.CONTACT: (f.ContactForm, _("记录联系"), "primary"),
    Action.ADD_ASSISTING_UNIT: (f.AssistingUnitForm, _("增加协办"), "primary"),
    Action.ASSIST_REPORT: (f.AssistReportForm, _("提交反馈"), "primary"),
    Action.REQUEST_EXTENSION: (f.ExtensionForm, _("提交延期申请"), "warning"),
    Action.APPROVE_EXTENSION: (f.ApproveExtensionForm, _("批准延期"), "success"),
    Action.REJECT_EXTENSION: (f.RejectExtensionForm, _("驳回延期"), "danger"),
    Action.INTERIM_REPLY: (f.InterimReplyForm, _("提交阶段性答复"), "primary"),
    Action.REPLY: (f.ReplyForm, _("提交答复"), "success"),
    Action.REQUEST_STOP: (f.StopForm, _("申请不再办理"), "secondary"),
    Action.APPROVE_REVIEW: (f.ReviewForm, _("审核通过"), "success"),
    Action.SEND_BACK: (f.SendBackForm, _("退回重办"), "danger"),
    Action.FOLLOW_UP: (f.FollowUpForm, _("保存回访"), "primary"),
    Action.REOPEN: (f.ReopenForm, _("重办"), "danger"),
    Action.URGE: (f.SupervisionForm, _("催办"), "warning"),
    Action.SUPERVISE: (f.SupervisionForm, _("督办"), "warning"),
    Action.ESCALATE: (f.SupervisionForm, _("提级督办"), "danger"),
    Action.CLOSE: (f.CloseForm, _("办结归档"), "dark"),
    Action.MERGE: (f.MergeForm, _("并单"), "secondary"),
    Action.SPLIT: (f.SplitForm, _("拆单"), "secondary"),
}
STEPS: dict[str, Step] = {action: Step(form, WORKFLOW_STEPS[action].run, submit, style)
                          for action, (form, submit, style) in _PAGE.items()}

# The supervision board's row buttons.
SUPERVISION_ACTIONS = (Action.URGE, Action.SUPERVISE, Action.ESCALATE)


@dataclass
class ActionPanel:
    """One allowed action on the request page: its button, and its form in a collapsed panel
    (``is_open`` when a submission was refused and the form comes back with its errors)."""

    action: str
    label: str
    step: Step
    form: f.ActionForm
    is_open: bool = False

    @property
    def dom_id(self) -> str:
        return f"act-{self.action}"


def action_panels(obj, user, allowed: list[str], *, bound: f.ActionForm | None = None,
                  ctx: f.FormContext | None = None) -> list[ActionPanel]:
    """The panels of the request page for the ``allowed`` actions, in that order. ``bound`` (a
    refused submission) replaces its action's empty form and is shown open."""
    ctx = ctx or f.FormContext(obj, user)
    panels = []
    for action in allowed:
        step = STEPS.get(action)
        if step is None:  # a step with no page form (none today): the label alone is not a button
            continue
        if bound is not None and bound.action == action:
            panels.append(ActionPanel(action, Action(action).label, step, bound, is_open=True))
        else:
            panels.append(ActionPanel(action, Action(action).label, step, step.form(ctx=ctx, action=action)))
    return panels
