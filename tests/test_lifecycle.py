"""Every path of a work order's life (domain.md §1) with its rules (§2)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from zhili.knowledge.models import KnowledgeArticle
from zhili.requests.choices import Action, Resolution, State
from zhili.requests.models import AssistingUnit, Reminder, RequesterReveal, ServiceRequest
from zhili.requests.privacy import RevealRefused, reveal_phone
from zhili.workflow import actions
from zhili.workflow.cards import issue_cards
from zhili.workflow.errors import ActionForbidden, RuleViolation, TransitionNotAllowed

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def in_progress(make_request, unit, user):
    request = make_request(requester_phone="13812345678")
    actions.dispatch(request, unit("370102-D09"), actor=user("dispatcher"))
    actions.accept(request, actor=user("zhujian"))
    return request


def backdate_dispatch(request, moment):
    """Pretend the order was dispatched at ``moment`` (test set-up only, bypassing the workflow)."""
    due, _ = actions.compute_due_at(request.category, moment)
    ServiceRequest.objects.filter(pk=request.pk).update(dispatched_at=moment, due_at=due)
    request.refresh_from_db()


def test_resolve_at_intake_needs_a_knowledge_article_and_closes(make_request, user):
    request = make_request()
    with pytest.raises(RuleViolation, match="知识库"):
        actions.resolve_at_intake(request, None, actor=user("operator"))
    article = KnowledgeArticle.objects.create(title="供暖时间", body="济南供暖期为 11 月 15 日至次年 3 月 15 日。")
    actions.resolve_at_intake(request, article, actor=user("operator"), answer="已告知供暖时间")
    assert (request.state, request.resolution, request.knowledge_article) == (
        State.CLOSED, Resolution.RESOLVED_AT_INTAKE, article)
    assert request.events.last().data["knowledge_article_id"] == article.pk


def test_decline_needs_a_statutory_reason(make_request, user):
    request = make_request()
    with pytest.raises(RuleViolation, match="法定"):
        actions.decline(request, "不想办", actor=user("operator"))
    actions.decline(request, "petition", actor=user("operator"))
    assert request.state == State.DECLINED and request.decline_reason == "petition"


def test_return_within_two_working_days_then_reassign(in_progress, user, unit):
    actions.return_to_hotline(in_progress, "该路段属市政设施，非住建职责", actor=user("zhujian_lead"))
    assert in_progress.state == State.RETURNED and in_progress.return_count == 1
    actions.reassign(in_progress, unit("370102-D10"), actor=user("dispatcher"), note="异议成立")
    assert (in_progress.state, in_progress.lead_unit.code) == (State.DISPATCHED, "370102-D10")
    assert in_progress.accepted_at is None


def test_force_dispatch_keeps_the_unit_and_the_deadline(in_progress, user):
    due = in_progress.due_at
    actions.return_to_hotline(in_progress, "不是我们的", actor=user("zhujian_lead"))
    actions.force_dispatch(in_progress, actor=user("dispatcher"), note="属住建职责，首接负责")
    assert (in_progress.state, in_progress.lead_unit.code, in_progress.due_at) == (State.DISPATCHED, "370102-D09", due)


def test_return_after_two_working_days_is_refused(make_request, unit, user):
    request = make_request()
    actions.dispatch(request, unit("370102-D09"), actor=user("dispatcher"))
    backdate_dispatch(request, timezone.now() - dt.timedelta(days=10))
    with pytest.raises(RuleViolation, match="超过 2 个工作日"):
        actions.return_to_hotline(request, "不是我们的", actor=user("zhujian_lead"))
    assert request.events.filter(action=Action.RETURN).count() == 0


def test_a_handler_cannot_return_only_the_unit_leader(in_progress, user):
    with pytest.raises(ActionForbidden):
        actions.return_to_hotline(in_progress, "理由", actor=user("zhujian"))


def test_first_contact_is_the_response(in_progress, user):
    actions.contact(in_progress, actor=user("zhujian"), note="电话联系，约定上门")
    first = in_progress.first_contacted_at
    actions.contact(in_progress, actor=user("zhujian"), note="再次联系")
    assert in_progress.first_contacted_at == first
    assert [e.data["first_contact"] for e in in_progress.events.filter(action=Action.CONTACT)] == [True, False]


def test_extension_request_approve_and_the_ten_day_limit(in_progress, user):
    due = in_progress.due_at
    with pytest.raises(RuleViolation, match="1–10"):
        actions.request_extension(in_progress, 11, "工程量大", actor=user("zhujian_lead"))
    actions.request_extension(in_progress, 6, "需协调燃气公司", actor=user("zhujian_lead"))
    with pytest.raises(RuleViolation, match="待审批"):
        actions.request_extension(in_progress, 1, "再延", actor=user("zhujian_lead"))
    actions.approve_extension(in_progress, actor=user("dispatcher"))
    assert in_progress.due_at > due and in_progress.extension_days_total == 6
    with pytest.raises(RuleViolation, match="1–4"):
        actions.request_extension(in_progress, 5, "还要延", actor=user("zhujian_lead"))
    actions.request_extension(in_progress, 4, "还要延", actor=user("zhujian_lead"))
    actions.reject_extension(in_progress, actor=user("dispatcher"), note="理由不足")
    assert in_progress.extension_days_total == 6 and in_progress.pending_extension_days is None


def test_assisting_unit_reports_by_its_own_deadline(in_progress, user, unit):
    actions.add_assisting_unit(in_progress, unit("370102001"), actor=user("dispatcher"), working_days=2)
    assisting = AssistingUnit.objects.get(request=in_progress)
    with pytest.raises(ActionForbidden):
        actions.assist_report(in_progress, "已排查", actor=user("jiaoti"))
    actions.assist_report(in_progress, "街道已排查现场", actor=user("jiefanglu"))
    assisting.refresh_from_db()
    assert assisting.reported_at is not None and assisting.report == "街道已排查现场"
    assert Reminder.objects.filter(unit=unit("370102001"), request=in_progress).exists()


def test_interim_reply_needs_a_future_date(in_progress, user):
    today = timezone.localdate()
    with pytest.raises(RuleViolation, match="晚于今天"):
        actions.interim_reply(in_progress, "已列入维修计划", today, actor=user("zhujian"))
    actions.interim_reply(in_progress, "已列入维修计划", today + dt.timedelta(days=20), actor=user("zhujian"))
    assert in_progress.state == State.IN_PROGRESS and in_progress.promised_at.astimezone(SH).date() == today + dt.timedelta(days=20)


def test_review_send_back_then_follow_up_reopen_and_close(in_progress, user):
    actions.reply(in_progress, "已修复", actor=user("zhujian"))
    actions.send_back(in_progress, actor=user("dispatcher"), note="未说明修复时间")
    assert in_progress.state == State.IN_PROGRESS and in_progress.replied_at is None
    actions.reply(in_progress, "已于周三修复", actor=user("zhujian"))
    actions.approve_review(in_progress, actor=user("dispatcher"))
    with pytest.raises(RuleViolation, match="尚未回访"):
        actions.close(in_progress, actor=user("dispatcher"))
    actions.follow_up(in_progress, actor=user("operator"), contacted=True, solved=False,
                      service_satisfaction="satisfied", result_satisfaction="dissatisfied")
    actions.reopen(in_progress, actor=user("supervisor"), note="诉求人反映未修复")
    assert (in_progress.state, in_progress.reopen_count, in_progress.result_satisfaction) == (State.IN_PROGRESS, 1, "")
    actions.reply(in_progress, "已重新修复", actor=user("zhujian"))
    actions.approve_review(in_progress, actor=user("operator"))
    actions.follow_up(in_progress, actor=user("operator"), contacted=True, solved=True,
                      service_satisfaction="satisfied", result_satisfaction="satisfied")
    actions.close(in_progress, actor=user("operator"))
    assert in_progress.state == State.CLOSED and in_progress.resolution == Resolution.REPLIED
    follow_ups = in_progress.events.filter(action=Action.FOLLOW_UP)
    assert [e.data["result_satisfaction"] for e in follow_ups] == ["dissatisfied", "satisfied"]


def test_stop_with_a_written_note_closes_after_review(in_progress, user):
    with pytest.raises(RuleViolation, match="书面说明"):
        actions.request_stop(in_progress, " ", actor=user("zhujian_lead"))
    actions.request_stop(in_progress, "同一事项已于 2026-03 依法处理并答复", actor=user("zhujian_lead"))
    actions.approve_review(in_progress, actor=user("dispatcher"))
    assert (in_progress.state, in_progress.resolution) == (State.CLOSED, Resolution.STOPPED)


def test_supervision_levels_only_go_up_and_remind_the_unit(in_progress, user, unit):
    actions.supervise(in_progress, Action.SUPERVISE, actor=user("supervisor"), note="请加快")
    actions.supervise(in_progress, Action.URGE, actor=user("supervisor"))
    assert in_progress.supervision_level == 2
    actions.supervise(in_progress, Action.ESCALATE, actor=user("leader"))
    assert in_progress.supervision_level == 3
    assert Reminder.objects.filter(unit=unit("370102-D09"), request=in_progress).count() == 3
    with pytest.raises(ActionForbidden):
        actions.supervise(in_progress, Action.SUPERVISE, actor=user("zhujian"))


def test_merge_and_the_primary_closes_its_duplicates(make_request, unit, user):
    primary, duplicate = make_request(), make_request()
    actions.merge(duplicate, primary, actor=user("operator"))
    assert duplicate.state == State.MERGED and duplicate.merged_into == primary
    with pytest.raises(RuleViolation):
        actions.merge(primary, primary, actor=user("operator"))
    actions.dispatch(primary, unit("370102-D09"), actor=user("dispatcher"))
    actions.accept(primary, actor=user("zhujian"))
    actions.reply(primary, "已处理", actor=user("zhujian"))
    actions.approve_review(primary, actor=user("dispatcher"))
    actions.follow_up(primary, actor=user("operator"), contacted=True, solved=True,
                      service_satisfaction="satisfied", result_satisfaction="satisfied")
    actions.close(primary, actor=user("operator"))
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.resolution) == (State.CLOSED, Resolution.MERGED)
    assert duplicate.events.last().actor is None


def test_split_makes_one_order_per_unit(make_request, unit, user):
    request = make_request(description="小区路灯坏了，而且旁边学校门口乱停车。")
    with pytest.raises(RuleViolation, match="社区"):
        actions.split(request, [("路灯", "路灯坏了", unit("370102-D10")), ("停车", "乱停车", unit("370102001002"))],
                      actor=user("dispatcher"))
    children = actions.split(request, [("路灯", "路灯坏了", unit("370102-D10")),
                                       ("停车", "学校门口乱停车", unit("370102-D22"))], actor=user("dispatcher"))
    request.refresh_from_db()
    assert request.state == State.SPLIT
    assert [(c.state, c.lead_unit.code, c.split_from_id) for c in children] == [
        (State.DISPATCHED, "370102-D10", request.pk), (State.DISPATCHED, "370102-D22", request.pk)]


def test_a_closed_order_refuses_further_handling(in_progress, user):
    actions.request_stop(in_progress, "已依法处理", actor=user("zhujian_lead"))
    actions.approve_review(in_progress, actor=user("dispatcher"))
    for step in (lambda: actions.reply(in_progress, "x", actor=user("zhujian")),
                 lambda: actions.reopen(in_progress, actor=user("dispatcher"), note="x")):
        with pytest.raises((TransitionNotAllowed, RuleViolation)):
            step()


# --- cards ---------------------------------------------------------------------------------------

def test_yellow_card_one_working_day_before_and_red_cards_each_working_day_then_escalation(make_request, unit):
    request = make_request()
    start = dt.datetime(2026, 3, 2, 9, tzinfo=SH)  # Monday
    actions.dispatch(request, unit("370102-D09"), at=start)
    assert request.due_at == dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=SH)
    assert issue_cards(dt.datetime(2026, 3, 5, 10, tzinfo=SH)).yellow == 0  # Thu: 2 working days left
    assert issue_cards(dt.datetime(2026, 3, 6, 10, tzinfo=SH)).yellow == 1  # Fri: the day before
    assert issue_cards(dt.datetime(2026, 3, 9, 10, tzinfo=SH)).yellow == 0  # once per deadline
    assert issue_cards(dt.datetime(2026, 3, 10, 9, tzinfo=SH)).red == 1  # first working day overdue
    assert issue_cards(dt.datetime(2026, 3, 10, 15, tzinfo=SH)).red == 0  # not twice a day
    assert issue_cards(dt.datetime(2026, 3, 14, 9, tzinfo=SH)).red == 0  # Saturday
    assert issue_cards(dt.datetime(2026, 3, 16, 9, tzinfo=SH)).red == 1
    run = issue_cards(dt.datetime(2026, 3, 17, 9, tzinfo=SH))
    assert (run.red, run.escalated) == (1, 1)
    request.refresh_from_db()
    assert (request.red_cards, request.supervision_level) == (3, 3)
    assert Reminder.objects.filter(request=request, action=Action.RED_CARD).count() == 3
    assert request.events.filter(action=Action.ESCALATE, actor=None).count() == 1


def test_the_worker_task_runs_the_cards(make_request, unit, monkeypatch):
    from zhili.workflow import cards
    from zhili.workflow.tasks import cards_and_reminders

    monday = dt.datetime(2026, 11, 30, 10, tzinfo=SH)
    monkeypatch.setattr(cards.timezone, "now", lambda: monday)
    request = make_request()
    actions.dispatch(request, unit("370102-D09"), at=monday - dt.timedelta(days=30))
    result = cards_and_reminders.call_local()
    assert result["red"] == 1
    assert request.events.filter(action=Action.RED_CARD).exists()


# --- privacy ------------------------------------------------------------------------------------

def test_every_reveal_is_logged_and_confidential_orders_hide_the_requester_from_units(in_progress, user):
    assert reveal_phone(in_progress, user("zhujian"), "联系诉求人") == "13812345678"
    assert RequesterReveal.objects.filter(request=in_progress, user=user("zhujian")).count() == 1
    with pytest.raises(RevealRefused):
        reveal_phone(in_progress, user("jiaoti"), "好奇")
    with pytest.raises(RevealRefused):
        reveal_phone(in_progress, user("leader"), "看看")
    ServiceRequest.objects.filter(pk=in_progress.pk).update(confidential=True)
    in_progress.refresh_from_db()
    with pytest.raises(RevealRefused):
        reveal_phone(in_progress, user("zhujian"), "联系")
    assert reveal_phone(in_progress, user("operator"), "回访") == "13812345678"
    assert RequesterReveal.objects.filter(request=in_progress).count() == 2


# --- the command line ---------------------------------------------------------------------------

def test_a_request_can_be_worked_from_the_command_line(make_request, capsys):
    request = make_request()
    call_command("act", request.number, "dispatch", "--user", "dispatcher", "--unit", "370102-D09")
    call_command("act", request.number, "accept", "--user", "zhujian")
    with pytest.raises(CommandError, match="主办单位"):
        call_command("act", request.number, "reply", "--user", "jiaoti", "--text", "x")
    call_command("act", request.number, "reply", "--user", "zhujian", "--text", "已修复")
    assert "答复 完成" in capsys.readouterr().out
    request.refresh_from_db()
    assert request.state == State.REPLIED


# --- found in review ----------------------------------------------------------------------------

def test_a_declined_primary_closes_its_merged_duplicates(make_request, user):
    primary, duplicate = make_request(), make_request()
    actions.merge(duplicate, primary, actor=user("operator"))
    actions.decline(primary, "repeated", actor=user("operator"))
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.resolution) == (State.CLOSED, Resolution.MERGED)


def test_an_order_with_duplicates_cannot_itself_be_merged_or_split(make_request, user, unit):
    primary, duplicate, other = make_request(), make_request(), make_request()
    actions.merge(duplicate, primary, actor=user("operator"))
    with pytest.raises(RuleViolation, match="并入本单"):
        actions.merge(primary, other, actor=user("operator"))
    with pytest.raises(RuleViolation, match="并入本单"):
        actions.split(primary, [("a", "a", unit("370102-D09")), ("b", "b", unit("370102-D03"))],
                      actor=user("dispatcher"))


def test_reassign_gives_the_new_unit_a_fresh_start_without_the_old_units_extension(in_progress, user, unit):
    actions.request_extension(in_progress, 4, "需协调", actor=user("zhujian_lead"))
    actions.return_to_hotline(in_progress, "非本单位职责", actor=user("zhujian_lead"))
    actions.reassign(in_progress, unit("370102-D10"), actor=user("dispatcher"))
    assert (in_progress.pending_extension_days, in_progress.extension_days_total) == (None, 0)


def test_with_the_start_day_counted_an_extension_still_adds_whole_days(in_progress, user, settings):
    settings.ZHILI_COUNT_START_DAY = True
    due = in_progress.due_at
    actions.request_extension(in_progress, 1, "需协调", actor=user("zhujian_lead"))
    actions.approve_extension(in_progress, actor=user("dispatcher"))
    assert in_progress.due_at > due


def test_no_red_card_while_the_hotline_reviews_a_return(make_request, unit, user):
    request = make_request()
    start = dt.datetime(2026, 3, 2, 9, tzinfo=SH)
    actions.dispatch(request, unit("370102-D09"), at=start)
    ServiceRequest.objects.filter(pk=request.pk).update(state=State.RETURNED)  # set-up only
    assert issue_cards(dt.datetime(2026, 3, 10, 9, tzinfo=SH)).red == 0
