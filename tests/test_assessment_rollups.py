"""The rollups are the event log summed: an incremental refresh from the watermark gives exactly
what a rebuild from the whole log gives, and totals() from the rollup equal totals() counted
over the orders themselves."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhili.assessment import rollups
from zhili.assessment.models import DailyActivity, RequestCell, RollupState
from zhili.assessment.stats import totals
from zhili.requests.choices import Satisfaction
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.taxonomy.models import Category
from zhili.workcalendar.service import LOCAL_TZ
from zhili.workflow import actions

ZHUJIAN = "370102-D09"


def _key(row: tuple) -> tuple:
    return tuple((value is None, value if value is not None else 0) for value in row)


def snapshot() -> tuple:
    daily = sorted((tuple(row.values()) for row in DailyActivity.objects.values(
        "day", "unit", "category1", "category2", "subdistrict", *rollups.Counts.names())), key=_key)
    cells = sorted((tuple(row.values()) for row in RequestCell.objects.filter(requests__gt=0).values(
        "month", "state", "lead_unit", "category1", "subdistrict", "requests")), key=_key)
    return daily, cells


def lifecycle(make_request, user, unit, *, at=None, result=Satisfaction.SATISFIED):
    request = make_request(at=at, subdistrict=unit("370102001"))
    actions.classify(request, Category.objects.get(name="自来水供应"), at=at)
    actions.dispatch(request, unit(ZHUJIAN), actor=user("dispatcher"))
    actions.accept(request, actor=user("zhujian"))
    actions.reply(request, "已处理。", actor=user("zhujian"))
    actions.approve_review(request, actor=user("operator"))
    actions.follow_up(request, actor=user("operator"), contacted=True, solved=True,
                      service_satisfaction=result, result_satisfaction=result)
    return request


@pytest.mark.django_db
def test_incremental_refreshes_equal_a_rebuild(make_request, user, unit):
    """GIVEN orders handled in several steps with a refresh between them (one received last
    year, one re-followed-up, one merged, one re-classified while waiting)
    THEN the rollups equal those rebuilt from the whole event log."""
    old = dt.datetime(2025, 3, 14, 9, 30, tzinfo=LOCAL_TZ)
    first = lifecycle(make_request, user, unit, at=old)
    rollups.refresh()
    second = lifecycle(make_request, user, unit, result=Satisfaction.DISSATISFIED)
    rollups.refresh()
    actions.reopen(second, actor=user("dispatcher"), note="不满意")
    actions.reply(second, "再次处理。", actor=user("zhujian"))
    actions.approve_review(second, actor=user("operator"))
    actions.follow_up(second, actor=user("operator"), contacted=True, solved=True,
                      service_satisfaction=Satisfaction.SATISFIED, result_satisfaction=Satisfaction.SATISFIED)
    duplicate = make_request()
    rollups.refresh()
    actions.merge(duplicate, second, actor=user("operator"))
    waiting = make_request()
    rollups.refresh()
    actions.classify(waiting, Category.objects.get(name="教育文体"), actor=user("dispatcher"))
    actions.close(second, actor=user("operator"))
    actions.close(first, actor=user("operator"))
    result = rollups.refresh()
    assert result.events > 0 and not result.rebuilt
    incremental = snapshot()
    rollups.rebuild()
    assert snapshot() == incremental
    assert sum(r[5] for r in incremental[0]) == 4  # received: four orders


@pytest.mark.django_db
def test_refresh_with_nothing_new_does_nothing(make_request):
    make_request()
    rollups.refresh()
    again = rollups.refresh()
    assert (again.events, again.days, again.requests) == (0, 0, 0)


@pytest.mark.django_db
def test_a_late_committed_event_below_the_watermark_is_picked_up_from_the_gaps(make_request):
    """An id below the watermark that was not visible at the last refresh (another transaction
    still open) is remembered as a gap and counted when it appears."""
    make_request()
    rollups.refresh()
    late = make_request()  # its intake event stands for the late commit
    event_id = RequestEvent.objects.get(request=late, seq=1).pk
    state = RollupState.objects.get()
    state.last_event_id = event_id + 5  # as if later ids had been read already…
    state.gaps = {str(event_id): timezone.now().isoformat()}  # …while this one was still missing
    state.save()
    assert sum(DailyActivity.objects.values_list("received", flat=True)) == 1
    rollups.refresh()
    assert sum(DailyActivity.objects.values_list("received", flat=True)) == 2
    assert RollupState.objects.get().gaps == {}


@pytest.mark.django_db
def test_missing_ids_are_gaps_until_they_expire(make_request):
    make_request()
    rollups.refresh()
    state = RollupState.objects.get()
    top = state.last_event_id
    state.last_event_id = top - 1  # pretend the last id was a hole when first read
    state.gaps = {}
    state.save()
    old = (timezone.now() - rollups.GAP_TTL - dt.timedelta(minutes=1)).isoformat()
    state.gaps = {str(top + 1000): old}  # a rolled-back id, long ago
    state.save()
    rollups.refresh()
    assert RollupState.objects.get().gaps == {}


@pytest.mark.django_db
def test_totals_from_the_rollup_equal_totals_over_the_orders(make_request, user, unit, model):
    make_request()
    make_request("学校乱收费", "某小学违规收取补课费，请教育局查处。", route=True)
    lifecycle(make_request, user, unit, at=dt.datetime(2025, 12, 31, 23, 30, tzinfo=LOCAL_TZ))
    assert totals() == totals(ServiceRequest.objects.all())
    assert totals(month="2025-12") == totals(ServiceRequest.objects.all(), month="2025-12")
    assert totals(month="2025-12")["requests"] == 1
    assert totals(month="2026-01")["requests"] == 0 or totals(month="2026-01") == totals(
        ServiceRequest.objects.all(), month="2026-01")


@pytest.mark.django_db
def test_stats_json_month_keeps_its_keys(make_request):
    make_request(at=dt.datetime(2025, 6, 1, 0, 5, tzinfo=LOCAL_TZ))  # local June, UTC May
    out = io.StringIO()
    call_command("stats", "--json", "--month", "2025-06", stdout=out)
    data = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(data) == {"requests", "undispatched", "overdue", "by_state", "by_category", "by_lead_unit",
                         "by_subdistrict", "by_month"}
    assert data["requests"] == 1 and data["by_month"] == {"2025-06": 1}


@pytest.mark.django_db
def test_refresh_rollups_command(make_request):
    make_request()
    out = io.StringIO()
    call_command("refresh_rollups", stdout=out)
    call_command("refresh_rollups", "--rebuild", stdout=out)
    assert "重建" in out.getvalue()


@pytest.mark.django_db
def test_archived_history_is_counted_apart_from_handled_orders(make_request, user, unit):
    """历史归档 (a history import's unreplied message) is never counted as 已办结: its own key in
    the state totals, from the rollup and from the orders alike, and in `zhili stats`."""
    at = dt.datetime(2019, 3, 5, 10, 0, tzinfo=LOCAL_TZ)
    actions.archive(make_request(at=at), at=at)
    actions.archive(make_request(at=at), at=at)
    lifecycle(make_request, user, unit, at=at)  # handled and closed in Zhili
    expected_closed = totals(ServiceRequest.objects.filter(resolution=""))["by_state"].get("closed", 0)
    for counted in (totals(month="2019-03"), totals(ServiceRequest.objects.all(), month="2019-03")):
        assert counted["by_state"]["archived"] == 2
        assert counted["by_state"].get("closed", 0) == expected_closed
        assert counted["requests"] == 3
    out = io.StringIO()
    call_command("stats", "--month", "2019-03", stdout=out)
    text = out.getvalue()
    assert "历史归档\t2" in text and "未派单 0" in text  # the header: none is waiting for dispatch
    assert "无主办单位\t2" in text  # the per-unit list: the archived orders have no lead unit


@pytest.mark.django_db
def test_resetting_the_watermark_recounts_orders_in_their_current_cells(make_request):
    """What migration 0002 does: orders counted under an old key (archived orders under closed,
    before 历史归档 had its own) move to their current cell at the next refresh."""
    at = dt.datetime(2019, 3, 5, 10, 0, tzinfo=LOCAL_TZ)
    actions.archive(make_request(at=at), at=at)
    rollups.refresh()
    RequestCell.objects.filter(state="archived").update(state="closed")  # as counted before
    from zhili.assessment.models import RequestCellMember
    RequestCellMember.objects.filter(state="archived").update(state="closed")
    assert totals()["by_state"] == {"closed": 1}
    RollupState.objects.update(last_event_id=0, gaps={})
    assert totals()["by_state"] == {"archived": 1}
