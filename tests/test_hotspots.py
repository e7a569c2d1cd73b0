"""Hotspots (热点): grouping requests about the same matter, on the real TipDM messages and on
orders in the database, and the heat index that ranks them."""

import csv
import datetime as dt
import io
import math
from collections import Counter

import pytest

from zhili.assessment import hotspots
from zhili.assessment.hotspots import _Message, find_hotspots, group_messages, place_names
from zhili.assessment.periods import Period
from zhili.datafiles import data_path, read_text
from zhili.workcalendar.service import LOCAL_TZ


def fj3_messages(start: str, end: str) -> list[_Message]:
    rows = csv.DictReader(io.StringIO(read_text(data_path("tipdm2020c/fj3_messages_votes.csv"))))
    messages = []
    for i, r in enumerate(rows):
        if start <= r["留言时间"] < end:
            title = r["留言主题"]
            messages.append(_Message(i, title, f"{title}。{title}。{r['留言详情'][:200]}", r["留言用户"],
                                     int(r["点赞数"] or 0), int(r["反对数"] or 0),
                                     dt.datetime.fromisoformat(r["留言时间"]).replace(tzinfo=LOCAL_TZ), None, "", None))
    return messages


def test_the_real_messages_about_the_mixing_plant_form_one_hotspot():
    """fj3 holds dozens of citizens writing, in their own words, about a concrete mixing plant
    next to 丽发新城 (Nov 2019 – Jan 2020): they end up in one group, which is the largest."""
    messages = fj3_messages("2019-10-01", "2020-01-01")
    groups = group_messages(messages)
    assert sorted(i for g in groups for i in g) == list(range(len(messages)))  # a partition
    people = {id(g): len({messages[i].person for i in g}) for g in groups}
    biggest = max(groups, key=lambda g: people[id(g)])
    titles = [messages[i].title for i in biggest]
    assert people[id(biggest)] >= 20
    assert sum("丽发" in t or "搅拌" in t for t in titles) >= 0.9 * len(titles)
    assert max(len(g) for g in groups) < 100  # no giant chain of unrelated messages


def test_place_names_are_found_in_titles():
    names = place_names("A市万家丽南路丽发新城居民区附近搅拌站扰民")
    assert {"万家丽南路", "丽发新城"} <= names
    assert "伊景园滨河苑" in place_names("投诉A市伊景园滨河苑捆绑车位销售")
    assert not any(n.startswith(("市", "关于")) for n in place_names("关于A市和平小区的问题"))


@pytest.mark.django_db
def test_find_hotspots_ranks_matters_by_people_recency_and_votes(settings, make_request):
    """GIVEN in May 2019: four people writing about the mixing plant at 丽发新城 (one of them
    twice, one message with 3 up-votes), two people about a bus line, and unrelated requests
    THEN the one hotspot (≥ 3 people) is the mixing plant, with its time range, place, people,
    votes and the heat of formulas.heat_index."""
    settings.ZHILI_HOTSPOT_MIN_PEOPLE = 3
    settings.ZHILI_HOTSPOT_HALF_LIFE_DAYS = 30.0
    end = dt.datetime(2019, 6, 1, tzinfo=LOCAL_TZ)
    plant = [
        ("丽发新城小区附近搅拌站噪音扰民", "丽发新城小区旁边的搅拌站日夜施工，噪音和粉尘严重影响居民休息。", "U1", 20, 0),
        ("投诉丽发新城搅拌站粉尘噪音污染", "丽发新城附近搅拌站灰尘大、噪音大，请环保部门查处。", "U2", 10, 3),
        ("丽发新城搅拌站噪音严重扰民", "丽发新城小区附近搅拌站夜间施工噪音扰民，请求处理。", "U3", 5, 0),
        ("再次投诉丽发新城搅拌站噪音", "丽发新城搅拌站噪音问题仍未解决，夜里无法入睡。", "U3", 2, 0),
        ("丽发新城小区旁搅拌站灰尘噪音", "丽发新城小区旁的搅拌站灰尘和噪音让孩子无法学习。", "U4", 1, 0),
    ]
    bus = [("希望805路公交车改道木莲中路", "805路公交车能否改道经过木莲中路，方便居民出行。", "U5", 3, 0),
           ("805路公交车改道走木莲中路的建议", "建议805路公交车改道木莲中路。", "U6", 4, 0)]
    other = [("学校门口占道经营", "某小学门口小贩占道经营，影响学生安全。", "U7", 6, 0),
             ("小区停车收费不合理", "物业擅自上调停车费。", "U8", 7, 0),
             ("医保报销咨询", "异地就医如何报销？", "U9", 8, 0)]
    created = {}
    for title, text, person, days_before, votes in plant + bus + other:
        request = make_request(title, text, at=end - dt.timedelta(days=days_before), requester_name=person)
        if votes:
            type(request).objects.filter(pk=request.pk).update(votes_up=votes)
        created[title] = request
    run = find_hotspots(Period.parse("2019-05"))
    assert run.analysed == 10
    spots = list(run.hotspots.order_by("rank"))
    assert len(spots) == 1
    spot = spots[0]
    assert (spot.requests, spot.people, spot.votes_up) == (5, 4, 3)
    assert spot.place == "丽发新城"
    assert spot.first_at == end - dt.timedelta(days=20) and spot.last_at == end - dt.timedelta(days=1)
    assert sorted(spot.member_ids) == sorted(created[t].pk for t, *_ in plant)
    assert spot.description in [t for t, *_ in plant]
    # heat: per person their heaviest message: U1 2^(-20/30), U2 2^(-10/30)·(1+ln 4), U3 2^(-2/30), U4 2^(-1/30)
    expected = 0.5 ** (20 / 30) + 0.5 ** (10 / 30) * (1 + math.log(4)) + 0.5 ** (2 / 30) + 0.5 ** (1 / 30)
    assert spot.heat == pytest.approx(expected)
    # recomputing replaces the month's run; top() reads it
    assert [h.pk for h in hotspots.top(Period.parse("2019-05"))] == [spot.pk]
    find_hotspots(Period.parse("2019-05"))
    assert Counter(hotspots.HotspotRun.objects.values_list("month", flat=True)) == {dt.date(2019, 5, 1): 1}


@pytest.mark.django_db
def test_a_big_month_is_left_to_the_worker(make_request):
    make_request(at=dt.datetime(2019, 5, 3, tzinfo=LOCAL_TZ))
    make_request(at=dt.datetime(2019, 5, 4, tzinfo=LOCAL_TZ))
    period = Period.parse("2019-05")
    assert hotspots.top(period, inline_limit=1) == []
    assert hotspots.is_deferred(period)
    hotspots.top(period, inline_limit=None)  # the worker / the report computes it
    assert not hotspots.is_deferred(period)


@pytest.mark.django_db
def test_find_hotspots_command(make_request):
    from django.core.management import call_command

    make_request(at=dt.datetime(2019, 5, 3, tzinfo=LOCAL_TZ))
    out = io.StringIO()
    call_command("find_hotspots", "--month", "2019-05", stdout=out)
    assert "2019年5月：分析 1 件诉求" in out.getvalue()
