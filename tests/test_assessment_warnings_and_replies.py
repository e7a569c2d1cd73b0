"""Early warning (未诉先办) of rising categories and places, and the reply-quality score."""

import datetime as dt

import pytest

from zhili.assessment import replies
from zhili.assessment.early_warning import early_warnings
from zhili.assessment.models import ReplyReview
from zhili.assessment.periods import Period
from zhili.taxonomy.models import Category
from zhili.workcalendar.service import LOCAL_TZ
from zhili.workflow import actions

AS_OF = dt.date(2025, 6, 15)  # a Sunday: the week is Mon 9 – Sun 15 June


def received(make_request, day: dt.date, category: Category, subdistrict, n: int = 1):
    for i in range(n):
        request = make_request(at=dt.datetime.combine(day, dt.time(9, i), tzinfo=LOCAL_TZ), subdistrict=subdistrict)
        actions.classify(request, category, at=dt.datetime.combine(day, dt.time(9, i, 30), tzinfo=LOCAL_TZ))


@pytest.mark.django_db
def test_a_category_rising_in_one_place_is_flagged_week_over_week(settings, make_request, unit):
    """GIVEN 自来水供应 in 解放路街道: 1 request a week for four weeks, then 9 this week
    THEN it is flagged (category, place and both) with a baseline of 1 a week; 教育 steady is not."""
    settings.ZHILI_WARNING_MIN_COUNT, settings.ZHILI_WARNING_MIN_RATIO, settings.ZHILI_WARNING_MAX_P = 5, 1.5, 0.01
    water = Category.objects.get(name="自来水供应")
    school = Category.objects.get(name="教育文体")
    jiefanglu, qianfoshan = unit("370102001"), unit("370102002")
    for week in range(1, 5):
        received(make_request, AS_OF - dt.timedelta(days=7 * week + 2), water, jiefanglu)
        received(make_request, AS_OF - dt.timedelta(days=7 * week + 2), school, qianfoshan, 6)
    received(make_request, AS_OF - dt.timedelta(days=3), water, jiefanglu, 9)
    received(make_request, AS_OF - dt.timedelta(days=3), school, qianfoshan, 6)
    found = early_warnings(AS_OF)
    kinds = {(w.kind, w.category, w.subdistrict) for w in found}
    second = water.parent if water.level == 3 else water  # warnings name the second level
    water_name = f"{second.parent.name} / {second.name}"
    assert ("category_place", water_name, "解放路街道") in kinds
    flagged = next(w for w in found if w.kind == "category_place")
    assert flagged.observed == 9 and flagged.week_over_week.expected == 1.0
    assert flagged.week_over_week.flagged and flagged.year_over_year is None  # no data a year ago
    assert (flagged.week_start, flagged.week_end) == (dt.date(2025, 6, 9), AS_OF)
    assert "环比：本周 9 件，基线每周 1.0 件（9.0 倍）" in flagged.reasons
    assert not any("教育" in w.label or w.subdistrict == "千佛山街道" for w in found)


@pytest.mark.django_db
def test_weeks_without_any_data_are_no_baseline(settings, make_request, unit):
    """GIVEN history that ends years ago and nine calls this week (the demo's situation), THEN
    nothing is flagged: four weeks without a single request in the district are a gap in the
    data, not a baseline of 0; with one request in those weeks anywhere, the rise is flagged."""
    settings.ZHILI_WARNING_MIN_COUNT, settings.ZHILI_WARNING_MIN_RATIO, settings.ZHILI_WARNING_MAX_P = 5, 1.5, 0.01
    water, jiefanglu = Category.objects.get(name="自来水供应"), unit("370102001")
    received(make_request, dt.date(2020, 1, 6), water, jiefanglu, 3)
    received(make_request, AS_OF - dt.timedelta(days=3), water, jiefanglu, 9)
    assert early_warnings(AS_OF) == []
    received(make_request, AS_OF - dt.timedelta(days=20), Category.objects.get(name="教育文体"), unit("370102002"))
    assert any(w.kind == "category_place" and w.observed == 9 for w in early_warnings(AS_OF))


@pytest.mark.django_db
def test_same_season_last_year_is_a_baseline_when_there_is_data(settings, make_request, unit):
    settings.ZHILI_WARNING_MIN_COUNT, settings.ZHILI_WARNING_MIN_RATIO, settings.ZHILI_WARNING_MAX_P = 5, 1.5, 0.01
    heat = Category.objects.get(name="城乡建设")
    place = unit("370102003")
    last_year = AS_OF - dt.timedelta(days=364)
    for offset in (-7, 0, 7):
        received(make_request, last_year + dt.timedelta(days=offset - 2), heat, place, 2)
    for week in range(1, 5):  # the same level recently: no week-over-week rise …
        received(make_request, AS_OF - dt.timedelta(days=7 * week + 2), heat, place, 8)
    received(make_request, AS_OF - dt.timedelta(days=2), heat, place, 10)  # … but 5 × last year
    found = [w for w in early_warnings(AS_OF) if w.kind == "place"]
    assert len(found) == 1
    assert not found[0].week_over_week.flagged
    assert found[0].year_over_year.flagged and found[0].year_over_year.expected == 2.0


@pytest.mark.parametrize(("text", "missing"), [
    ("网友您好！经现场调查核实，我局已责令施工单位立即整改，目前噪音问题已整改到位。如有疑问请致电 0531-86001234。",
     {"time", "basis"}),
    ("您反映的问题已转交。", {"greeting", "investigation", "measure", "result", "time", "contact", "basis"}),
])
def test_completeness_checks(text, missing):
    score, found_missing = replies.completeness(text)
    assert set(found_missing) == missing
    expected = sum(c.weight for c in replies.CHECKS if c.code not in missing)
    if len(text) < replies.SHORT_REPLY:
        expected *= len(text) / replies.SHORT_REPLY
    assert score == pytest.approx(expected)


def test_a_reply_that_answers_the_message_is_more_relevant_than_one_that_does_not():
    message = "丽发新城小区附近搅拌站噪音扰民，夜间施工粉尘严重，请求环保部门查处。"
    on_topic = "经核查，丽发新城附近搅拌站夜间施工噪音扰民属实，已责令停止夜间施工并治理粉尘。"
    off_topic = "您好，关于医保异地报销的问题，请携带相关材料到窗口办理。"
    near, far = replies.similarities([message, message], [on_topic, off_topic])
    assert near > far


@pytest.mark.django_db
def test_replies_are_scored_once_and_the_weakest_listed_first(make_request, user, unit):
    jan = dt.datetime(2025, 1, 6, 9, 0, tzinfo=LOCAL_TZ)  # Monday
    good = make_request("小区门口路灯不亮", "小区门口路灯坏了很久，晚上很黑，请维修。", at=jan)
    poor = make_request("学校周边占道经营", "学校门口小贩占道，影响学生安全。", at=jan)
    for request, text, days in (
        (good, "您好！经现场核实，小区门口路灯损坏属实，我单位已安排维修，路灯已于1月8日修复并恢复照明。如有疑问请致电 0531-86001234。", 2),
        (poor, "已收悉。", 40),
    ):
        actions.dispatch(request, unit("370102-D09"), at=jan)
        actions.accept(request, at=jan)
        actions.reply(request, text, at=jan + dt.timedelta(days=days))
    assert replies.assess_replies() == 2
    assert replies.assess_replies() == 0  # idempotent
    january = replies.weakest(Period.parse("2025-01"), 10)
    assert [r.request_id for r in january] == [good.pk]  # replied in January; the poor one in February
    february = replies.weakest(Period.parse("2025-02"), 10)
    assert [r.request_id for r in february] == [poor.pk]
    review = ReplyReview.objects.get(request=good)
    assert review.working_days == 2 and review.timeliness == 1.0
    assert set(review.missing) <= {"basis"}
    assert ReplyReview.objects.get(request=poor).score < review.score
    summary = replies.summary(Period.parse("2025-01"))
    assert summary["replies"] == 1 and summary["within_limit"] == 1.0
