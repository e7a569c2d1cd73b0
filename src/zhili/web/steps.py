"""Which form each workflow step shows and which ``zhili.workflow.actions`` function it calls.

One row per action that a person can take on the request page (the system-only steps, yellow
and red cards, are never in ``allowed_actions`` and have no form). ``run(obj, data, actor,
version)`` calls exactly one workflow function with the form's cleaned data; the function
checks everything and writes the state and the event.
"""

from collections.abc import Callable
from dataclasses import dataclass

from zhili.requests.choices import Action
from zhili.workflow import actions

from . import forms as f


@dataclass(frozen=True)
class Step:
    """A step as the page offers it: its form, the call, the submit button's text and colour."""

    form: type[f.ActionForm]
    run: Callable
    submit: str = "确定"
    style: str = "primary"  # Bootstrap colour of the buttons

    @property
    def has_fields(self) -> bool:
        return bool(self.form.base_fields) or self.form is f.SplitForm


def _supervise(action: str) -> Callable:
    return lambda o, d, u, v: actions.supervise(o, action, actor=u, note=d["note"], expected_version=v)


STEPS: dict[str, Step] = {
    Action.RESOLVE_AT_INTAKE: Step(f.ResolveForm, lambda o, d, u, v: actions.resolve_at_intake(
        o, d["article"], actor=u, answer=d["answer"], expected_version=v), "直办并办结", "success"),
    Action.DECLINE: Step(f.DeclineForm, lambda o, d, u, v: actions.decline(
        o, d["reason"], actor=u, note=d["note"], expected_version=v), "不予受理", "secondary"),
    Action.CLASSIFY: Step(f.ClassifyForm, lambda o, d, u, v: actions.classify(
        o, d["category"], actor=u, note=d["note"], subdistrict=d["subdistrict"], expected_version=v), "保存分类"),
    Action.QUEUE_FOR_DISPATCH: Step(f.QueueForm, lambda o, d, u, v: actions.queue_for_dispatch(
        o, reason=d["reason"], actor=u, expected_version=v), "转人工派单", "secondary"),
    Action.DISPATCH: Step(f.DispatchForm, lambda o, d, u, v: actions.dispatch(
        o, d["lead_unit"], actor=u, note=d["note"], category=d["category"], expected_version=v), "派单"),
    Action.REASSIGN: Step(f.ReassignForm, lambda o, d, u, v: actions.reassign(
        o, d["lead_unit"], actor=u, note=d["note"], expected_version=v), "改派"),
    Action.FORCE_DISPATCH: Step(f.ForceDispatchForm, lambda o, d, u, v: actions.force_dispatch(
        o, actor=u, note=d["note"], expected_version=v), "强制派单", "warning"),
    Action.ACCEPT: Step(f.ActionForm, lambda o, d, u, v: actions.accept(o, actor=u, expected_version=v), "签收"),
    Action.RETURN: Step(f.ReturnForm, lambda o, d, u, v: actions.return_to_hotline(
        o, d["reason"], actor=u, expected_version=v), "退单", "danger"),
    Action.CONTACT: Step(f.ContactForm, lambda o, d, u, v: actions.contact(
        o, actor=u, note=d["note"], expected_version=v), "记录联系"),
    Action.ADD_ASSISTING_UNIT: Step(f.AssistingUnitForm, lambda o, d, u, v: actions.add_assisting_unit(
        o, d["unit"], actor=u, working_days=d["working_days"], expected_version=v), "增加协办"),
    Action.ASSIST_REPORT: Step(f.AssistReportForm, lambda o, d, u, v: actions.assist_report(
        o, d["text"], actor=u, expected_version=v), "提交反馈"),
    Action.REQUEST_EXTENSION: Step(f.ExtensionForm, lambda o, d, u, v: actions.request_extension(
        o, d["working_days"], d["reason"], actor=u, expected_version=v), "提交延期申请", "warning"),
    Action.APPROVE_EXTENSION: Step(f.ApproveExtensionForm, lambda o, d, u, v: actions.approve_extension(
        o, actor=u, note=d["note"], expected_version=v), "批准延期", "success"),
    Action.REJECT_EXTENSION: Step(f.RejectExtensionForm, lambda o, d, u, v: actions.reject_extension(
        o, actor=u, note=d["note"], expected_version=v), "驳回延期", "danger"),
    Action.INTERIM_REPLY: Step(f.InterimReplyForm, lambda o, d, u, v: actions.interim_reply(
        o, d["text"], d["promised_date"], actor=u, expected_version=v), "提交阶段性答复"),
    Action.REPLY: Step(f.ReplyForm, lambda o, d, u, v: actions.reply(
        o, d["text"], actor=u, expected_version=v), "提交答复", "success"),
    Action.REQUEST_STOP: Step(f.StopForm, lambda o, d, u, v: actions.request_stop(
        o, d["note"], actor=u, expected_version=v), "申请不再办理", "secondary"),
    Action.APPROVE_REVIEW: Step(f.ReviewForm, lambda o, d, u, v: actions.approve_review(
        o, actor=u, note=d["note"], expected_version=v), "审核通过", "success"),
    Action.SEND_BACK: Step(f.SendBackForm, lambda o, d, u, v: actions.send_back(
        o, actor=u, note=d["note"], expected_version=v), "退回重办", "danger"),
    Action.FOLLOW_UP: Step(f.FollowUpForm, lambda o, d, u, v: actions.follow_up(
        o, actor=u, contacted=d["contacted"], solved=d["solved"], service_satisfaction=d["service_satisfaction"],
        result_satisfaction=d["result_satisfaction"], note=d["note"], expected_version=v), "保存回访"),
    Action.REOPEN: Step(f.ReopenForm, lambda o, d, u, v: actions.reopen(
        o, actor=u, note=d["note"], expected_version=v), "重办", "danger"),
    Action.URGE: Step(f.SupervisionForm, _supervise(Action.URGE), "催办", "warning"),
    Action.SUPERVISE: Step(f.SupervisionForm, _supervise(Action.SUPERVISE), "督办", "warning"),
    Action.ESCALATE: Step(f.SupervisionForm, _supervise(Action.ESCALATE), "提级督办", "danger"),
    Action.CLOSE: Step(f.CloseForm, lambda o, d, u, v: actions.close(
        o, actor=u, note=d["note"], expected_version=v), "办结归档", "dark"),
    Action.MERGE: Step(f.MergeForm, lambda o, d, u, v: actions.merge(
        o, d["primary"], actor=u, expected_version=v), "并单", "secondary"),
    Action.SPLIT: Step(f.SplitForm, lambda o, d, u, v: actions.split(
        o, d["parts"], actor=u, expected_version=v), "拆单", "secondary"),
}

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
