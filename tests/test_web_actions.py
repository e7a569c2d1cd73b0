"""Workflow steps through the pages: the request page's action forms, the act endpoint, the phone
reveal, the unit inbox, the supervision board and the administrators' calendar warning.

The cast (conftest): operator, dispatcher, zhujian (住建局 handler), zhujian_lead (住建局 leader),
jiaoti (教体局), jiefanglu (解放路街道), supervisor, leader (district), admin. Orders are made
through the workflow; only set-up steps by the system (actor=None) are backdated.
"""

import datetime as dt
import html as html_module
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhili.knowledge.models import KnowledgeArticle
from zhili.requests.choices import Action, Resolution, State
from zhili.requests.models import Reminder, RequesterReveal, ServiceRequest
from zhili.routing.dispatch import find_lead_unit
from zhili.taxonomy.models import Category
from zhili.workcalendar import service as calendar
from zhili.workcalendar.models import CalendarYear
from zhili.workflow import actions
from zhili.workflow.actions import allowed_actions
from zhili.workflow.errors import StaleRequest

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
STALE = "该工单已被他人更新，请刷新页面后重试"
INBOX_URL = reverse("web:unit-inbox")
BOARD_URL = reverse("web:supervision-board")


def page_url(obj) -> str:
    return reverse("web:request-detail", args=[obj.number])


def act_url(obj, action: str) -> str:
    return reverse("web:request-act", args=[obj.number, action])


def fresh(obj) -> ServiceRequest:
    return ServiceRequest.objects.get(pk=obj.pk)


def act(client, obj, action: str, version=None, **data):
    """POST one step's form as the page would: the hidden version is the order's current one
    unless given."""
    data["version"] = fresh(obj).version if version is None else version
    return client.post(act_url(obj, action), data)


def buttons(html: str) -> list[str]:
    """The actions offered on a request page, in order (each button or one-click form)."""
    block = html.split('id="request-actions"')[1].split("</section>")[0]
    return re.findall(r'<button[^>]*data-action="(\w+)"', block)


def actions_of(obj) -> list[str]:
    return list(obj.events.order_by("seq").values_list("action", flat=True))


def text_of(html: str) -> str:
    """The visible text of a fragment: tags removed, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


@pytest.fixture
def order(make_request, unit):
    """``order(title, unit_code="370102-D09", at=None, category="0101", **intake)``: an order
    classified and dispatched by the system (at ``at``: the deadline follows from then), or only
    queued for a dispatcher when ``unit_code`` is None."""

    def make(title="小区门口道路破损", *, unit_code="370102-D09", at=None, category="0101", **fields):
        fields.setdefault("requester_phone", PHONE)
        request = make_request(title=title, at=at, **fields)
        if category:
            actions.classify(request, Category.objects.get(code=category), at=at, subdistrict=unit("370102001"))
        if unit_code is None:
            actions.queue_for_dispatch(request, reason="置信度不足", at=at)
        else:
            actions.dispatch(request, unit(unit_code), at=at)
        return fresh(request)

    return make


# --- the whole life through the pages ---------------------------------------------------------

def test_a_request_goes_from_intake_to_closed_through_the_pages_by_four_roles(client_as, order, unit, user):
    """GIVEN an order waiting for a dispatcher, WHEN the dispatcher dispatches it (correcting its
    category), 住建局 accepts and replies, the dispatcher approves the reply and the operator
    follows up and closes — all by posting the page's forms — THEN each POST redirects to the
    request page, and the state and the event log follow every step."""
    obj = order("楼道照明损坏", unit_code=None)
    assert obj.state == State.PENDING_DISPATCH
    zhujian_unit, new_category = unit("370102-D09"), Category.objects.get(code="0102")

    client = client_as("dispatcher")
    html = client.get(page_url(obj)).content.decode()
    assert "dispatch" in buttons(html)
    suggested = find_lead_unit(obj.category, obj.subdistrict)
    assert suggested is not None
    assert f'<option value="{suggested.lead_unit.pk}" selected>' in html.split('id="act-dispatch"')[1]
    response = act(client, obj, "dispatch", lead_unit=zhujian_unit.pk, category=new_category.pk, note="人工派单")
    assert response.status_code == 302 and response["Location"] == page_url(obj)
    obj = fresh(obj)
    assert (obj.state, obj.lead_unit, obj.category) == (State.DISPATCHED, zhujian_unit, new_category)
    event = obj.events.order_by("seq").last()
    assert (event.action, event.actor, event.note) == (Action.DISPATCH, user("dispatcher"), "人工派单")
    assert event.data["category_corrected"]["code"] == "0102"
    page = client.get(page_url(obj)).content.decode()
    assert "派单成功" in page  # the message after the redirect
    assert new_category.full_name in page.split("更正分类")[1][:200]  # the name in the timeline, not the code

    client = client_as("zhujian")
    assert act(client, obj, "accept").status_code == 302
    assert fresh(obj).state == State.IN_PROGRESS
    assert act(client, obj, "reply", text="已更换楼道灯具，诉求人认可。").status_code == 302
    obj = fresh(obj)
    assert obj.state == State.REPLIED and obj.events.order_by("seq").last().note == "已更换楼道灯具，诉求人认可。"

    client = client_as("dispatcher")
    assert act(client, obj, "approve_review", note="答复规范").status_code == 302
    assert fresh(obj).state == State.AWAITING_FOLLOW_UP

    client = client_as("operator")
    response = act(client, obj, "follow_up", contacted="1", solved="1", service_satisfaction="satisfied",
                   result_satisfaction="basically_satisfied", note="电话回访")
    assert response.status_code == 302
    obj = fresh(obj)
    assert (obj.state, obj.followup_contacted, obj.followup_solved, obj.result_satisfaction) == (
        State.AWAITING_FOLLOW_UP, True, True, "basically_satisfied")
    assert act(client, obj, "close").status_code == 302
    obj = fresh(obj)
    assert (obj.state, obj.resolution) == (State.CLOSED, Resolution.REPLIED)
    assert actions_of(obj) == ["intake", "classify", "queue_for_dispatch", "dispatch", "accept", "reply",
                               "approve_review", "follow_up", "close"]
    actors = list(obj.events.order_by("seq").values_list("actor__username", flat=True))
    assert actors[3:] == ["dispatcher", "zhujian", "zhujian", "dispatcher", "operator", "operator"]
    html = client.get(page_url(obj)).content.decode()
    assert buttons(html) == []
    for fact in ["按时签收", "按时答复", "是否解决", "结果满意度", "基本满意"]:  # the timeline labels the steps' facts
        assert fact in html


@pytest.mark.parametrize("username", ["dispatcher", "zhujian", "zhujian_lead", "supervisor", "leader", "admin"])
def test_the_page_offers_a_button_for_exactly_the_allowed_actions(client_as, order, user, username):
    obj = order("等待签收")
    html = client_as(username).get(page_url(obj)).content.decode()
    assert buttons(html) == allowed_actions(obj, user(username))
    for action in allowed_actions(obj, user(username)):
        if action != Action.ACCEPT:  # one click; the others open a form posting to their own URL
            assert f'id="act-{action}"' in html
            assert f'action="{act_url(obj, action)}"' in html


def test_each_form_asks_for_its_steps_input_with_chinese_labels(client_as, order, make_request):
    KnowledgeArticle.objects.create(title="供暖时间", body="11 月 15 日至次年 3 月 15 日")
    waiting = order("待派单", unit_code=None)
    html = client_as("admin").get(page_url(waiting)).content.decode()
    for label in ["主办单位", "诉求分类", "不予受理理由", "知识库条目", "主单编号", "第 1 项", "第 5 项"]:
        assert label in html
    assert "供暖时间" in html and "涉及诉讼、仲裁、行政复议，已告知法定途径" in html
    in_progress = order("办理中")
    actions.accept(in_progress)
    html = client_as("zhujian_lead").get(page_url(in_progress)).content.decode()
    for label in ["退单理由", "延期（工作日）", "延期理由", "阶段性答复", "承诺办结日期", "答复内容", "书面说明",
                  "协办单位", "协办时限（工作日）", "联系情况"]:
        assert label in html
    assert 'type="date"' in html


# --- refusals: no right, stale version, workflow rules ----------------------------------------

def test_a_user_without_the_right_gets_no_button_and_a_refused_post_changes_nothing(client_as, order):
    obj = order("只可签收")
    before = (obj.state, obj.version, obj.events.count())
    client = client_as("zhujian")  # a handler: accept yes, return (leader only) no
    assert "return" not in buttons(client.get(page_url(obj)).content.decode())
    response = act(client, obj, "return", reason="不是我们的")
    assert response.status_code == 403
    assert "您的角色无权执行“退单”" in response.content.decode()  # the reason: the role, not the state
    client = client_as("supervisor")
    assert "dispatch" not in buttons(client.get(page_url(obj)).content.decode())
    assert act(client, obj, "accept").status_code == 403
    obj = fresh(obj)
    assert (obj.state, obj.version, obj.events.count()) == before


def test_another_units_post_is_404_and_unknown_actions_too(client_as, order):
    obj = order("住建局的工单")
    before = fresh(obj).version
    assert act(client_as("jiaoti"), obj, "accept").status_code == 404
    assert act(client_as("jiefanglu"), obj, "accept").status_code == 404
    assert act(client_as("zhujian"), obj, "yellow_card").status_code == 404  # a system step has no form
    assert act(client_as("zhujian"), obj, "drop_table").status_code == 404
    assert client_as("zhujian").get(act_url(obj, "accept")).status_code == 405
    assert fresh(obj).version == before


def test_anonymous_post_goes_to_login(client, order):
    obj = order("未登录")
    response = act(client, obj, "accept")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert fresh(obj).state == State.DISPATCHED


def test_a_stale_form_gives_the_conflict_message_and_changes_nothing(client_as, order, user):
    """GIVEN zhujian opened the page at version v, WHEN the dispatcher urges meanwhile (v+1) and
    zhujian then submits 签收 with v, THEN 409 with the conflict message and no acceptance."""
    obj = order("并发修改")
    seen = obj.version
    actions.supervise(obj, Action.URGE, actor=user("dispatcher"), note="请尽快签收")
    response = act(client_as("zhujian"), obj, "accept", version=seen)
    assert response.status_code == 409
    assert STALE in response.content.decode()
    obj = fresh(obj)
    assert obj.state == State.DISPATCHED and obj.version == seen + 1
    assert Action.ACCEPT not in actions_of(obj)


def test_a_stale_form_after_a_state_change_still_gives_the_conflict_message(client_as, order, user):
    obj = order("两人同时签收")
    seen = obj.version
    actions.accept(obj, actor=user("zhujian_lead"))
    response = act(client_as("zhujian"), obj, "reply", version=seen, text="已处理")
    assert response.status_code == 409 and STALE in response.content.decode()
    assert fresh(obj).state == State.IN_PROGRESS
    # The typed text is kept in the form so it is not lost.
    assert "已处理</textarea>" in response.content.decode()


def test_a_concurrent_change_inside_the_step_is_a_conflict_too(client_as, order, monkeypatch):
    from zhili.web import steps

    obj = order("检查之后被改")

    def racing(o, d, u, v):
        raise StaleRequest(STALE)

    monkeypatch.setitem(steps.STEPS, Action.ACCEPT, steps.Step(steps.f.ActionForm, racing, "签收"))
    response = act(client_as("zhujian"), obj, "accept")
    assert response.status_code == 409 and STALE in response.content.decode()


def test_a_return_after_two_working_days_is_not_offered_and_refused_in_chinese(client_as, order, unit):
    """GIVEN an order dispatched ten days ago, THEN its unit leader sees no 退单 button, and a
    return posted from an older page is refused with the rule; nothing changes."""
    obj = order("十天前派的单", at=timezone.now() - dt.timedelta(days=10))
    before = obj.version
    client = client_as("zhujian_lead")
    assert "return" not in buttons(client.get(page_url(obj)).content.decode())
    response = act(client, obj, "return", reason="非本单位职责")
    assert response.status_code == 403
    html = response.content.decode()
    assert "超过 2 个工作日" in html and "不能退单" in html
    fresh_order = order("今天派的单")
    assert "return" in buttons(client.get(page_url(fresh_order)).content.decode())
    # A handler (not the leader) is told the step is the leader's, not the window or the state.
    refused = act(client_as("zhujian"), fresh_order, "return", reason="非本单位职责")
    assert refused.status_code == 403 and "超过 2 个工作日" not in refused.content.decode()
    assert "您的角色无权执行“退单”" in refused.content.decode()
    obj = fresh(obj)
    assert (obj.state, obj.version, obj.return_count) == (State.DISPATCHED, before, 0)


def test_a_rule_naming_a_field_is_shown_beside_that_field(client_as, order):
    obj = order("延期过长")
    actions.accept(obj)
    response = act(client_as("zhujian_lead"), obj, "request_extension", working_days=11, reason="工程量大")
    assert response.status_code == 400
    panel = response.content.decode().split('id="act-request_extension"')[1].split("</form>")[0]
    field = panel.split('for="act-request_extension-working_days"')[1].split('for="act-request_extension-reason"')[0]
    assert "is-invalid" in field and "延期天数应为 1–10 个工作日" in field
    assert fresh(obj).pending_extension_days is None


def test_missing_input_is_refused_with_a_chinese_message(client_as, order):
    obj = order("空答复")
    actions.accept(obj)
    response = act(client_as("zhujian"), obj, "reply", text="   ")
    assert response.status_code == 400
    # Django's own Chinese message ("该字段是必填项。" in 5.2) next to the field.
    assert re.search(r'invalid-feedback[^>]*>[^<]*必填项', response.content.decode())
    assert fresh(obj).state == State.IN_PROGRESS


def test_a_post_without_a_version_is_refused(client_as, order):
    obj = order("没有版本号")
    response = client_as("zhujian").post(act_url(obj, "accept"))
    assert response.status_code == 409 and STALE in response.content.decode()
    assert fresh(obj).state == State.DISPATCHED


# --- the other forms ----------------------------------------------------------------------------

def test_extension_requested_by_the_unit_and_approved_by_the_dispatcher(client_as, order):
    obj = order("需要延期")
    actions.accept(obj)
    due = obj.due_at
    assert act(client_as("zhujian_lead"), obj, "request_extension", working_days=3, reason="需协调供电").status_code == 302
    html = client_as("dispatcher").get(page_url(obj)).content.decode()
    assert "待批延期" in html and "需协调供电" in html
    assert act(client_as("dispatcher"), obj, "approve_extension", note="同意").status_code == 302
    obj = fresh(obj)
    assert obj.extension_days_total == 3 and obj.due_at > due


def test_interim_reply_and_follow_up_choices(client_as, order):
    obj = order("阶段性答复")
    actions.accept(obj)
    promised = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    response = act(client_as("zhujian"), obj, "interim_reply", text="已立项，等待施工", promised_date=promised)
    assert response.status_code == 302
    assert fresh(obj).promised_at.date().isoformat() == promised


def test_decline_needs_a_statutory_reason_from_the_select(client_as, order):
    obj = order("涉诉事项", unit_code=None)
    response = act(client_as("operator"), obj, "decline", reason="不想办")
    assert response.status_code == 400 and "选择一个有效的选项" in response.content.decode()
    assert act(client_as("operator"), obj, "decline", reason="litigation", note="已告知").status_code == 302
    obj = fresh(obj)
    assert (obj.state, obj.decline_reason) == (State.DECLINED, "litigation")


def test_resolve_at_intake_with_a_knowledge_article(client_as, order):
    article = KnowledgeArticle.objects.create(title="供暖时间", body="11 月 15 日至次年 3 月 15 日")
    obj = order("供暖什么时候开始", unit_code=None)
    response = act(client_as("operator"), obj, "resolve_at_intake", article=article.pk, answer="已告知")
    assert response.status_code == 302
    obj = fresh(obj)
    assert (obj.state, obj.resolution, obj.knowledge_article) == (State.CLOSED, Resolution.RESOLVED_AT_INTAKE, article)


def test_merge_by_the_primary_number(client_as, order):
    primary, duplicate = order("井盖缺失"), order("井盖缺失（重复）", unit_code=None)
    response = act(client_as("dispatcher"), duplicate, "merge", primary="LX20990101-000000")
    assert response.status_code == 400 and "不存在" in response.content.decode()
    response = act(client_as("dispatcher"), duplicate, "merge", primary=primary.number)
    assert response.status_code == 302
    assert fresh(duplicate).merged_into == primary
    messages = client_as("dispatcher").get(page_url(duplicate)).content.decode()
    assert f"已并入 {primary.number}" in messages


def split_data(parts):
    data = {"parts-TOTAL_FORMS": "5", "parts-INITIAL_FORMS": "0", "parts-MIN_NUM_FORMS": "2",
            "parts-MAX_NUM_FORMS": "5"}
    for i, (title, text, unit_pk) in enumerate(parts):
        data.update({f"parts-{i}-title": title, f"parts-{i}-text": text, f"parts-{i}-unit": unit_pk})
    return data


def test_split_into_two_orders_each_dispatched(client_as, order, unit):
    obj = order("一单两事", unit_code=None)
    one_part = split_data([("路灯", "路灯不亮", unit("370102-D09").pk)])
    response = act(client_as("dispatcher"), obj, "split", **one_part)
    assert response.status_code == 400 and "拆单至少需要两项" in response.content.decode()
    two = split_data([("路灯", "路灯不亮", unit("370102-D09").pk), ("学校", "校门口积水", unit("370102-D03").pk)])
    assert act(client_as("dispatcher"), obj, "split", **two).status_code == 302
    children = ServiceRequest.objects.filter(split_from=obj).order_by("id")
    assert fresh(obj).state == State.SPLIT
    assert [(c.title, c.lead_unit.code, c.state) for c in children] == [
        ("路灯", "370102-D09", State.DISPATCHED), ("学校", "370102-D03", State.DISPATCHED)]


def test_success_can_return_to_a_local_next_page_only(client_as, order):
    obj = order("从看板催办")
    response = act(client_as("supervisor"), obj, "urge", note="请加快", next=BOARD_URL)
    assert response["Location"] == BOARD_URL
    response = act(client_as("supervisor"), obj, "supervise", next="https://evil.example/")
    assert response["Location"] == page_url(obj)


# --- requester contact --------------------------------------------------------------------------

def reveal(client, obj, reason="回访诉求人"):
    return client.post(reverse("web:request-reveal", args=[obj.number]), {"reason": reason})


def test_the_lead_unit_reveals_the_phone_once_and_it_is_logged(client_as, order, user):
    obj = order("需要联系诉求人")
    client = client_as("zhujian")
    page = client.get(page_url(obj)).content.decode()
    assert "139****5678" in page and "查看完整电话" in page and PHONE not in page
    response = reveal(client, obj)
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    log = RequesterReveal.objects.get(request=obj)
    assert (log.user, log.reason) == (user("zhujian"), "回访诉求人")
    assert PHONE not in client.get(page_url(obj)).content.decode()  # once: the next GET is masked again


def test_a_reveal_needs_a_reason(client_as, order):
    obj = order("没写用途")
    response = reveal(client_as("zhujian"), obj, reason=" ")
    assert response.status_code == 400 and PHONE not in response.content.decode()
    assert not RequesterReveal.objects.exists()


def test_a_reveal_is_refused_for_another_unit_and_for_figures_only_roles(client_as, order):
    obj = order("别的单位")
    assert reveal(client_as("jiaoti"), obj).status_code == 404
    response = reveal(client_as("supervisor"), obj)
    assert response.status_code == 403 and "您无权查看" in response.content.decode()
    assert PHONE not in response.content.decode()
    assert "查看完整电话" not in client_as("supervisor").get(page_url(obj)).content.decode()
    assert not RequesterReveal.objects.exists()


def test_a_confidential_order_shows_no_reveal_to_the_unit(client_as, order, user):
    obj = order("保密件", confidential=True)
    page = client_as("zhujian").get(page_url(obj)).content.decode()
    assert "（保密）" in page and "查看完整电话" not in page
    response = reveal(client_as("zhujian"), obj)
    assert response.status_code == 403 and PHONE not in response.content.decode()
    assert not RequesterReveal.objects.exists()
    # The hotline may still call back (logged).
    assert "查看完整电话" in client_as("dispatcher").get(page_url(obj)).content.decode()
    assert PHONE in reveal(client_as("dispatcher"), obj, "回访").content.decode()
    assert RequesterReveal.objects.get(request=obj).user == user("dispatcher")


def test_the_phone_never_appears_in_a_get_page(client_as, order, user):
    waiting, dispatched = order("待派单", unit_code=None), order("待签收")
    overdue = order("超期", at=timezone.now() - dt.timedelta(days=20))
    actions.red_card(overdue)
    urls = [reverse("web:request-list"), reverse("web:dispatch-queue"), reverse("web:dashboard"), INBOX_URL,
            BOARD_URL] + [page_url(o) for o in (waiting, dispatched, overdue)]
    for username in ["operator", "dispatcher", "zhujian", "zhujian_lead", "supervisor", "leader", "admin"]:
        client = client_as(username)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (username, url)
            assert PHONE not in response.content.decode(), (username, url)


# --- unit inbox ---------------------------------------------------------------------------------

def _dispatch_moment_for_yellow() -> dt.datetime:
    """A moment such that an order dispatched then (5 working days) is due within one working day."""
    now = timezone.now()
    for days_back in range(1, 20):
        start = now - dt.timedelta(days=days_back)
        due, _ = actions.compute_due_at(None, start)
        if due > now and calendar.working_days_between(now, due) <= 1:
            return start
    raise AssertionError("no such moment in the last 20 days")


@pytest.fixture
def inbox_orders(order, user):
    """住建局: two to accept (the sooner due first), one overdue, one in progress due in a week,
    one replied, one due within a working day; plus 教体局's order and a closed one (not shown)."""
    now = timezone.now()
    later = order("待签收-晚到期")
    sooner = order("待签收-早到期", at=now - dt.timedelta(days=7))
    overdue = order("办理中-已超期", at=now - dt.timedelta(days=20))
    actions.accept(overdue)
    working = order("办理中-正常")
    actions.accept(working)
    replied = order("已答复")
    actions.accept(replied)
    actions.reply(replied, "已处理")
    yellow = order("办理中-将到期", at=_dispatch_moment_for_yellow())
    actions.accept(yellow)
    other = order("教体局的", unit_code="370102-D03")
    closed = order("已办结")
    actions.accept(closed)
    actions.reply(closed, "已处理")
    actions.approve_review(closed, actor=user("dispatcher"))
    actions.close(closed, note="无法回访：空号")
    return {"later": later, "sooner": sooner, "overdue": overdue, "working": working, "replied": replied,
            "yellow": yellow, "other": other, "closed": closed}


def inbox_numbers(html: str) -> list[str]:
    table = html.split('<table class="table table-sm table-hover align-middle request-table inbox-table')[1]
    return re.findall(r'href="/requests/([^/"]+)/"', table)


def test_inbox_lists_the_units_open_orders_to_accept_first_then_by_deadline(client_as, inbox_orders):
    response = client_as("zhujian").get(INBOX_URL)
    assert response.status_code == 200
    o = {k: fresh(v) for k, v in inbox_orders.items()}
    rest = sorted(["overdue", "working", "replied", "yellow"], key=lambda k: o[k].due_at)
    expected = ["sooner", "later"] + rest
    assert inbox_numbers(response.content.decode()) == [o[k].number for k in expected]
    assert [r.obj.number for r in response.context["rows"]] == [o[k].number for k in expected]
    flags = {r.obj.number: (r.yellow, r.red) for r in response.context["rows"]}
    assert flags[o["overdue"].number] == (False, True)
    assert flags[o["yellow"].number] == (True, False)
    assert flags[o["working"].number] == (False, False)
    html = response.content.decode()
    row = html.split(f'value="{o["sooner"].number}:{o["sooner"].version}"')
    assert len(row) == 2  # a checkbox only for orders to accept
    assert 'data-card="red">已超期' in html and 'data-card="yellow">黄牌' in html


def test_inbox_red_and_yellow_cards_given_by_the_worker_show(client_as, order):
    red, yellow = order("红牌件"), order("黄牌件")
    actions.red_card(red)
    actions.yellow_card(yellow)
    html = client_as("zhujian").get(INBOX_URL).content.decode()
    assert 'data-card="red">红牌 1' in html and 'data-card="yellow">黄牌' in html


def test_inbox_is_for_unit_people_and_linked_in_their_navigation(client_as):
    assert client_as("zhujian").get(INBOX_URL).status_code == 200
    assert client_as("jiefanglu").get(INBOX_URL).status_code == 200
    for username in ["dispatcher", "operator", "supervisor", "admin"]:
        assert client_as(username).get(INBOX_URL).status_code == 403
        assert f'href="{INBOX_URL}"' not in client_as(username).get(reverse("web:request-list")).content.decode()
    assert f'href="{INBOX_URL}"' in client_as("zhujian_lead").get(reverse("web:request-list")).content.decode()


def test_unread_reminders_are_on_top_and_can_be_marked_read(client_as, order, user):
    mine, theirs = order("被催办"), order("教体局被催办", unit_code="370102-D03")
    actions.supervise(mine, Action.URGE, actor=user("supervisor"), note="请今天签收")
    actions.supervise(theirs, Action.URGE, actor=user("supervisor"))
    client = client_as("zhujian")
    html = client.get(INBOX_URL).content.decode()
    assert "未读提醒" in html and "请今天签收" in html
    assert html.index("未读提醒") < html.index("批量签收</button>")
    mine_reminder = Reminder.objects.get(request=mine)
    theirs_reminder = Reminder.objects.get(request=theirs)
    response = client.post(reverse("web:reminders-read"), {"reminder": [mine_reminder.pk, theirs_reminder.pk]})
    assert response.status_code == 302 and response["Location"] == INBOX_URL
    mine_reminder.refresh_from_db()
    theirs_reminder.refresh_from_db()
    assert mine_reminder.read_at is not None
    assert theirs_reminder.read_at is None  # another unit's reminder is not ours to mark
    html = client.get(INBOX_URL).content.decode()
    assert "已将 1 条提醒标记为已读" in html and "未读提醒" not in html


def test_bulk_accept_reports_each_success_and_failure(client_as, order, user):
    ok, stale, other = order("可签收"), order("已被催办"), order("教体局的单", unit_code="370102-D03")
    picks = [f"{ok.number}:{ok.version}", f"{stale.number}:{stale.version}", f"{other.number}:{other.version}"]
    actions.supervise(stale, Action.URGE, actor=user("dispatcher"))  # after the inbox was rendered
    client = client_as("zhujian")
    response = client.post(reverse("web:bulk-accept"), {"pick": picks})
    assert response.status_code == 302 and response["Location"] == INBOX_URL
    assert fresh(ok).state == State.IN_PROGRESS
    assert fresh(stale).state == State.DISPATCHED and fresh(other).state == State.DISPATCHED
    html = client.get(INBOX_URL).content.decode()
    assert f"已签收 1 件：{ok.number}" in html
    assert f"{stale.number} 签收失败：{STALE}" in html
    assert f"{other.number} 签收失败：工单不存在或无权查看" in html


def test_bulk_accept_with_nothing_ticked_says_so(client_as):
    client = client_as("zhujian")
    assert client.post(reverse("web:bulk-accept")).status_code == 302
    assert "请先勾选要签收的工单" in client.get(INBOX_URL).content.decode()


def inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX_URL)
    assert response.status_code == 200
    return len(queries)


def test_inbox_query_count_does_not_grow_with_the_rows(client_as, order, user):
    client = client_as("zhujian")
    for i in range(3):
        actions.supervise(order(f"少量 {i}"), Action.URGE, actor=user("supervisor"))
    inbox_queries(client)
    with_3 = inbox_queries(client)
    for i in range(12):
        obj = order(f"大量 {i}")
        actions.supervise(obj, Action.URGE, actor=user("supervisor"))
        if i % 2:
            actions.accept(obj)
    with_15 = inbox_queries(client)
    assert len(client.get(INBOX_URL).context["rows"]) == 15
    assert with_3 == with_15
    assert with_15 <= 12


# --- supervision board --------------------------------------------------------------------------

@pytest.fixture
def board_orders(order, user, unit):
    now = timezone.now()
    overdue = order("超期件", at=now - dt.timedelta(days=20))
    red = order("红牌件")
    actions.red_card(red)
    returned = order("退了两次")
    lead, dispatcher = user("zhujian_lead"), user("dispatcher")
    actions.return_to_hotline(returned, "非本单位职责", actor=lead)
    actions.force_dispatch(returned, actor=dispatcher, note="属住建职责")
    actions.return_to_hotline(returned, "仍非本单位职责", actor=lead)
    reopened = order("重办件")
    dissatisfied = order("不满意件")
    for obj in (reopened, dissatisfied):
        actions.accept(obj)
        actions.reply(obj, "已处理")
        actions.approve_review(obj, actor=dispatcher)
        actions.follow_up(obj, actor=user("operator"), contacted=True, solved=False,
                          service_satisfaction="satisfied", result_satisfaction="dissatisfied")
    actions.reopen(reopened, actor=user("supervisor"), note="未修复")
    quiet = order("正常件")
    return {"overdue": overdue, "red": red, "returned": returned, "reopened": reopened,
            "dissatisfied": dissatisfied, "quiet": quiet}


def test_board_sections_list_their_orders(client_as, board_orders):
    response = client_as("supervisor").get(BOARD_URL)
    assert response.status_code == 200
    o = board_orders
    sections = {s.key: [r.obj.number for r in s.rows] for s in response.context["sections"]}
    assert sections == {
        "overdue": [o["overdue"].number],
        "red": [o["red"].number],
        "returned": [o["returned"].number],
        "reopened": [o["reopened"].number],
        "dissatisfied": [o["dissatisfied"].number],
    }
    html = response.content.decode()
    for title in ["超期未办结", "红牌", "多次退单", "重办", "结果不满意"]:
        assert f">{title}</h2>" in html
    assert o["quiet"].number not in html


def test_the_board_filters_by_lead_unit_and_pages_one_section(client_as, order, board_orders, unit, monkeypatch):
    """GIVEN overdue orders of 住建局 and one of 教体局, WHEN the board is filtered by 教体局,
    THEN every section holds only 教体局's orders; WHEN one section is opened alone, THEN its
    orders are paged (here 2 a page) and the links keep the filter."""
    from zhili.web import worklists

    past = timezone.now() - dt.timedelta(days=20)
    school = order("学校超期件", at=past, unit_code="370102-D03", category="14")
    client = client_as("supervisor")
    jiaoti = unit("370102-D03")
    filtered = client.get(BOARD_URL, {"unit": jiaoti.pk}).context["sections"]
    assert {s.key: [r.obj.number for r in s.rows] for s in filtered} == {
        "overdue": [school.number], "red": [], "returned": [], "reopened": [], "dissatisfied": []}
    for i in range(3):
        order(f"超期 {i}", at=past)
    monkeypatch.setattr(worklists, "BOARD_PAGE_ROWS", 2)
    zhujian = unit("370102-D09")
    first = client.get(BOARD_URL, {"section": "overdue", "unit": zhujian.pk})
    (section,) = first.context["sections"]
    assert (section.key, section.total, len(section.rows)) == ("overdue", 4, 2)
    html = first.content.decode()
    assert f"?section=overdue&amp;unit={zhujian.pk}&amp;page=2" in html
    second = client.get(BOARD_URL, {"section": "overdue", "unit": zhujian.pk, "page": 2}).context["sections"][0]
    numbers = [r.obj.number for r in section.rows] + [r.obj.number for r in second.rows]
    assert len(set(numbers)) == 4 and school.number not in numbers and board_orders["overdue"].number in numbers
    all_link = client.get(BOARD_URL).content.decode()
    assert 'data-section-all="overdue"' not in all_link  # 5 orders fit the first view
    assert client.get(BOARD_URL, {"section": "nope"}).status_code == 404
    refused = client.get(BOARD_URL, {"unit": "999999"})
    assert refused.context["sections"] == [] and "没有这个承办单位" in refused.content.decode()
    export = client.get(reverse("web:export-board"), {"unit": jiaoti.pk, "section": "overdue"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [school.number]
    assert client.get(reverse("web:export-board"), {"unit": "abc"}).status_code == 400


@pytest.mark.parametrize(("username", "expected"), [
    ("supervisor", ["urge", "supervise", "escalate"]),
    ("admin", ["urge", "supervise", "escalate"]),
    ("dispatcher", ["urge"]),
    ("leader", ["escalate"]),
])
def test_board_buttons_are_the_supervision_steps_the_user_may_take(client_as, board_orders, username, expected):
    html = client_as(username).get(BOARD_URL).content.decode()
    section = html.split('id="board-overdue"')[1].split("</section>")[0]
    assert re.findall(r'data-action="(\w+)"', section) == expected
    for action in expected:
        assert f'formaction="{act_url(board_orders["overdue"], action)}"' in section


def test_urge_from_the_board_reminds_the_unit_and_returns_to_the_board(client_as, board_orders):
    obj = board_orders["overdue"]
    response = act(client_as("supervisor"), obj, "urge", note="请本周内答复", next=f"{BOARD_URL}#board-overdue")
    assert response.status_code == 302 and response["Location"] == f"{BOARD_URL}#board-overdue"
    obj = fresh(obj)
    assert obj.supervision_level == 1 and actions_of(obj)[-1] == Action.URGE
    assert Reminder.objects.filter(request=obj, action=Action.URGE, message__contains="请本周内答复").exists()


@pytest.mark.parametrize(("username", "status"), [
    ("supervisor", 200), ("leader", 200), ("admin", 200), ("dispatcher", 200),
    ("operator", 403), ("zhujian", 403), ("jiaoti", 403),
])
def test_board_is_for_supervision_roles_and_linked_for_them(client_as, username, status):
    assert client_as(username).get(BOARD_URL).status_code == status
    nav = client_as(username).get(reverse("web:request-list")).content.decode()
    assert (f'href="{BOARD_URL}"' in nav) == (status == 200)


def test_board_query_count_does_not_grow_with_the_rows(client_as, order):
    client = client_as("supervisor")
    past = timezone.now() - dt.timedelta(days=20)
    for i in range(2):
        order(f"超期 {i}", at=past)
    client.get(BOARD_URL)
    with CaptureQueriesContext(connection) as few:
        client.get(BOARD_URL)
    for i in range(10):
        actions.red_card(order(f"更多超期 {i}", at=past))
    with CaptureQueriesContext(connection) as many:
        response = client.get(BOARD_URL)
    assert len(response.context["sections"][0].rows) == 12
    assert len(few) == len(many)


# --- calendar warning ---------------------------------------------------------------------------

def test_administrators_are_warned_when_next_years_calendar_is_missing(client_as):
    year = timezone.localdate().year
    for y in (year, year + 1):
        CalendarYear.objects.get_or_create(year=y, defaults={"source": "admin"})
    list_url = reverse("web:request-list")
    assert "工作日历缺少" not in client_as("admin").get(list_url).content.decode()

    CalendarYear.objects.filter(year=year + 1).delete()
    html = client_as("admin").get(list_url).content.decode()
    warning = html.split('class="alert alert-warning rounded-0 py-1 mb-0 small calendar-warning"')[1].split("</div>")[0]
    assert text_of(warning.split(">", 1)[1]) == (
        f"工作日历缺少 {year + 1} 年数据，截止时间按仅周末休息计算，请在 管理 → 已载入年份 中导入国务院放假通知")
    assert f'href="{reverse("admin:workcalendar_calendaryear_changelist")}"' in warning
    for username in ["dispatcher", "zhujian", "supervisor", "leader", "operator"]:
        assert "工作日历缺少" not in client_as(username).get(list_url).content.decode()


def test_inbox_pages_long_lists_and_counts_all_orders_to_accept(client_as, order, monkeypatch):
    from zhili.web import views_work

    monkeypatch.setattr(views_work, "INBOX_PAGE_SIZE", 2)
    for i in range(3):
        order(f"分页 {i}")
    client = client_as("zhujian")
    first = client.get(INBOX_URL)
    assert len(first.context["rows"]) == 2 and first.context["to_accept"] == 3
    assert "共 3 件在办，其中待签收 3 件；第 1/2 页" in first.content.decode()
    assert len(client.get(INBOX_URL, {"page": 2}).context["rows"]) == 1


def test_the_dispatch_form_carries_the_catalogue_unit_of_every_category(client_as, order):
    """GIVEN an order waiting for a dispatcher, WHEN the dispatcher opens its page, THEN the
    dispatch form's category select carries, for each category the catalogue covers at the
    order's place, the unit find_lead_unit picks and its note (forms.js selects that unit when
    the category is corrected), territorial rules included."""
    obj = order("楼道照明损坏", unit_code=None)
    page = client_as("dispatcher").get(page_url(obj)).content.decode()
    form = page.split('id="act-dispatch"')[1].split("</form>")[0]
    attribute = re.search(r'data-catalogue="([^"]*)"', form).group(1)
    catalogue = {int(pk): value for pk, value in json.loads(html_module.unescape(attribute)).items()}
    assert 'data-catalogue-unit="act-dispatch-lead_unit"' in form
    checked = 0
    for category in Category.objects.filter(code__in=["0102", "14", "1401", "03"]):
        match = find_lead_unit(category, obj.subdistrict)
        if match is None:
            assert category.pk not in catalogue
            continue
        checked += 1
        unit_pk, note = catalogue[category.pk]
        assert unit_pk == match.lead_unit.pk and note == f"派单目录建议：{match.lead_unit.name}（规则 #{match.rule.pk}）"
    assert checked >= 3
    territorial = [c for c in Category.objects.all()
                   if (m := find_lead_unit(c, obj.subdistrict)) is not None and m.rule.territorial]
    assert territorial and catalogue[territorial[0].pk][0] == obj.subdistrict_id


def test_a_handler_is_told_which_steps_only_the_unit_leader_takes(client_as, order):
    """GIVEN an order of 住建局, THEN its handler's page names the steps the unit's leader takes
    (退单 while dispatched; 退单, 申请延期 and 申请不再办理 once accepted), the leader's page and
    other roles' pages do not, and after the return window 退单 is no longer named."""
    obj = order("小区门口道路破损")
    hint = re.compile(r'<p class="small text-secondary mt-2 mb-0 leader-steps">([^<]*)</p>')
    assert hint.findall(client_as("zhujian").get(page_url(obj)).content.decode()) == ["退单须由本单位负责人办理。"]
    actions.accept(obj)
    assert hint.findall(client_as("zhujian").get(page_url(obj)).content.decode()) == [
        "退单、申请延期、申请不再办理须由本单位负责人办理。"]
    for username in ("zhujian_lead", "dispatcher", "supervisor"):
        assert hint.findall(client_as(username).get(page_url(obj)).content.decode()) == []
    old = order("十天前派的单", at=timezone.now() - dt.timedelta(days=10))
    actions.accept(old)
    assert hint.findall(client_as("zhujian").get(page_url(old)).content.decode()) == [
        "申请延期、申请不再办理须由本单位负责人办理。"]
