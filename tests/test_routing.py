"""Classification, place and dispatch of new requests (issue: foundation §6)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from zhili.organisation.models import PlaceAlias, Unit, UnitKind
from zhili.requests.choices import Action, State
from zhili.routing import classifier, place
from zhili.routing.dispatch import find_lead_unit
from zhili.routing.models import DispatchRule
from zhili.taxonomy.models import Category
from zhili.workflow import actions

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

SCHOOL = ("孩子学校乱收补课费", "某小学老师要求学生周末到校补课，每人收取补课费八百元，违反教育收费规定，请教育局查处。")


def test_a_new_request_is_classified_and_dispatched_with_a_working_day_deadline(model, make_request):
    request = make_request(*SCHOOL, at=None)
    actions.route(request)
    request.refresh_from_db()
    assert request.category.name == "教育文体"
    assert request.lead_unit.code == "370102-D03"
    assert request.state == State.DISPATCHED
    assert request.due_at == actions.compute_due_at(request.category, request.dispatched_at)[0]
    classify, dispatch = request.events.filter(action__in=[Action.CLASSIFY, Action.DISPATCH]).order_by("seq")
    assert 0.6 <= classify.confidence <= 1
    assert classify.data["model_version"] == model
    assert dispatch.to_unit.code == "370102-D03"
    assert dispatch.data["dispatch_rule_id"] == DispatchRule.objects.get(category__name="教育文体", category__level=1).pk


def test_spring_festival_dispatch_gets_the_right_deadline(model):
    request = actions.intake(title=SCHOOL[0], description=SCHOOL[1], at=dt.datetime(2026, 2, 13, 10, tzinfo=SH))
    actions.route(request, at=dt.datetime(2026, 2, 13, 10, tzinfo=SH))
    assert request.due_at.astimezone(SH).date() == dt.date(2026, 2, 27)


def test_below_the_threshold_the_request_waits_for_a_dispatcher(model, make_request, settings):
    settings.ZHILI_AUTO_DISPATCH_THRESHOLD = 1.01
    request = make_request(*SCHOOL)
    assert actions.route(request) == State.PENDING_DISPATCH
    request.refresh_from_db()
    assert request.lead_unit is None and request.due_at is None
    assert request.category.name == "教育文体"  # the suggestion is kept for the dispatcher
    queued = request.events.get(action=Action.QUEUE_FOR_DISPATCH)
    assert "低于自动派单阈值" in queued.note


def test_without_a_model_intake_still_works_and_queues(no_model, make_request):
    assert classifier.current_version() is None
    assert classifier.predict(["任何文本"]) == [None]
    request = make_request(*SCHOOL)
    assert actions.route(request) == State.PENDING_DISPATCH
    assert request.events.get(action=Action.QUEUE_FOR_DISPATCH).note.startswith("没有可用的分类模型")


def test_a_corrupted_artefact_is_refused_not_loaded(no_model, settings, make_request):
    directory = settings.ZHILI_MODEL_DIR / "category"
    directory.mkdir(parents=True)
    (directory / "broken.skops").write_bytes(b"PK\x03\x04 this is not a model")
    (directory / "current").write_text("broken", encoding="utf-8")
    assert classifier.predict(["学校收费"]) == [None]
    assert actions.route(make_request(*SCHOOL)) == State.PENDING_DISPATCH


def test_an_artefact_with_untrusted_types_is_refused(no_model, settings):
    import skops.io as sio

    directory = settings.ZHILI_MODEL_DIR / "category"
    directory.mkdir(parents=True)
    sio.dump({"payload": dt.timedelta(days=1)}, directory / "evil.skops")
    (directory / "current").write_text("evil", encoding="utf-8")
    assert classifier.current_version() is None


def test_label_from_the_source_is_used_instead_of_the_model(no_model, make_request):
    request = make_request("噪音", "楼下饭店油烟和噪音扰民。")
    environment = Category.objects.get(level=1, name="环境保护")
    actions.route(request, given_category=environment)
    assert request.lead_unit.code == "370102-D23"
    assert request.events.get(action=Action.CLASSIFY).confidence is None


@pytest.mark.parametrize("code", [f"3701020{n:02d}" for n in range(1, 14)])
def test_every_lixia_subdistrict_is_found_by_its_name_and_short_form(code):
    subdistrict = Unit.objects.get(code=code)
    short = subdistrict.name.removesuffix("街道")
    assert place.resolve(f"济南市历下区{subdistrict.name}某小区").subdistrict_id == subdistrict.pk
    assert place.resolve("", f"我住在{short}这边，小区门口路灯不亮").subdistrict_id == subdistrict.pk


def test_a_community_name_gives_the_community_and_its_subdistrict():
    community = Unit.objects.get(code="370102001002")  # 解放桥社区居民委员会
    found = place.resolve("解放桥社区3号楼")
    assert (found.subdistrict_id, found.community_id) == (community.parent_id, community.pk)


def test_aliases_are_matched_and_the_address_wins_over_the_text():
    PlaceAlias.objects.create(alias="泉城广场", unit=Unit.objects.get(code="370102004"))
    assert place.resolve("泉城广场东侧", "文东街道").subdistrict_id == Unit.objects.get(code="370102004").pk
    assert place.resolve("", "不在历下区").subdistrict_id is None


def test_the_most_specific_catalogue_rule_wins_and_territorial_rules_need_a_place():
    water = Category.objects.get(name="自来水供应")
    assert find_lead_unit(water, None).lead_unit.code == "370102-E01"
    street_works = Category.objects.get(name="城管执法", parent__name="城市建设和市政管理")
    assert find_lead_unit(street_works, None).lead_unit.code == "370102-D10"
    property_service = Category.objects.get(name="物业服务")
    subdistrict = Unit.objects.get(code="370102007")
    match = find_lead_unit(property_service, subdistrict)
    assert match.lead_unit == subdistrict and match.rule.territorial
    # Without a place, the territorial rule is skipped for the department above it.
    assert find_lead_unit(property_service, None).lead_unit.code == "370102-D09"
    assert find_lead_unit(property_service, subdistrict).lead_unit.kind != UnitKind.COMMUNITY


def test_an_area_rule_wins_over_the_district_wide_one():
    education = Category.objects.get(level=1, name="教育文体")
    subdistrict = Unit.objects.get(code="370102012")
    DispatchRule.objects.create(category=education, area=subdistrict, lead_unit=Unit.objects.get(code="370102-D01"))
    assert find_lead_unit(education, subdistrict).lead_unit.code == "370102-D01"
    assert find_lead_unit(education, None).lead_unit.code == "370102-D03"


def test_a_catalogue_rule_naming_a_community_queues_the_order_instead_of_failing_intake(model, make_request):
    """An administrator's slip in the catalogue (a community as lead unit, which 66号 forbids)
    must not make intake fail: the order waits for a dispatcher, with the reason."""
    education = Category.objects.get(level=1, name="教育文体")
    community = Unit.objects.filter(kind=UnitKind.COMMUNITY).first()
    DispatchRule.objects.filter(category=education, area=None).update(lead_unit=community)
    request = make_request(*SCHOOL)
    actions.route(request, given_category=education)
    assert request.state == State.PENDING_DISPATCH and request.lead_unit is None
    queued = request.events.get(action=Action.QUEUE_FOR_DISPATCH)
    assert "不能主办工单" in queued.note and community.name in queued.note


def test_the_fast_model_classifies_raw_messages(model):
    """Trained on 1,500 segmented messages, the fast model reads the 495 raw, unsegmented
    messages of fj2_sample_labeled (jieba cuts them) well. (Its time per message is a benchmark's
    business: benchmarks/classifier.py.)"""
    from zhili.datafiles import data_path
    from zhili.routing.evaluation import read_labelled, scores

    texts, labels = read_labelled(data_path("tipdm2020c/fj2_sample_labeled.csv"), "留言详情", "一级分类")
    predicted = [p.label for p in classifier.predict(texts)]
    assert scores(labels, predicted)["macro_f1"] >= 0.8  # 0.839 with these 1,500 messages
