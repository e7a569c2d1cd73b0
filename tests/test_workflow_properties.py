"""Property-based tests of the workflow (hypothesis): random sequences of steps by random
members of the cast never reach a state the rules forbid; every accepted step writes exactly one
event; refused steps change nothing; a due date is never before its start."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from zhili.requests.choices import Action, State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.workflow import actions
from zhili.workflow.errors import WorkflowError
from zhili.workflow.rules import TRANSITIONS

pytestmark = pytest.mark.django_db

CAST = ["operator", "dispatcher", "zhujian", "zhujian_lead", "jiaoti", "jiefanglu", "supervisor", "leader"]
UNITS = ["370102-D09", "370102-D03", "370102001", "370102-D10"]


def step(action, request, actor, unit, text, flag):
    """Call the workflow function for ``action`` with plausible arguments."""
    from django.utils import timezone

    from zhili.knowledge.models import KnowledgeArticle

    a = actions
    calls = {
        Action.DISPATCH: lambda: a.dispatch(request, unit, actor=actor),
        Action.REASSIGN: lambda: a.reassign(request, unit, actor=actor),
        Action.FORCE_DISPATCH: lambda: a.force_dispatch(request, actor=actor, note=text),
        Action.ACCEPT: lambda: a.accept(request, actor=actor),
        Action.RETURN: lambda: a.return_to_hotline(request, text, actor=actor),
        Action.CONTACT: lambda: a.contact(request, actor=actor),
        Action.ADD_ASSISTING_UNIT: lambda: a.add_assisting_unit(request, unit, actor=actor),
        Action.ASSIST_REPORT: lambda: a.assist_report(request, text, actor=actor),
        Action.REQUEST_EXTENSION: lambda: a.request_extension(request, 3 if flag else 8, text, actor=actor),
        Action.APPROVE_EXTENSION: lambda: a.approve_extension(request, actor=actor),
        Action.REJECT_EXTENSION: lambda: a.reject_extension(request, actor=actor, note=text),
        Action.INTERIM_REPLY: lambda: a.interim_reply(request, text, timezone.localdate() + dt.timedelta(days=9),
                                                      actor=actor),
        Action.REPLY: lambda: a.reply(request, text, actor=actor),
        Action.REQUEST_STOP: lambda: a.request_stop(request, text, actor=actor),
        Action.APPROVE_REVIEW: lambda: a.approve_review(request, actor=actor),
        Action.SEND_BACK: lambda: a.send_back(request, actor=actor, note=text),
        Action.FOLLOW_UP: lambda: a.follow_up(request, actor=actor, contacted=flag, solved=flag,
                                              service_satisfaction="satisfied",
                                              result_satisfaction="satisfied" if flag else "dissatisfied"),
        Action.CLOSE: lambda: a.close(request, actor=actor, note=text),
        Action.REOPEN: lambda: a.reopen(request, actor=actor, note=text),
        Action.URGE: lambda: a.supervise(request, Action.URGE, actor=actor),
        Action.SUPERVISE: lambda: a.supervise(request, Action.SUPERVISE, actor=actor),
        Action.ESCALATE: lambda: a.supervise(request, Action.ESCALATE, actor=actor),
        Action.DECLINE: lambda: a.decline(request, "petition", actor=actor),
        Action.RESOLVE_AT_INTAKE: lambda: a.resolve_at_intake(
            request, KnowledgeArticle.objects.get_or_create(title="知识", body="答复")[0], actor=actor),
        Action.YELLOW_CARD: lambda: a.yellow_card(request),
        Action.RED_CARD: lambda: a.red_card(request),
    }
    return calls[action]()


STEPS = [Action.DISPATCH, Action.REASSIGN, Action.FORCE_DISPATCH, Action.ACCEPT, Action.RETURN, Action.CONTACT,
         Action.ADD_ASSISTING_UNIT, Action.ASSIST_REPORT, Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION,
         Action.REJECT_EXTENSION, Action.INTERIM_REPLY, Action.REPLY, Action.REQUEST_STOP, Action.APPROVE_REVIEW,
         Action.SEND_BACK, Action.FOLLOW_UP, Action.CLOSE, Action.REOPEN, Action.URGE, Action.SUPERVISE,
         Action.ESCALATE, Action.DECLINE, Action.RESOLVE_AT_INTAKE]

def may(request, action, actor) -> bool:
    from zhili.workflow.engine import check_actor
    from zhili.workflow.errors import ActionForbidden

    try:
        check_actor(request, action, actor)
    except ActionForbidden:
        return False
    return True


PROGRESS = [Action.ACCEPT, Action.REPLY, Action.APPROVE_REVIEW, Action.FOLLOW_UP, Action.CLOSE, Action.REOPEN,
            Action.REQUEST_STOP, Action.SEND_BACK]

snapshot_fields = ["state", "version", "lead_unit_id", "due_at", "dispatched_at", "extension_days_total",
                   "supervision_level", "return_count", "reopen_count", "resolution"]


def snapshot(request):
    row = ServiceRequest.objects.filter(pk=request.pk).values(*snapshot_fields).get()
    return row, RequestEvent.objects.filter(request=request).count()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(st.data())
def test_random_sequences_respect_the_rules(make_request, user, unit, data):
    """Half the steps are drawn among those the current state allows (so sequences get far:
    dispatch, accept, reply, review, follow-up, reopen …), half among all; half the actors
    among those whose role and unit fit, half among the whole cast, so many steps are refused."""
    request = make_request()
    for _ in range(data.draw(st.integers(min_value=1, max_value=30), label="length")):
        request = ServiceRequest.objects.get(pk=request.pk)
        # Steps that move the order on weigh more, so sequences reach review, follow-up and reopen.
        applicable = [a for a in STEPS + PROGRESS * 4 if request.state in TRANSITIONS[a].sources
                      and a not in (Action.DECLINE, Action.RESOLVE_AT_INTAKE)] or STEPS
        action = data.draw(st.sampled_from(applicable) | st.sampled_from(STEPS), label="action")
        permitted = [u for u in CAST if may(request, action, user(u))] or CAST
        username = data.draw(st.sampled_from(permitted) | st.sampled_from(CAST), label="actor")
        unit_code = data.draw(st.sampled_from(UNITS), label="unit")
        text = data.draw(st.sampled_from(["理由", "已处理", " "]), label="text")
        flag = data.draw(st.booleans(), label="flag")
        before, events_before = snapshot(request)
        try:
            step(action, request, user(username), unit(unit_code), text, flag)
        except WorkflowError:
            after, events_after = snapshot(request)
            assert (after, events_after) == (before, events_before), f"refused {action} changed the order"
            continue
        event(f"accepted: {action}")
        after, events_after = snapshot(request)
        transition = TRANSITIONS[action]
        assert before["state"] in transition.sources
        assert after["state"] == transition.target_from(before["state"])
        assert events_after == events_before + 1
        assert after["version"] == before["version"] + 1 == events_after
        last = RequestEvent.objects.filter(request=request).order_by("-seq").first()
        assert (last.action, last.from_state, last.to_state) == (action, before["state"], after["state"])
        if after["due_at"] is not None:
            assert after["due_at"] >= after["dispatched_at"]
        assert after["extension_days_total"] <= 10
    final = ServiceRequest.objects.get(pk=request.pk)
    assert list(final.events.values_list("seq", flat=True)) == list(range(1, final.version + 1))
    assert final.state in State.values

