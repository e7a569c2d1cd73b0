"""The workflow steps a person takes, declared once for every channel that offers them.

One row per action a person can take (the system-only steps, yellow and red cards, are not
here): the input fields it reads and the one ``zhili.workflow.actions`` function it calls. The
request page (``zhili.web.steps``: a form and a button per step) and the native API
(``zhili.api.steps``: a serializer per step) both run these rows; each channel only turns its
input into ``data`` — objects for units, categories, articles and the primary order, a list of
(title, text, unit) for a split — and the function checks every rule and writes the event.

``Step.run(order, data, actor, version)`` → the event written (a list of the new orders for a
split). ``data`` holds every name in ``fields``; ``version`` is the order's version the actor
saw (``expected_version``). Raises the workflow's errors (``zhili.workflow.errors``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from zhili.requests.choices import Action

from . import actions


@dataclass(frozen=True)
class Step:
    """One step: the ``fields`` of ``data`` it reads and its workflow ``call``."""

    action: str
    fields: tuple[str, ...]
    call: Callable

    def run(self, order, data: dict, actor, version: int | None):
        """Take the step on ``order`` as ``actor`` (see the module docstring)."""
        return self.call(order, data, actor, version)


def _supervise(action: str) -> Step:
    return Step(action, ("note",),
                lambda o, d, u, v: actions.supervise(o, action, actor=u, note=d["note"], expected_version=v))


STEPS: dict[str, Step] = {step.action: step for step in (
    Step(Action.RESOLVE_AT_INTAKE, ("article", "answer"), lambda o, d, u, v: actions.resolve_at_intake(
        o, d["article"], actor=u, answer=d["answer"], expected_version=v)),
    Step(Action.DECLINE, ("reason", "note"), lambda o, d, u, v: actions.decline(
        o, d["reason"], actor=u, note=d["note"], expected_version=v)),
    Step(Action.CLASSIFY, ("category", "subdistrict", "note"), lambda o, d, u, v: actions.classify(
        o, d["category"], actor=u, note=d["note"], subdistrict=d["subdistrict"], expected_version=v)),
    Step(Action.QUEUE_FOR_DISPATCH, ("reason",), lambda o, d, u, v: actions.queue_for_dispatch(
        o, reason=d["reason"] or gettext_noop("转人工派单"), actor=u, expected_version=v)),
    Step(Action.DISPATCH, ("lead_unit", "category", "note"), lambda o, d, u, v: actions.dispatch(
        o, d["lead_unit"], actor=u, note=d["note"], category=d["category"], expected_version=v)),
    Step(Action.REASSIGN, ("lead_unit", "note"), lambda o, d, u, v: actions.reassign(
        o, d["lead_unit"], actor=u, note=d["note"], expected_version=v)),
    Step(Action.FORCE_DISPATCH, ("note",), lambda o, d, u, v: actions.force_dispatch(
        o, actor=u, note=d["note"], expected_version=v)),
    Step(Action.ACCEPT, (), lambda o, d, u, v: actions.accept(o, actor=u, expected_version=v)),
    Step(Action.RETURN, ("reason",), lambda o, d, u, v: actions.return_to_hotline(
        o, d["reason"], actor=u, expected_version=v)),
    Step(Action.CONTACT, ("note",), lambda o, d, u, v: actions.contact(
        o, actor=u, note=d["note"], expected_version=v)),
    Step(Action.ADD_ASSISTING_UNIT, ("unit", "working_days"), lambda o, d, u, v: actions.add_assisting_unit(
        o, d["unit"], actor=u, working_days=d["working_days"], expected_version=v)),
    Step(Action.ASSIST_REPORT, ("text",), lambda o, d, u, v: actions.assist_report(
        o, d["text"], actor=u, expected_version=v)),
    Step(Action.REQUEST_EXTENSION, ("working_days", "reason"), lambda o, d, u, v: actions.request_extension(
        o, d["working_days"], d["reason"], actor=u, expected_version=v)),
    Step(Action.APPROVE_EXTENSION, ("note",), lambda o, d, u, v: actions.approve_extension(
        o, actor=u, note=d["note"], expected_version=v)),
    Step(Action.REJECT_EXTENSION, ("note",), lambda o, d, u, v: actions.reject_extension(
        o, actor=u, note=d["note"], expected_version=v)),
    Step(Action.INTERIM_REPLY, ("text", "promised_date"), lambda o, d, u, v: actions.interim_reply(
        o, d["text"], d["promised_date"], actor=u, expected_version=v)),
    Step(Action.REPLY, ("text",), lambda o, d, u, v: actions.reply(o, d["text"], actor=u, expected_version=v)),
    Step(Action.REQUEST_STOP, ("note",), lambda o, d, u, v: actions.request_stop(
        o, d["note"], actor=u, expected_version=v)),
    Step(Action.APPROVE_REVIEW, ("note",), lambda o, d, u, v: actions.approve_review(
        o, actor=u, note=d["note"], expected_version=v)),
    Step(Action.SEND_BACK, ("note",), lambda o, d, u, v: actions.send_back(
        o, actor=u, note=d["note"], expected_version=v)),
    Step(Action.FOLLOW_UP, ("contacted", "solved", "service_satisfaction", "result_satisfaction", "note"),
         lambda o, d, u, v: actions.follow_up(
             o, actor=u, contacted=d["contacted"], solved=d["solved"],
             service_satisfaction=d["service_satisfaction"], result_satisfaction=d["result_satisfaction"],
             note=d["note"], expected_version=v)),
    Step(Action.REOPEN, ("note",), lambda o, d, u, v: actions.reopen(o, actor=u, note=d["note"], expected_version=v)),
    _supervise(Action.URGE),
    _supervise(Action.SUPERVISE),
    _supervise(Action.ESCALATE),
    Step(Action.CLOSE, ("note",), lambda o, d, u, v: actions.close(o, actor=u, note=d["note"], expected_version=v)),
    Step(Action.MERGE, ("primary",), lambda o, d, u, v: actions.merge(o, d["primary"], actor=u, expected_version=v)),
    Step(Action.SPLIT, ("parts",), lambda o, d, u, v: actions.split(o, d["parts"], actor=u, expected_version=v)),
)}
