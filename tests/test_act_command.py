"""``zhili act``: the follow-up facts (BJ 23, JN 27) must be stated by the operator; an omitted
fact is an error naming the option, never a silent "not contacted / not solved"."""

import io

import pytest
from django.core.management import CommandError, call_command

from zhili.requests.choices import Action, State

pytestmark = pytest.mark.django_db

FACTS = {"contacted": ["--contacted"], "solved": ["--solved"], "service": ["--service", "satisfied"],
         "result": ["--result", "basically_satisfied"]}


@pytest.fixture
def awaiting_follow_up(make_request):
    request = make_request()
    for step, user, extra in [("dispatch", "dispatcher", ["--unit", "370102-D09"]), ("accept", "zhujian", []),
                              ("reply", "zhujian", ["--text", "已修复"]), ("approve_review", "dispatcher", [])]:
        call_command("act", request.number, step, "--user", user, *extra, stdout=io.StringIO())
    request.refresh_from_db()
    assert request.state == State.AWAITING_FOLLOW_UP
    return request


def follow_up(request, *options):
    call_command("act", request.number, "follow_up", "--user", "operator", *options, stdout=io.StringIO())


@pytest.mark.parametrize("left_out, named", [
    ("contacted", "--contacted 或 --no-contacted"), ("solved", "--solved 或 --no-solved"),
    ("service", "--service"), ("result", "--result"),
])
def test_a_follow_up_without_a_fact_is_refused_naming_the_option(awaiting_follow_up, left_out, named):
    options = [o for key, flag in FACTS.items() if key != left_out for o in flag]
    with pytest.raises(CommandError, match=f"回访须写明：{named}"):
        follow_up(awaiting_follow_up, *options)
    awaiting_follow_up.refresh_from_db()
    assert awaiting_follow_up.state == State.AWAITING_FOLLOW_UP
    assert not awaiting_follow_up.events.filter(action=Action.FOLLOW_UP).exists()


def test_a_follow_up_with_no_options_names_every_missing_one(awaiting_follow_up):
    with pytest.raises(CommandError) as refused:
        follow_up(awaiting_follow_up)
    assert all(flag in str(refused.value) for flag in ("--contacted", "--solved", "--service", "--result"))


def test_explicit_no_is_recorded_as_no(awaiting_follow_up):
    follow_up(awaiting_follow_up, "--no-contacted", "--no-solved", "--service", "dissatisfied",
              "--result", "dissatisfied")
    awaiting_follow_up.refresh_from_db()
    assert (awaiting_follow_up.followup_contacted, awaiting_follow_up.followup_solved) == (False, False)
    event = awaiting_follow_up.events.get(action=Action.FOLLOW_UP)
    assert event.data["contacted"] is False and event.data["solved"] is False


def test_explicit_yes_is_recorded_as_yes(awaiting_follow_up):
    follow_up(awaiting_follow_up, *[o for flag in FACTS.values() for o in flag])
    awaiting_follow_up.refresh_from_db()
    assert (awaiting_follow_up.followup_contacted, awaiting_follow_up.followup_solved) == (True, True)
    assert awaiting_follow_up.result_satisfaction == "basically_satisfied"
