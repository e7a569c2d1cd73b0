"""Each role's main work in a real browser, and one order from intake to closed across four roles.

GIVEN the reference data and, per test, the orders it needs (made through the workflow), WHEN a
member of the cast signs in through the login form and works the pages as a person would,
THEN the order's state in the database is what the step says, and a screenshot of each page at
1366×768 is left in test-artifacts/screenshots/.
"""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhili.knowledge.models import KnowledgeArticle
from zhili.organisation.models import Unit
from zhili.requests.choices import Action, State
from zhili.requests.models import ServiceRequest
from zhili.routing.dispatch import find_lead_unit
from zhili.taxonomy.models import Category
from zhili.workflow import actions

pytestmark = pytest.mark.django_db(transaction=True)

SCHOOL_CALL = {
    "name": "张先生",
    "phone": "13812345678",
    "address": "历下区解放路街道",
    "title": "学校乱收费",
    "text": "我家孩子在历下区解放路街道某小学读书，学校要求家长缴纳额外的辅导费和资料费，请教育部门调查处理。",
}


def focused(page) -> str:
    """The id (or name) of the element with the keyboard focus."""
    return page.evaluate("document.activeElement.id || document.activeElement.name || document.activeElement.tagName")


def messages(page) -> str:
    return page.locator(".messages").inner_text()


def order(title: str, *, category: str = "0101", unit_code: str | None = "370102-D09", at=None) -> ServiceRequest:
    """An order received, classified and dispatched (or queued) by the system, as routing does."""
    obj = actions.intake(title=title, description=f"{title}，请尽快处理。", at=at, requester_phone="13912345678")
    actions.classify(obj, Category.objects.get(code=category), at=at,
                     subdistrict=Unit.objects.get(code="370102001"))
    if unit_code is None:
        actions.queue_for_dispatch(obj, reason="置信度不足", at=at)
    else:
        actions.dispatch(obj, Unit.objects.get(code=unit_code), at=at)
    return ServiceRequest.objects.get(pk=obj.pk)


def open_panel(page, action: str):
    """Press an action's button on the request page and wait until its form is fully open
    (Bootstrap's collapse has finished), returning the form's panel."""
    page.locator(f"button[data-action={action}]").click()
    panel = page.locator(f"#act-{action}.show")
    panel.wait_for()
    page.wait_for_function("!document.querySelector('.collapsing')")
    return panel


def take_call_by_keyboard(site, page, call: dict, shot: str) -> ServiceRequest:
    """The operator takes ``call`` on the intake page with the keyboard only, checks that Enter
    moves on without submitting and that the suggestions arrive, then submits with Alt+S."""
    page.goto(site.url("/intake/"))
    assert focused(page) == "id_requester_name"
    page.keyboard.type(call["name"])
    page.keyboard.press("Enter")  # moves on, does not submit half a call
    assert focused(page) == "id_requester_phone" and page.url.endswith("/intake/")
    page.keyboard.type(call["phone"])
    page.keyboard.press("Tab")  # 保密
    assert focused(page) == "id_confidential"
    page.keyboard.press("Tab")  # 诉求类型
    page.keyboard.press("Tab")  # 渠道 (电话)
    page.keyboard.press("Tab")
    assert focused(page) == "id_address"
    page.keyboard.type(call["address"])
    page.keyboard.press("Enter")
    assert focused(page) == "id_title"
    page.keyboard.type(call["title"])
    page.keyboard.press("Tab")
    assert focused(page) == "id_description"
    page.keyboard.type(call["text"])
    panel = page.locator("#suggest-panel")
    panel.locator("[data-level='1']").filter(has_text="教育文体").wait_for()
    panel.locator("[data-suggest='lead-unit']").filter(has_text="教育和体育局").wait_for()
    assert "解放路街道" in panel.locator("[data-suggest='place']").inner_text()
    if KnowledgeArticle.objects.exists():
        # Alt+K searches the knowledge base; each article found has its 直办 button.
        page.keyboard.press("Alt+k")
        assert focused(page) == "id_kb"
        page.keyboard.type("供暖")
        article = page.locator("#kb-results .kb-article").filter(has_text="济南市供暖期及室温标准")
        article.locator("button[name=resolve][accesskey=z]").wait_for()
    site.shot(page, shot)
    before = ServiceRequest.objects.count()
    with page.expect_navigation():
        page.keyboard.press("Alt+s")
    assert ServiceRequest.objects.count() == before + 1  # one call, one order (no double submit)
    return ServiceRequest.objects.order_by("-pk").first()


def test_operator_takes_a_call_with_the_keyboard_only_and_sees_suggestions(site, model):
    call_command("load_knowledge", "--demo", stdout=io.StringIO())
    earlier = order("小学乱收费", category="14", unit_code="370102-D03")
    page = site.login("operator")
    assert page.locator("nav .nav-link", has_text="受理").count() == 1
    # A half-taken call submitted by mistake: Chinese errors beside the fields, the first one
    # focused, nothing stored.
    page.goto(site.url("/intake/"))
    page.keyboard.type("王女士")
    page.keyboard.press("Enter")
    page.keyboard.type("12345")
    with page.expect_navigation():
        page.keyboard.press("Alt+s")
    assert focused(page) == "id_requester_phone"
    for text in ("联系电话格式不正确", "请填写标题", "请填写诉求内容"):
        assert page.locator(".invalid-feedback", has_text=text).is_visible()
    assert page.locator("#id_requester_name").input_value() == "王女士"
    assert not ServiceRequest.objects.filter(requester_name="王女士").exists()
    site.shot(page, "operator-0-intake-errors")
    obj = take_call_by_keyboard(site, page, SCHOOL_CALL, "operator-1-intake-suggestions")
    assert page.url == site.url(f"/requests/{obj.number}/")
    assert f"工单 {obj.number} 已受理，按派单目录派至 济南市历下区教育和体育局" in messages(page)
    assert (obj.state, obj.lead_unit.code, obj.requester_phone) == (State.DISPATCHED, "370102-D03", "13812345678")
    site.shot(page, "operator-2-request-dispatched")

    # The earlier order is offered as a duplicate: its 并入 button, reached with the keyboard,
    # records the new call merged into it.
    page.goto(site.url("/intake/"))
    page.keyboard.type("李女士")
    page.locator("#id_title").focus()
    page.keyboard.type("小学乱收费")
    page.keyboard.press("Tab")
    page.keyboard.type("解放路街道某小学要求家长缴纳辅导费和资料费")
    merge = page.locator(f"#suggest-panel button[name=merge][value='{earlier.number}']")
    merge.wait_for()
    assert page.locator("#suggest-panel button[accesskey=b]").count() == 1  # Alt+B: the best match
    site.shot(page, "operator-3-intake-duplicate")
    merge.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    merged = ServiceRequest.objects.order_by("-pk").first()
    assert (merged.state, merged.merged_into_id) == (State.MERGED, earlier.pk)
    assert f"已受理并并入 {earlier.number}" in messages(page)


def test_dispatcher_dispatches_from_the_queue(site):
    waiting = order("人行道地砖松动", unit_code=None)
    page = site.login("dispatcher")
    page.get_by_role("link", name="热线待办").click()
    page.get_by_role("link", name=waiting.title).wait_for()
    site.shot(page, "dispatcher-1-queue")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.startswith("待派单-") and download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("link", name=waiting.title).click()
    form = open_panel(page, "dispatch")
    catalogue = find_lead_unit(waiting.category, waiting.subdistrict).lead_unit
    assert form.locator("select[name=lead_unit]").input_value() == str(catalogue.pk)  # pre-filled
    # Correcting the category brings the catalogue's unit for the new one, and back.
    education = Category.objects.get(code="14")
    other = find_lead_unit(education, waiting.subdistrict).lead_unit
    assert other != catalogue
    form.locator("select[name=category]").select_option(str(education.pk))
    assert form.locator("select[name=lead_unit]").input_value() == str(other.pk)
    assert f"派单目录建议：{other.name}" in form.locator("#act-dispatch-lead_unit_helptext").inner_text()
    form.locator("select[name=category]").select_option(str(waiting.category_id))
    assert form.locator("select[name=lead_unit]").input_value() == str(catalogue.pk)
    form.locator("input[name=note]").fill("按派单目录派单")
    site.shot(page, "dispatcher-2-dispatch-form")
    with page.expect_navigation():
        form.get_by_role("button", name="派单", exact=True).click()
    assert "派单成功" in messages(page)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.lead_unit) == (State.DISPATCHED, catalogue)


def test_unit_handler_accepts_and_replies_from_the_inbox(site):
    obj = order("小区门口道路破损")
    page = site.login("zhujian")
    page.get_by_role("link", name="单位待办").click()
    page.get_by_label(f"签收 {obj.number}").check()
    site.shot(page, "unit-1-inbox")
    with page.expect_navigation():
        page.get_by_role("button", name="批量签收").click()
    assert f"已签收 1 件：{obj.number}" in messages(page)
    page.get_by_role("link", name=obj.title).click()
    open_panel(page, "reply")
    page.locator("#act-reply textarea[name=text]").fill("已安排施工队修复路面，诉求人表示认可。")
    site.shot(page, "unit-2-reply-form")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert "答复成功" in messages(page)
    obj.refresh_from_db()
    assert obj.state == State.REPLIED


def test_supervisor_urges_from_the_board(site):
    late = order("路灯长期不亮", at=timezone.now() - dt.timedelta(days=20))
    page = site.login("supervisor")
    page.get_by_role("link", name="督办看板").click()
    section = page.locator("#board-overdue")
    section.get_by_label(f"{late.number} 督办意见").fill("请本周内答复")
    site.shot(page, "supervisor-1-board")
    with page.expect_navigation():
        section.locator("button[data-action=urge]").click()
    assert "催办成功" in messages(page)
    assert page.url.startswith(site.url("/supervision/"))
    late.refresh_from_db()
    assert late.supervision_level == 1
    assert late.events.filter(action=Action.URGE, note="请本周内答复").exists()


def test_leader_opens_the_dashboard_and_drills_down_from_a_bar(site):
    for i in range(3):
        order(f"道路破损 {i}")
    order("学校乱收费", category="14", unit_code="370102-D03")
    page = site.login("leader")
    page.get_by_role("link", name="数据看板").click()
    chart = page.locator("[data-chart=category]")
    chart.locator("canvas").wait_for()
    site.shot(page, "leader-1-dashboard")
    # The middle of the first bar, from the chart's own coordinates.
    x, y = page.evaluate("""() => {
        const el = document.querySelector('[data-chart=category]');
        const chart = echarts.getInstanceByDom(el);
        const bar = chart.getOption().series[0].data[0];
        return chart.convertToPixel({seriesIndex: 0}, [0, bar.value / 2]);
    }""")
    box = chart.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    city = Category.objects.get(code="01")
    assert re.search(rf"[?&]category={city.pk}\b", page.url)
    rows = page.locator("table.request-table tbody tr")
    assert rows.count() == 3 and "道路破损" in rows.first.inner_text()
    site.shot(page, "leader-2-drilldown")


def test_an_order_goes_from_intake_to_closed_across_four_roles(site, model):
    # 1. 话务员 takes the call with the keyboard; routing sends it to 区教体局.
    page = site.login("operator")
    obj = take_call_by_keyboard(site, page, SCHOOL_CALL, "e2e-1-intake")
    assert obj.state == State.DISPATCHED
    detail = f"/requests/{obj.number}/"

    # 2. 督办员 urges it from its page.
    page = site.login("supervisor")
    page.goto(site.url(detail))
    open_panel(page, "urge")
    page.locator("#act-urge input[name=note]").fill("请尽快联系诉求人")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "催办成功" in messages(page)

    # 3. 承办人 of 区教体局 accepts and replies.
    page = site.login("jiaoti")
    page.goto(site.url(detail))
    with page.expect_navigation():
        page.locator("button[data-action=accept]").click()
    open_panel(page, "reply")
    page.locator("#act-reply textarea[name=text]").fill("经核查，学校已停止收取辅导费和资料费，已退还家长。")
    with page.expect_navigation():
        page.locator("#act-reply button[type=submit]").click()
    assert "答复成功" in messages(page)

    # 4. 派单员 approves the reply.
    page = site.login("dispatcher")
    page.goto(site.url(detail))
    open_panel(page, "approve_review")
    with page.expect_navigation():
        page.locator("#act-approve_review button[type=submit]").click()

    # 5. 话务员 follows up and closes.
    page = site.login("operator")
    page.goto(site.url(detail))
    open_panel(page, "follow_up")
    form = page.locator("#act-follow_up")
    for name, value in (("contacted", "1"), ("solved", "1"), ("service_satisfaction", "satisfied"),
                        ("result_satisfaction", "satisfied")):
        form.locator(f"input[name='{name}'][value='{value}']").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    open_panel(page, "close")
    with page.expect_navigation():
        page.locator("#act-close button[type=submit]").click()
    assert "办结归档成功" in messages(page)
    site.shot(page, "e2e-closed")
    obj.refresh_from_db()
    assert obj.state == State.CLOSED
    assert list(obj.events.order_by("seq").values_list("action", flat=True)) == [
        Action.INTAKE, Action.CLASSIFY, Action.DISPATCH, Action.URGE, Action.ACCEPT, Action.REPLY,
        Action.APPROVE_REVIEW, Action.FOLLOW_UP, Action.CLOSE]
