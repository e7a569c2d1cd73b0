"""The demo's day of work (zhili.workflow.demo): real messages as today's calls, worked by the cast."""

import pytest
from django.core.management import CommandError, call_command

from zhili.requests.choices import Action, Satisfaction, State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.workflow import actions, demo

pytestmark = pytest.mark.django_db


def _historical_replied(unit, n):
    """``n`` historical orders of the fj4 source, replied by 区住建局 (as the importer leaves them)."""
    orders = []
    for i in range(n):
        request = actions.intake(title=f"历史留言{i}", description="小区楼道灯坏了很久没人修。",
                                 source=demo.HISTORICAL_REPLIES_SOURCE, external_id=f"h{i}")
        actions.dispatch(request, unit("370102-D09"))
        actions.accept(request)
        actions.reply(request, "已维修。")
        orders.append(request)
    return orders


def test_day_of_work_goes_through_the_workflow(model, unit, monkeypatch):
    monkeypatch.setattr(demo, "FOLLOW_UPS", 10)
    history = _historical_replied(unit, 12)

    report = demo.run(seed=7)

    calls = ServiceRequest.objects.filter(source=demo.DEMO_SOURCE)
    assert report.calls == calls.count() == demo.CALLS
    # Every call was taken by the operator, by phone, at a Lixia address.
    intakes = RequestEvent.objects.filter(request__in=calls, action=Action.INTAKE)
    assert {e.actor.username for e in intakes} == {"operator"}
    assert all(r.address.startswith("历下区") for r in calls)
    # The property calls went to 解放路街道 as 物业服务, dispatched by the dispatcher.
    jiefanglu = calls.filter(lead_unit=unit(demo.JIEFANGLU))
    assert report.property_calls == demo.PROPERTY_CALLS == jiefanglu.count()
    assert {r.category.name for r in jiefanglu} == {"物业服务"}
    assert {r.subdistrict_id for r in jiefanglu} == {unit(demo.JIEFANGLU).pk}
    dispatches = RequestEvent.objects.filter(request__in=jiefanglu, action=Action.DISPATCH)
    assert {e.actor.username for e in dispatches} == {"dispatcher"}
    # Handlers accepted some of their new orders (only their own unit's).
    accepts = RequestEvent.objects.filter(request__in=calls, action=Action.ACCEPT)
    assert accepts.count() == report.accepted > 0
    for event in accepts.select_related("request", "actor"):
        assert event.actor.memberships.filter(unit_id=event.request.lead_unit_id).exists()
    # The ten most recent historical replies were followed up, then closed or reopened.
    followed = RequestEvent.objects.filter(action=Action.FOLLOW_UP, request__in=history)
    assert followed.count() == report.followed_up == 10
    assert sum(report.satisfaction.values()) == 10
    for event in followed:
        assert event.note == demo.DEMO_NOTE
        assert event.data["result_satisfaction"] in Satisfaction.values
    states = {r.state for r in ServiceRequest.objects.filter(pk__in=[h.pk for h in history[2:]])}
    assert states <= {State.CLOSED, State.IN_PROGRESS}
    assert ServiceRequest.objects.filter(pk__in=[h.pk for h in history], state=State.IN_PROGRESS).count() \
        == report.reopened


def test_second_run_does_nothing(model, monkeypatch):
    monkeypatch.setattr(demo, "FOLLOW_UPS", 0)
    demo.run()
    events = RequestEvent.objects.count()
    assert demo.run().skipped
    assert RequestEvent.objects.count() == events


def test_refused_without_the_demo_cast(django_user_model):
    django_user_model.objects.filter(username="jiefanglu").delete()
    with pytest.raises(CommandError, match="create-demo-users"):
        call_command("demo_activity")
    assert not ServiceRequest.objects.filter(source=demo.DEMO_SOURCE).exists()
