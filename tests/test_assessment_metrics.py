"""三率, local measures and the monthly ranking computed from the event log written by real
workflow steps, checked against hand-computed numbers (domain.md §3)."""

import datetime as dt

import pytest

from zhili.assessment import metrics
from zhili.assessment.periods import Period, local_day
from zhili.requests.choices import Action, Satisfaction
from zhili.workflow import actions

ZHUJIAN, JIAOTI = "370102-D09", "370102-D03"
S, B, D = Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.DISSATISFIED


@pytest.fixture
def handled(make_request, user, unit):
    """An order dispatched to a unit, accepted, contacted, replied, reviewed and followed up."""

    def make(*, lead=ZHUJIAN, handler="zhujian", contacted=True, solved=True, result=S, service=S,
             follow_up=True, close=False):
        request = make_request()
        actions.dispatch(request, unit(lead), actor=user("dispatcher"))
        actions.accept(request, actor=user(handler))
        actions.contact(request, actor=user(handler))
        actions.reply(request, "已现场处理，问题已解决。", actor=user(handler))
        actions.approve_review(request, actor=user("operator"))
        if follow_up:
            actions.follow_up(request, actor=user("operator"), contacted=contacted, solved=solved,
                              service_satisfaction=service, result_satisfaction=result)
        if close:
            actions.close(request, actor=user("operator"))
        return request

    return make


def this_month(request) -> Period:
    return Period.of_month(local_day(request.events.order_by("-seq").first().at))


def row_of(rows, unit_id):
    return next(r for r in rows if r.key == unit_id)


@pytest.mark.django_db
def test_unit_three_rates_from_follow_up_events(handled, unit):
    """GIVEN four follow-ups of 住建局: (✓,✓,满意) (✓,✓,基本满意) (✓,✗,不满意) (✗,✗,满意)
    THEN 响应率 75 %, 解决率 50 %, 满意率 72.5 %, composite 61.5 (0.1/0.5/0.4, credit 0.9)."""
    handled(contacted=True, solved=True, result=S)
    handled(contacted=True, solved=True, result=B)
    handled(contacted=True, solved=False, result=D, service=B)
    last = handled(contacted=False, solved=False, result=S)
    row = row_of(metrics.assess(this_month(last), "unit"), unit(ZHUJIAN).pk)
    assert row.counts.followed_up == 4
    assert (row.counts.contacted, row.counts.solved) == (3, 2)
    assert row.rates.response == 0.75
    assert row.rates.resolution == 0.5
    assert row.rates.satisfaction == pytest.approx(0.725)
    assert row.rates.composite == pytest.approx(0.615)
    assert row.rates.service_satisfaction == pytest.approx((3 + 0.9) / 4)
    assert row.counts.dispatched == row.counts.accepted == row.counts.replied == 4
    assert row.rates.on_time_acceptance == row.rates.on_time_completion == 1.0


@pytest.mark.django_db
def test_a_unit_without_follow_ups_has_no_rates_and_no_rank(handled, unit):
    last = handled(follow_up=False)
    ranking = metrics.ranking(this_month(last), "unit")
    row = row_of(ranking.rows, unit(ZHUJIAN).pk)
    assert row.counts.replied == 1 and row.counts.followed_up == 0
    assert row.rates.response is None and row.rates.composite is None
    assert row.rank is None and row.mark == ""
    assert metrics.district(this_month(last)).rates.satisfaction is None


@pytest.mark.django_db
def test_all_dissatisfied(handled, unit):
    for _ in range(3):
        last = handled(contacted=True, solved=False, result=D, service=D)
    row = row_of(metrics.assess(this_month(last), "unit"), unit(ZHUJIAN).pk)
    assert (row.rates.response, row.rates.resolution, row.rates.satisfaction) == (1.0, 0.0, 0.0)
    assert row.rates.composite == pytest.approx(0.1)


@pytest.mark.django_db
def test_merged_requests_count_once_through_their_primary(handled, make_request, user, unit):
    """GIVEN two duplicates dispatched to 住建局 and merged into a primary, the primary followed up
    and closed THEN the unit has 3 dispatches, 1 valid follow-up, and all three are closed."""
    duplicates = []
    for _ in range(2):
        duplicate = make_request()
        actions.dispatch(duplicate, unit(ZHUJIAN), actor=user("dispatcher"))
        duplicates.append(duplicate)
    primary = handled(follow_up=False)
    for duplicate in duplicates:
        duplicate.refresh_from_db()
        actions.merge(duplicate, primary, actor=user("operator"))
    actions.follow_up(primary, actor=user("operator"), contacted=True, solved=True,
                      service_satisfaction=S, result_satisfaction=S)
    actions.close(primary, actor=user("operator"))
    row = row_of(metrics.assess(this_month(primary), "unit"), unit(ZHUJIAN).pk)
    assert row.counts.dispatched == 3
    assert row.counts.followed_up == 1
    assert row.rates.response == row.rates.resolution == row.rates.satisfaction == 1.0
    assert row.counts.closed == 3


@pytest.mark.django_db
def test_only_the_latest_follow_up_of_an_order_in_the_month_counts(handled, user, unit):
    """GIVEN a dissatisfied follow-up, a reopen, a second reply and a satisfied follow-up
    THEN one valid follow-up (satisfied) and one reopen: 重办率 100 % (reopens ÷ valid follow-ups)."""
    request = handled(contacted=True, solved=False, result=D, service=D)
    actions.reopen(request, actor=user("dispatcher"), note="诉求人不满意")
    actions.contact(request, actor=user("zhujian"))
    actions.reply(request, "已重新处理完毕。", actor=user("zhujian"))
    actions.approve_review(request, actor=user("operator"))
    actions.follow_up(request, actor=user("operator"), contacted=True, solved=True,
                      service_satisfaction=S, result_satisfaction=S)
    row = row_of(metrics.assess(this_month(request), "unit"), unit(ZHUJIAN).pk)
    assert request.events.filter(action=Action.FOLLOW_UP).count() == 2
    assert row.counts.followed_up == 1
    assert row.rates.satisfaction == 1.0 and row.rates.resolution == 1.0
    assert row.counts.reopened == 1 and row.counts.replied == 2
    assert row.rates.reopen_rate == 1.0


@pytest.mark.django_db
def test_return_rate_is_charged_to_the_unit_that_returned(make_request, user, unit):
    request = make_request()
    actions.dispatch(request, unit(ZHUJIAN), actor=user("dispatcher"))
    actions.return_to_hotline(request, "不属于本单位职责", actor=user("zhujian_lead"))
    actions.reassign(request, unit(JIAOTI), actor=user("dispatcher"))
    rows = metrics.assess(this_month(request), "unit")
    assert row_of(rows, unit(ZHUJIAN).pk).rates.return_rate == 1.0
    jiaoti = row_of(rows, unit(JIAOTI).pk)
    assert jiaoti.counts.dispatched == 1 and jiaoti.rates.return_rate == 0.0


@pytest.mark.django_db
def test_monthly_ranking_orders_units_and_marks_red_and_black_lists(settings, handled, unit):
    settings.ZHILI_RANKING_MIN_FOLLOWUPS = 2
    settings.ZHILI_RED_LIST_MIN_SCORE, settings.ZHILI_BLACK_LIST_BELOW_SCORE = 0.9, 0.8
    for _ in range(2):
        handled(lead=ZHUJIAN, handler="zhujian", result=S)  # composite 1.0
        last = handled(lead=JIAOTI, handler="jiaoti", contacted=True, solved=False, result=D)  # 0.1
    ranking = metrics.ranking(this_month(last), "unit")
    first, second = ranking.ranked[:2]
    assert (first.key, first.rank, first.mark) == (unit(ZHUJIAN).pk, 1, "red")
    assert (second.key, second.rank, second.mark) == (unit(JIAOTI).pk, 2, "black")
    assert [r.key for r in ranking.red] == [unit(ZHUJIAN).pk]
    assert [r.key for r in ranking.black] == [unit(JIAOTI).pk]


@pytest.mark.django_db
def test_subdistrict_and_category_groupings(make_request, user, unit):
    from zhili.taxonomy.models import Category

    water = Category.objects.get(name="自来水供应")
    request = make_request(subdistrict=unit("370102001"))
    actions.classify(request, water)
    actions.dispatch(request, unit(ZHUJIAN), actor=user("dispatcher"))
    period = this_month(request)
    by_place = {r.key: r for r in metrics.assess(period, "subdistrict")}
    assert by_place[unit("370102001").pk].counts.received == 1
    by_category = {r.name: r for r in metrics.assess(period, "category")}
    assert by_category["城乡建设"].counts.received == 1 and by_category["城乡建设"].counts.dispatched == 1
    days = metrics.daily(period)
    assert sum(n for _, n in days) == 1 and len(days) == period.days()


def test_periods():
    assert Period.parse("2019-05").title == "2019年5月"
    assert Period.parse("2019-05").previous().label == "2019-04"
    assert Period.parse("2019-01").previous().label == "2018-12"
    assert Period.parse("2019-Q2").previous().title == "2019年第1季度"
    assert Period.parse("2019-Q1").previous().title == "2018年第4季度"
    assert Period.parse("2019-W18").days() == 7
    assert Period.parse("2019").days() == 365
    with pytest.raises(ValueError):
        Period.parse("2019-13")


@pytest.mark.django_db
def test_valid_follow_ups_are_the_latest_per_order_in_any_period(handled, user, unit):
    """GIVEN an order followed up (dissatisfied) on 20 January, reopened and followed up again
    (satisfied) on 10 February THEN January and February count one follow-up each, the first
    quarter one (the satisfied one), and the week of 20 January one (the dissatisfied one)."""
    from unittest import mock

    from zhili.workcalendar.service import LOCAL_TZ

    def at(day):
        return mock.patch("django.utils.timezone.now",
                          return_value=dt.datetime.combine(day, dt.time(10), tzinfo=LOCAL_TZ))

    with at(dt.date(2025, 1, 20)):
        request = handled(contacted=True, solved=False, result=D, service=D)
        actions.reopen(request, actor=user("dispatcher"), note="不满意")
    with at(dt.date(2025, 2, 10)):
        actions.reply(request, "已重新处理。", actor=user("zhujian"))
        actions.approve_review(request, actor=user("operator"))
        actions.follow_up(request, actor=user("operator"), contacted=True, solved=True,
                          service_satisfaction=S, result_satisfaction=S)
    zhujian = unit(ZHUJIAN).pk

    def follow_ups(text):
        row = metrics.counts_by(Period.parse(text), "unit")[zhujian]
        return row.followed_up, row.result_satisfied, row.result_dissatisfied

    assert follow_ups("2025-01") == (1, 0, 1)
    assert follow_ups("2025-02") == (1, 1, 0)
    assert follow_ups("2025-Q1") == (1, 1, 0)
    assert follow_ups("2025-W04") == (1, 0, 1)
    assert metrics.district(Period.parse("2025")).counts.followed_up == 1
    assert metrics.counts_by(Period.parse("2025-Q1"), "unit")[zhujian].replied == 2  # other counts: rollup


@pytest.mark.django_db
def test_assess_command_for_any_period(handled):
    import io
    import json

    from django.core.management import call_command

    last = handled()
    out = io.StringIO()
    call_command("assess", "--period", str(this_month(last).start.year), "--json", stdout=out)
    data = json.loads(out.getvalue().strip().splitlines()[-1])
    assert data["rows"][0]["name"] == "区住建局" and data["rows"][0]["rates"]["composite"] == 1.0
    call_command("assess", "--by", "subdistrict", stdout=out)
