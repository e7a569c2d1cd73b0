"""The permission matrix: each role × each action × own unit / other unit.

The expected table is written out here, independently of ``zhili.workflow.rules``, so a change
to who may do what must change this test too. The order is led by 区住建局 (370102-D09), with
解放路街道 (370102001) as assisting unit: zhujian/zhujian_lead act on their own unit's order,
jiaoti (教体局) on another unit's; ``outsider`` has no role at all.
"""

import pytest

from zhili.requests.choices import Action
from zhili.workflow import actions
from zhili.workflow.engine import check_actor
from zhili.workflow.errors import ActionForbidden

pytestmark = pytest.mark.django_db

CAST = ["operator", "dispatcher", "zhujian", "zhujian_lead", "jiaoti", "jiefanglu", "supervisor", "leader",
        "admin", "outsider"]
HOTLINE_INTAKE = {"operator", "admin"}
HOTLINE = {"operator", "dispatcher", "admin"}
DISPATCH = {"dispatcher", "admin"}
# An administrator holds every role but is no member of a unit: unit steps stay with the unit.
OWN_HANDLERS = {"zhujian", "zhujian_lead"}
OWN_LEADER = {"zhujian_lead"}

EXPECTED = {
    Action.RESOLVE_AT_INTAKE: HOTLINE_INTAKE,
    Action.DECLINE: HOTLINE,
    Action.CLASSIFY: HOTLINE,
    Action.QUEUE_FOR_DISPATCH: {"operator", "admin"},
    Action.DISPATCH: DISPATCH,
    Action.REASSIGN: DISPATCH,
    Action.FORCE_DISPATCH: DISPATCH,
    Action.ACCEPT: OWN_HANDLERS,
    Action.RETURN: OWN_LEADER,
    Action.CONTACT: OWN_HANDLERS,
    Action.ADD_ASSISTING_UNIT: {"dispatcher", "zhujian_lead", "admin"},
    Action.ASSIST_REPORT: {"jiefanglu"},
    Action.REQUEST_EXTENSION: OWN_LEADER,
    Action.APPROVE_EXTENSION: DISPATCH,
    Action.REJECT_EXTENSION: DISPATCH,
    Action.INTERIM_REPLY: OWN_HANDLERS,
    Action.REPLY: OWN_HANDLERS,
    Action.REQUEST_STOP: OWN_LEADER,
    Action.APPROVE_REVIEW: HOTLINE,
    Action.SEND_BACK: HOTLINE,
    Action.FOLLOW_UP: HOTLINE_INTAKE,
    Action.REOPEN: {"dispatcher", "supervisor", "admin"},
    Action.URGE: {"dispatcher", "supervisor", "admin"},
    Action.SUPERVISE: {"supervisor", "admin"},
    Action.ESCALATE: {"supervisor", "leader", "admin"},
    Action.YELLOW_CARD: set(),
    Action.RED_CARD: set(),
    Action.REFINE: set(),  # the worker's second classification: the system only
    Action.ARCHIVE: set(),  # import --history: the system only
    Action.CLOSE: HOTLINE,
    Action.MERGE: HOTLINE,
    Action.SPLIT: DISPATCH,
}


@pytest.fixture
def led_by_zhujian(make_request, unit, user, django_user_model):
    django_user_model.objects.get_or_create(username="outsider")
    request = make_request()
    actions.dispatch(request, unit("370102-D09"))
    actions.add_assisting_unit(request, unit("370102001"), actor=user("dispatcher"))
    return request


def test_the_table_covers_every_action():
    from zhili.workflow.rules import TRANSITIONS

    assert set(EXPECTED) == set(TRANSITIONS)


@pytest.mark.parametrize("action", list(EXPECTED))
def test_who_may_take_each_action(action, led_by_zhujian, user):
    allowed = set()
    for username in CAST:
        try:
            check_actor(led_by_zhujian, action, user(username))
        except ActionForbidden:
            continue
        allowed.add(username)
    assert allowed == EXPECTED[action]


@pytest.mark.parametrize("action", [a for a, who in EXPECTED.items() if "zhujian" in who or "zhujian_lead" in who])
def test_unit_actions_are_refused_on_another_units_order(action, make_request, unit, user):
    request = make_request()
    actions.dispatch(request, unit("370102-D03"))  # led by 教体局
    for username in ("zhujian", "zhujian_lead"):
        with pytest.raises(ActionForbidden):
            check_actor(request, action, user(username))


def test_system_only_steps_are_refused_to_people_and_allowed_to_the_system(led_by_zhujian, user):
    check_actor(led_by_zhujian, Action.RED_CARD, None)
    with pytest.raises(ActionForbidden):
        check_actor(led_by_zhujian, Action.RETURN, None)


def test_row_level_visibility_in_the_queryset(led_by_zhujian, make_request, unit, user):
    from zhili.requests.models import ServiceRequest

    other = make_request()
    actions.dispatch(other, unit("370102-D03"))
    # A community leads no order (66号) but assists: 交通运输局 leads, a community under 解放路街道 assists.
    community_order = make_request()
    actions.dispatch(community_order, unit("370102-D11"))
    actions.add_assisting_unit(community_order, unit("370102001002"), actor=user("dispatcher"))
    visible = {name: set(ServiceRequest.objects.visible_to(user(name)).values_list("pk", flat=True))
               for name in CAST}
    everything = {led_by_zhujian.pk, other.pk, community_order.pk}
    for name in ("operator", "dispatcher", "supervisor", "leader", "admin"):
        assert everything <= visible[name]
    assert visible["zhujian"] == visible["zhujian_lead"] == {led_by_zhujian.pk}
    assert visible["jiaoti"] == {other.pk}
    # The order its sub-unit assists, and the order it assists itself (to report to the lead unit).
    assert visible["jiefanglu"] == {community_order.pk, led_by_zhujian.pk}
    assert visible["outsider"] == set()
