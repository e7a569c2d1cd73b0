"""Yellow and red cards for urgent orders with a limit in natural hours (BJ 13: the hotline runs
24×7): carded on the clock, not on the work calendar (``zhili.workflow.cards``)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from zhili.requests.choices import Action
from zhili.requests.models import ServiceRequest
from zhili.taxonomy.models import Category
from zhili.workflow import actions
from zhili.workflow.cards import YELLOW_SHARE_OF_HOURS, issue_cards, red_due, time_limit_hours, yellow_due

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SH)


@pytest.fixture
def urgent_category():
    category = Category.objects.filter(level=3).order_by("code").first()
    Category.objects.filter(pk=category.pk).update(time_limit_hours=24, time_limit_days=None)
    category.refresh_from_db()
    return category


@pytest.fixture
def urgent(make_request, unit, urgent_category):
    """A 24-hour matter dispatched on Friday 2026-03-06 at 10:00: due Saturday 10:00."""
    request = make_request()
    actions.dispatch(request, unit("370102-D09"), category=urgent_category, at=at(6, 10))
    request.refresh_from_db()
    assert request.due_at == at(7, 10)
    return request


def test_the_hour_limit_is_read_from_the_dispatch_facts(urgent, make_request, unit):
    assert time_limit_hours(urgent) == 24
    assert ServiceRequest.objects.with_time_limit().get(pk=urgent.pk).time_limit_hours == 24
    ordinary = make_request()
    actions.dispatch(ordinary, unit("370102-D09"), at=at(2, 9))
    assert time_limit_hours(ordinary) is None
    assert ServiceRequest.objects.with_time_limit().get(pk=ordinary.pk).time_limit_hours is None


def test_an_hour_limit_order_turns_yellow_when_a_fifth_of_its_limit_is_left(urgent):
    left = dt.timedelta(hours=24 * YELLOW_SHARE_OF_HOURS)  # 4.8 hours
    assert not yellow_due(urgent, urgent.due_at - left - dt.timedelta(minutes=1))
    # On the working-day rule this order would have been yellow since Friday morning.
    assert issue_cards(at(6, 11)).yellow == 0
    assert issue_cards(at(7, 5)).yellow == 0  # Saturday 05:00: 5 hours left
    assert issue_cards(at(7, 5, 30)).yellow == 1  # 4.5 hours left, on a Saturday
    assert issue_cards(at(7, 6)).yellow == 0  # once per deadline


def test_an_hour_limit_order_is_red_at_once_and_again_each_limit_then_escalated(urgent):
    assert issue_cards(at(7, 9, 59)).red == 0
    assert issue_cards(at(7, 10, 1)).red == 1  # Saturday, one minute overdue: natural time
    assert issue_cards(at(7, 20)).red == 0  # not twice within one limit
    assert issue_cards(at(8, 10, 2)).red == 1  # Sunday: another full day overdue
    run = issue_cards(at(9, 10, 3))
    assert (run.red, run.escalated) == (1, 1)
    urgent.refresh_from_db()
    assert (urgent.red_cards, urgent.supervision_level) == (3, 3)
    assert urgent.events.filter(action=Action.RED_CARD).count() == 3


def test_working_day_orders_keep_the_working_day_rule(make_request, unit):
    request = make_request()
    actions.dispatch(request, unit("370102-D09"), at=at(2, 9))  # Monday, due Monday 03-09 end of day
    request = ServiceRequest.objects.with_time_limit().get(pk=request.pk)
    assert not yellow_due(request, at(5, 10)) and yellow_due(request, at(6, 10))
    assert red_due(request, at(10, 9))  # the first working day overdue
    assert not red_due(request, at(14, 9))  # Saturday: no red card on a day off


def test_after_an_extension_the_deadline_counts_working_days(urgent, user):
    actions.accept(urgent, actor=user("zhujian"))
    actions.request_extension(urgent, 2, "需协调", actor=user("zhujian_lead"))
    actions.approve_extension(urgent, actor=user("dispatcher"))
    assert time_limit_hours(ServiceRequest.objects.get(pk=urgent.pk)) is None
