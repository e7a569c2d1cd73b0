"""The benchmark's synthetic orders (zhili generate-requests) are the rows the workflow writes:
every event replays against the declared transitions, and one generated life equals a real
workflow run step for step."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from zhili.assessment import generator, metrics, rollups
from zhili.assessment.periods import Period
from zhili.organisation.roles import roles_of
from zhili.requests.choices import Action, State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.workcalendar.service import LOCAL_TZ
from zhili.workflow import actions
from zhili.workflow.rules import SYSTEM, TRANSITIONS

START, END = dt.date(2025, 1, 1), dt.date(2025, 4, 1)
NOW = dt.datetime(2025, 3, 25, 12, 0, tzinfo=LOCAL_TZ)
HAPPY_PATH = [Action.INTAKE, Action.CLASSIFY, Action.DISPATCH, Action.ACCEPT, Action.CONTACT, Action.REPLY,
              Action.APPROVE_REVIEW, Action.FOLLOW_UP, Action.CLOSE]


@pytest.fixture
def generated(db):
    result = generator.generate(60, seed=7, start=START, end=dt.date(2025, 3, 25), now=NOW, batch=25)
    assert result.requests == 60
    return result


def test_every_generated_event_is_a_declared_transition(generated, django_user_model):
    users = {u.pk: u for u in django_user_model.objects.all()}
    orders = ServiceRequest.objects.filter(source=generator.SOURCE)
    assert orders.count() == 60
    assert RequestEvent.objects.filter(request__source=generator.SOURCE).count() == generated.events
    states = set()
    for order in orders:
        events = list(order.events.order_by("seq"))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].action == Action.INTAKE and events[0].to_state == State.RECEIVED
        for before, event in zip(events, events[1:], strict=False):
            transition = TRANSITIONS[event.action]
            assert event.from_state == before.to_state
            assert event.from_state in transition.sources, (event.action, event.from_state)
            assert event.to_state == transition.target_from(event.from_state)
            if event.actor_id is None:
                assert SYSTEM in transition.roles, event.action
            else:
                assert roles_of(users[event.actor_id]) & transition.roles, event.action
            assert event.at >= before.at and event.at <= NOW
        assert order.state == events[-1].to_state and order.version == events[-1].seq
        routed = [e for e in events if e.action in (Action.DISPATCH, Action.REASSIGN)]
        if routed:
            assert order.lead_unit_id == routed[-1].to_unit_id
        follow_ups = [e for e in events if e.action == Action.FOLLOW_UP]
        if follow_ups and events[-1].action in (Action.FOLLOW_UP, Action.CLOSE):
            assert order.result_satisfaction == follow_ups[-1].data["result_satisfaction"]
            assert order.followup_solved == follow_ups[-1].data["solved"]
        if order.state == State.CLOSED:
            assert order.closed_at == events[-1].at
        states.add(order.state)
    assert {State.CLOSED, State.DECLINED} <= states or State.CLOSED in states


def test_a_generated_life_equals_a_workflow_run(generated, make_request, user, unit):
    """The same path through the real workflow writes the same actions, states, units and data
    keys, and leaves the same columns filled."""
    synthetic = next(o for o in ServiceRequest.objects.filter(source=generator.SOURCE)
                     if list(o.events.order_by("seq").values_list("action", flat=True)) == HAPPY_PATH)
    real = make_request(subdistrict=synthetic.subdistrict, community=synthetic.community)
    actions.route(real, given_category=synthetic.category)
    handler = user("zhujian") if real.lead_unit.code == "370102-D09" else None
    actions.accept(real, actor=handler)
    actions.contact(real, actor=handler) if handler else actions.contact(real, actor=None)
    actions.reply(real, "已处理。", actor=handler)
    actions.approve_review(real, actor=user("dispatcher"))
    actions.follow_up(real, actor=user("operator"), contacted=True, solved=True, service_satisfaction="satisfied",
                      result_satisfaction="satisfied")
    actions.close(real, actor=user("operator"))
    real.refresh_from_db()
    assert real.lead_unit_id == synthetic.lead_unit_id

    def shape(order):
        return [(e.seq, e.action, e.from_state, e.to_state, e.from_unit_id, e.to_unit_id,
                 sorted(set(e.data) - {"model_version", "source"}))
                for e in order.events.order_by("seq")]

    assert shape(synthetic) == shape(real)
    empty = {f.attname for f in ServiceRequest._meta.concrete_fields
             if getattr(real, f.attname) in (None, "")} ^ {f.attname for f in ServiceRequest._meta.concrete_fields
                                                         if getattr(synthetic, f.attname) in (None, "")}
    assert empty <= {"requester_name", "requester_phone", "address", "external_id"}  # what this intake leaves out


def test_generated_orders_feed_the_assessment(generated):
    rollups.refresh()
    february = metrics.district(Period.parse("2025-02"))
    assert february.counts.received > 0 and february.counts.followed_up > 0
    assert 0 < february.rates.composite <= 1
    assert metrics.ranking(Period.parse("2025-02"), "unit").rows


def test_generate_requests_command(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("generate_requests", "--count", "30", "--seed", "2", "--start", "2025-01-01", "--end", "2025-02-01",
                 stdout=out, stderr=err)
    assert "合成工单 30 件" in out.getvalue()
    assert ServiceRequest.objects.filter(source=generator.SOURCE).count() == 30
