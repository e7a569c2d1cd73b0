"""The web pages: login, request list and its filters, dispatcher queue, request page, dashboard.

The cast (conftest): dispatcher (district-wide), zhujian (住建局 370102-D09), jiaoti (教体局
370102-D03), jiefanglu (解放路街道 370102001). Orders are made through the workflow, as in
production; the test database holds no orders besides those a test makes.
"""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhili.assessment.stats import totals
from zhili.organisation.models import Unit, UnitKind
from zhili.requests.choices import Action
from zhili.requests.models import ServiceRequest
from zhili.routing.models import DispatchRule
from zhili.taxonomy.models import Category
from zhili.workflow import actions
from zhili.workflow.actions import allowed_actions

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIST_URL = reverse("web:request-list")
QUEUE_URL = reverse("web:dispatch-queue")
DASHBOARD_URL = reverse("web:dashboard")

pytestmark = pytest.mark.django_db


def local(*args) -> dt.datetime:
    """An aware Asia/Shanghai datetime: local(2026, 3, 1, 23, 59)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def order(make_request, unit):
    """Make an order through the workflow, as far as asked.

    ``order(title, category="0101", subdistrict="370102001", unit="370102-D09", at=…,
    queue=True, reply="…", **intake_fields)``: classify when a category is given, then queue it
    for a dispatcher or dispatch it to ``unit`` (at ``at``, so its deadline follows from then),
    then accept and reply when ``reply`` is given. Returns the request, reloaded.
    """

    def make(title="小区门口道路破损", *, category=None, subdistrict=None, unit_code=None, at=None,
             queue=False, reply=None, **fields):
        request = make_request(title=title, at=at, **fields)
        if category is not None:
            actions.classify(request, Category.objects.get(code=category), at=at, confidence=0.87,
                             subdistrict=unit(subdistrict) if subdistrict else None)
        if queue:
            actions.queue_for_dispatch(request, reason="置信度不足", at=at)
        if unit_code is not None:
            actions.dispatch(request, unit(unit_code), at=at, note="派单测试")
        if reply is not None:
            actions.accept(request, at=at)
            actions.reply(request, reply, at=at)
        return ServiceRequest.objects.get(pk=request.pk)

    return make


def numbers_in(response) -> set[str]:
    """The order numbers listed on a list page (from the rendered rows)."""
    return set(re.findall(r'href="/requests/([^/"]+)/"', response.content.decode()))


def detail_url(request: ServiceRequest) -> str:
    return reverse("web:request-detail", args=[request.number])


# --- login ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["web:request-list", "web:dispatch-queue", "web:dashboard"])
def test_anonymous_user_is_sent_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_user_cannot_open_a_request_page(client, order):
    request = order("路灯不亮")
    response = client.get(detail_url(request))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_in_chinese_and_logs_the_user_in(client):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "用户登录" in page.content.decode()
    response = client.post(reverse("login"), {"username": "dispatcher", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert client.get(LIST_URL).status_code == 200


def test_wrong_password_shows_a_chinese_error(client):
    response = client.post(reverse("login"), {"username": "dispatcher", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_navigation_shows_name_and_a_post_logout_form(client_as):
    html = client_as("dispatcher").get(LIST_URL).content.decode()
    assert "李派单" in html
    assert re.search(r'<form method="post" action="/accounts/logout/"', html)
    assert "热线待办" in html and "数据看板" in html
    assert 'href="/admin/"' not in html  # 管理 only for administrators


def test_administrator_sees_the_admin_link(client_as):
    html = client_as("admin").get(LIST_URL).content.decode()
    assert 'href="/admin/"' in html


def test_the_admin_order_list_shows_short_category_and_unit_names(client_as, order):
    obj = order("背街小巷路面塌陷", category="010101", unit_code="370102-D09")
    response = client_as("admin").get("/admin/requests/servicerequest/")
    html = response.content.decode()
    row = html.split(obj.number)[1].split("</tr>")[0]
    assert response.status_code == 200
    assert f">{obj.category.name}<" in row and ">区住建局<" in row
    assert "城乡建设 / " not in row and "济南市历下区住房和城乡建设局" not in row


def test_administrator_is_warned_when_this_years_calendar_is_missing(client_as, monkeypatch):
    from zhili.workcalendar import service

    monkeypatch.setattr(service, "missing_years", lambda years: [y for y in years if y >= 2026])
    assert "工作日历缺少" in client_as("admin").get(LIST_URL).content.decode()
    assert "工作日历缺少" not in client_as("dispatcher").get(LIST_URL).content.decode()


# --- request list and filters -----------------------------------------------------------------

@pytest.fixture
def four_orders(order):
    """A: 城乡建设/安全生产 (level 2), 解放路街道, 住建局, dispatched long ago → overdue,
          received 2026-03-01 10:00 (Shanghai).
    B: 党务政务 (level 1), 文东街道, waiting for a dispatcher, received 2026-03-02 00:30 Shanghai
       (= 2026-03-01 16:30 UTC: a Shanghai-date boundary case).
    C: no category, just received, 2026-02-28 23:59 Shanghai.
    D: 城乡建设/安全生产/事故处理 (level 3), 教体局, dispatched recently (not overdue), replied."""
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    a = order("A 井盖缺失", category="0101", subdistrict="370102001", unit_code="370102-D09",
              at=local(2026, 3, 1, 10, 0))
    b = order("B 政务公开咨询", category="02", subdistrict="370102007", queue=True,
              at=local(2026, 3, 2, 0, 30))
    c = order("C 噪音扰民", at=local(2026, 2, 28, 23, 59))
    d = order("D 学校门口积水", category="010101", unit_code="370102-D03", at=now - dt.timedelta(hours=1),
              reply="已安排清理")
    return {"A": a, "B": b, "C": c, "D": d}


def test_list_shows_every_visible_order_with_its_columns(client_as, four_orders):
    response = client_as("dispatcher").get(LIST_URL)
    assert response.status_code == 200
    assert numbers_in(response) == {r.number for r in four_orders.values()}
    html = response.content.decode()
    for heading in ["工单编号", "标题", "分类", "主办单位", "街道", "状态", "受理时间", "截止时间"]:
        assert f'<th scope="col">{heading}</th>' in html
    assert "区住建局" in html and "解放路街道" in html and "待派单" in html
    assert "2026-03-01 10:00" in html  # received_at in Asia/Shanghai


def test_overdue_deadline_is_red_in_the_list(client_as, four_orders):
    html = client_as("dispatcher").get(LIST_URL).content.decode()
    due = four_orders["A"].due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f'<span class="text-danger fw-semibold" title="已超期">{due}</span>' in html
    not_overdue_due = four_orders["D"].due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f'title="已超期">{not_overdue_due}' not in html


@pytest.mark.parametrize(("params", "expected"), [
    ({"state": "pending_dispatch"}, {"B"}),
    ({"state": "replied"}, {"D"}),
    ({"category": "01"}, {"A", "D"}),  # level 2 and level 3 below 城乡建设
    ({"category": "02"}, {"B"}),  # the level-1 category itself
    ({"category": "null"}, {"C"}),
    ({"lead_unit": "370102-D09"}, {"A"}),
    ({"lead_unit": "null"}, {"B", "C"}),
    ({"subdistrict": "370102001"}, {"A"}),
    ({"subdistrict": "null"}, {"C", "D"}),
    ({"overdue": "yes"}, {"A"}),
    ({"overdue": "no"}, {"B", "C", "D"}),
    # Asia/Shanghai dates, both ends inclusive: B (00:30 on 3-02 Shanghai, still 3-01 in UTC) is not on 3-01.
    ({"received_from": "2026-03-01", "received_to": "2026-03-01"}, {"A"}),
    ({"received_to": "2026-02-28"}, {"C"}),
    ({"received_from": "2026-03-02"}, {"B", "D"}),
    ({"q": "井盖"}, {"A"}),
    ({"category": "01", "overdue": "no"}, {"D"}),
])
def test_each_filter_narrows_the_list(client_as, four_orders, unit, params, expected):
    query = dict(params)
    if query.get("category") not in (None, "null"):
        query["category"] = Category.objects.get(code=query["category"]).pk
    for key in ("lead_unit", "subdistrict"):
        if query.get(key) not in (None, "null"):
            query[key] = unit(query[key]).pk
    response = client_as("dispatcher").get(LIST_URL, query)
    assert response.status_code == 200
    assert numbers_in(response) == {four_orders[k].number for k in expected}


def test_text_search_matches_the_number(client_as, four_orders):
    number = four_orders["C"].number
    response = client_as("dispatcher").get(LIST_URL, {"q": number[-6:]})
    assert numbers_in(response) == {number}


def test_an_invalid_filter_shows_an_error_and_no_orders(client_as, four_orders):
    response = client_as("dispatcher").get(LIST_URL, {"lead_unit": "999999"})
    assert response.status_code == 200
    assert numbers_in(response) == set()
    assert "筛选条件无效" in response.content.decode()


def test_a_unit_sees_only_its_own_orders_in_the_list(client_as, four_orders):
    assert numbers_in(client_as("zhujian").get(LIST_URL)) == {four_orders["A"].number}
    # Filters only narrow what the unit may see: asking for another unit's orders shows none.
    d03 = four_orders["D"].lead_unit_id
    assert numbers_in(client_as("zhujian").get(LIST_URL, {"lead_unit": d03})) == set()


def test_list_pages_by_50_and_page_links_keep_the_filters(client_as, make_request):
    for i in range(53):
        make_request(title=f"批量工单 {i:02d}")
    make_request(title="其他工单")
    client = client_as("dispatcher")

    first = client.get(LIST_URL, {"q": "批量"})
    assert len(numbers_in(first)) == 50
    assert first.context["page"].paginator.count == 53
    html = first.content.decode()
    assert "共 53 条，第 1/2 页" in html
    assert 'href="?q=%E6%89%B9%E9%87%8F&amp;page=2"' in html  # q=批量 kept beside the page

    second = client.get(LIST_URL, {"q": "批量", "page": 2})
    assert len(numbers_in(second)) == 3
    assert numbers_in(first).isdisjoint(numbers_in(second))
    assert 'href="?q=%E6%89%B9%E9%87%8F&amp;page=1"' in second.content.decode()
    # Newest first across pages.
    titles = [r.title for r in first.context["page"].object_list]
    assert titles[0] == "批量工单 52"


def list_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("username", ["dispatcher", "zhujian"])
def test_list_query_count_does_not_grow_with_the_rows(client_as, order, username):
    """GIVEN 5 fully routed orders, THEN 30: the list page runs the same number of queries."""
    client = client_as(username)

    def add(n):
        for i in range(n):
            order(f"查询计数 {i}", category="0101", subdistrict="370102001", unit_code="370102-D09")

    add(5)
    list_queries(client, LIST_URL)  # warm caches (session, content types) before counting
    with_5 = list_queries(client, LIST_URL)
    assert len(numbers_in(client.get(LIST_URL))) == 5
    add(25)
    with_30 = list_queries(client, LIST_URL)
    assert len(numbers_in(client.get(LIST_URL))) == 30
    assert with_5 == with_30
    assert with_30 <= 12


# --- dispatcher queue -------------------------------------------------------------------------

def test_queue_lists_only_orders_waiting_for_a_dispatcher(client_as, four_orders):
    response = client_as("dispatcher").get(QUEUE_URL)
    assert response.status_code == 200
    assert numbers_in(response) == {four_orders["B"].number}
    # The preset state wins over a state in the query string.
    assert numbers_in(client_as("dispatcher").get(QUEUE_URL, {"state": "replied"})) == {four_orders["B"].number}


def test_queue_keeps_the_other_filters(client_as, four_orders, unit):
    client = client_as("operator")
    assert numbers_in(client.get(QUEUE_URL, {"subdistrict": unit("370102007").pk})) == {four_orders["B"].number}
    assert numbers_in(client.get(QUEUE_URL, {"subdistrict": unit("370102001").pk})) == set()


def test_the_hotline_worklists_each_list_their_orders_with_the_reason_and_a_count(client_as, order, user):
    """GIVEN one order in each hotline worklist (queued for a dispatcher, returned by its unit,
    with an extension requested, replied, awaiting follow-up), WHEN the dispatcher opens each tab
    of 热线待办, THEN it lists exactly that order with the note of the step that put it there,
    and every tab shows its count."""
    lead = user("zhujian_lead")
    queued = order("井盖缺失", queue=True)
    returned = order("路灯不亮", category="0101", unit_code="370102-D09")
    actions.return_to_hotline(returned, "路灯属城管局管理，非本单位职责", actor=lead)
    extended = order("道路破损", category="0101", unit_code="370102-D09")
    actions.accept(extended)
    actions.request_extension(extended, 3, "需协调管线单位同步施工", actor=lead)
    replied = order("楼道积水", category="0101", unit_code="370102-D09", reply="已疏通排水管道")
    awaiting = order("小区绿化", category="0101", unit_code="370102-D09", reply="已补种绿植")
    actions.approve_review(awaiting, actor=user("operator"))

    client = client_as("dispatcher")
    expected = {"dispatch": (queued, "置信度不足"), "returned": (returned, "路灯属城管局管理，非本单位职责"),
                "extension": (extended, "需协调管线单位同步施工"), "review": (replied, "已疏通排水管道"),
                "follow_up": (awaiting, None)}
    for tab, (obj, reason) in expected.items():
        response = client.get(QUEUE_URL, {"tab": tab})
        html = response.content.decode()
        assert numbers_in(response) == {obj.number}, tab
        if reason:
            assert f'title="{reason}"' in html, tab
        for other in expected:
            assert re.search(rf'data-tab="{other}">[^<]*<span class="badge[^"]*">1</span>', html), (tab, other)
    assert numbers_in(client.get(QUEUE_URL)) == {queued.number}  # the default tab
    assert numbers_in(client.get(QUEUE_URL, {"tab": "returned", "state": "pending_dispatch"})) == {returned.number}


def test_an_extension_request_leaves_the_worklist_when_the_order_is_returned(client_as, order, user):
    """批准延期 needs the order in the unit's hands: returned, it is under 退单待审核 only."""
    lead = user("zhujian_lead")
    obj = order("道路破损", category="0101", unit_code="370102-D09")
    actions.accept(obj)
    actions.request_extension(obj, 3, "需协调管线单位", actor=lead)
    client = client_as("dispatcher")
    assert numbers_in(client.get(QUEUE_URL, {"tab": "extension"})) == {obj.number}
    actions.return_to_hotline(ServiceRequest.objects.get(pk=obj.pk), "非本单位职责", actor=lead)
    assert numbers_in(client.get(QUEUE_URL, {"tab": "extension"})) == set()
    assert numbers_in(client.get(QUEUE_URL, {"tab": "returned"})) == {obj.number}


def test_the_hotline_worklist_export_follows_the_tab(client_as, order, user):
    import io

    import openpyxl

    returned = order("路灯不亮", category="0101", unit_code="370102-D09")
    actions.return_to_hotline(returned, "非本单位职责", actor=user("zhujian_lead"))
    order("井盖缺失", queue=True)
    response = client_as("dispatcher").get(reverse("web:export-queue"), {"tab": "returned"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == "退单待审核"
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [returned.number]


@pytest.mark.parametrize(("username", "status"), [
    ("dispatcher", 200), ("operator", 200), ("admin", 200),
    ("zhujian", 403), ("jiaoti", 403), ("supervisor", 403), ("leader", 403),
])
def test_queue_is_for_dispatchers_operators_and_administrators(client_as, username, status):
    response = client_as(username).get(QUEUE_URL)
    assert response.status_code == status
    nav = client_as(username).get(LIST_URL).content.decode()
    assert (f'href="{QUEUE_URL}"' in nav) == (status == 200)


# --- request page -----------------------------------------------------------------------------

def test_request_page_is_404_for_a_unit_that_does_not_lead_it(client_as, order):
    request = order("楼道灯坏了", category="0101", unit_code="370102-D09")
    assert client_as("jiaoti").get(detail_url(request)).status_code == 404
    assert client_as("jiefanglu").get(detail_url(request)).status_code == 404
    assert client_as("zhujian").get(detail_url(request)).status_code == 200
    assert client_as("supervisor").get(detail_url(request)).status_code == 200


def test_unknown_request_number_is_404(client_as):
    assert client_as("dispatcher").get(reverse("web:request-detail", args=["LX20990101-999999"])).status_code == 404


def test_request_page_shows_the_order(client_as, order):
    request = order("背街小巷路面塌陷", category="010101", subdistrict="370102001",
                    unit_code="370102-D09", at=local(2026, 2, 26, 9, 15),
                    address="解放路 12 号", channel="wechat", request_type="help")
    html = client_as("zhujian").get(detail_url(request)).content.decode()
    assert "背街小巷路面塌陷" in html
    assert "解放路 12 号" in html
    assert "微信" in html and "求助" in html
    assert "城乡建设 / 安全生产 / 事故处理" in html
    assert "济南市历下区住房和城乡建设局" in html
    assert "解放路街道" in html
    assert "2026-02-26 09:15" in html  # received and dispatched, Asia/Shanghai
    due = request.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert due.endswith("23:59") and due in html


def test_timeline_shows_every_event_in_order(client_as, order):
    request = order("下水道堵塞", category="0101", subdistrict="370102001", unit_code="370102-D09",
                    at=local(2026, 2, 26, 9, 15), reply="已疏通下水道，诉求人表示认可。")
    response = client_as("dispatcher").get(detail_url(request))
    html = response.content.decode()
    entries = response.context["timeline"]
    assert [e.event.seq for e in entries] == [1, 2, 3, 4, 5]
    assert [e.action_label for e in entries] == ["受理", "分类", "派单", "签收", "答复"]
    positions = [html.index(f">{label}</span>") for label in ["受理", "分类", "派单", "签收", "答复"]]
    assert positions == sorted(positions)
    assert "已疏通下水道，诉求人表示认可。" in html  # the reply text (note)
    assert "置信度 87%" in html  # the classification's confidence as a percentage
    due = request.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f"截止时间：</span><span class=\"text-body text-prewrap\">{due}" in html  # from event.data
    assert "办理时限" in html and "5 个工作日" in html
    assert "派往 <strong>区住建局</strong>" in html
    assert "系统" in html  # actor_display of system steps


def test_timeline_names_the_dispatch_rule(client_as, make_request):
    rule = DispatchRule.objects.filter(lead_unit__isnull=False).select_related("category", "lead_unit").first()
    request = make_request(title="按目录派单")
    actions.classify(request, rule.category)
    actions.dispatch(request, rule.lead_unit, rule_id=rule.pk, note=f"按派单目录自动派单：{rule}")
    html = client_as("dispatcher").get(detail_url(request)).content.decode()
    assert f"派单目录：</span><span class=\"text-body text-prewrap\">#{rule.pk} {rule}</span>" in html


def test_request_page_query_count_does_not_grow_with_the_events(client_as, make_request, user, unit):
    """GIVEN an order with 3 system events and one with 6 events by different people (both
    waiting for acceptance), THEN their pages run the same number of queries."""
    short = make_request(title="事件少")
    actions.classify(short, Category.objects.get(code="0101"))
    actions.dispatch(short, unit("370102-D09"))
    long = make_request(title="事件多", actor=user("operator"))
    for code, actor in [("01", "operator"), ("0101", "dispatcher"), ("0102", "admin"), ("0101", "dispatcher")]:
        actions.classify(long, Category.objects.get(code=code), actor=user(actor))
    actions.dispatch(long, unit("370102-D09"), actor=user("dispatcher"))
    assert long.events.count() == 6 and short.events.count() == 3
    client = client_as("supervisor")
    list_queries(client, detail_url(short))
    assert list_queries(client, detail_url(short)) == list_queries(client, detail_url(long))


def action_labels(html: str) -> list[str]:
    """The labels of the action buttons, in page order (one per action)."""
    block = html.split('id="request-actions"')[1].split("</section>")[0]
    actions_shown = list(dict.fromkeys(re.findall(r'data-action="([a-z_]+)"', block)))
    return [Action(a).label for a in actions_shown]


@pytest.mark.parametrize("username", ["zhujian", "dispatcher", "supervisor"])
def test_request_page_offers_the_actions_the_user_may_take(client_as, order, user, username):
    request = order("等待签收", category="0101", unit_code="370102-D09")
    html = client_as(username).get(detail_url(request)).content.decode()
    expected = [Action(a).label for a in allowed_actions(request, user(username))]
    assert action_labels(html) == expected
    if username == "zhujian":
        assert "签收" in expected


def test_request_page_says_so_when_no_action_is_allowed(client_as, order, monkeypatch):
    from zhili.web import views

    monkeypatch.setattr(views, "allowed_actions", lambda request, user: [])
    request = order("只读", category="0101", unit_code="370102-D09")
    html = client_as("leader").get(detail_url(request)).content.decode()
    assert action_labels(html) == []
    assert "您当前没有可对该工单执行的操作" in html


def test_title_and_description_are_escaped(client_as, order):
    request = order("<script>alert(1)</script>", description="<script>alert(2)</script><b>粗体</b>",
                    category="0101", unit_code="370102-D09", reply="<img src=x onerror=alert(3)>")
    client = client_as("dispatcher")
    for url in (LIST_URL, detail_url(request)):
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    detail = client.get(detail_url(request)).content.decode()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;&lt;b&gt;粗体&lt;/b&gt;" in detail
    assert "<img src=x" not in detail and "&lt;img src=x onerror=alert(3)&gt;" in detail


# --- privacy ----------------------------------------------------------------------------------

def test_requester_phone_and_name_are_never_shown_raw(client_as, order):
    request = order("噪音扰民", category="0101", unit_code="370102-D09",
                    requester_name="张三丰", requester_phone="13812345678")
    client = client_as("zhujian")
    list_html = client.get(LIST_URL).content.decode()
    detail_html = client.get(detail_url(request)).content.decode()
    dashboard_html = client.get(DASHBOARD_URL).content.decode()
    for html in (list_html, detail_html, dashboard_html):
        assert "13812345678" not in html
        assert "张三丰" not in html
    assert request.number in list_html
    assert "138****5678" not in list_html  # the list shows no requester at all
    assert "138****5678" in detail_html
    assert "张**" in detail_html


def test_confidential_request_hides_the_requester(client_as, order):
    request = order("举报违建", category="0101", unit_code="370102-D09",
                    requester_name="李四", requester_phone="13812345678", confidential=True)
    html = client_as("dispatcher").get(detail_url(request)).content.decode()
    assert "（保密）" in html
    assert "138****5678" not in html and "13812345678" not in html
    assert "李四" not in html and "李*" not in html


# --- dashboard --------------------------------------------------------------------------------

def dashboard_numbers(response) -> tuple[dict, dict]:
    html = response.content.decode()
    cards = {key: int(value) for key, value in re.findall(r'data-stat="(\w+)">\s*(\d+)\s*<', html)}
    charts = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>',
                                  html, re.S).group(1))
    return cards, charts


@pytest.mark.parametrize("username", ["dispatcher", "zhujian"])
def test_dashboard_numbers_equal_totals(client_as, four_orders, user, username):
    response = client_as(username).get(DASHBOARD_URL)
    assert response.status_code == 200
    cards, charts = dashboard_numbers(response)
    expected = totals(ServiceRequest.objects.visible_to(user(username)))
    assert cards == {
        "requests": expected["requests"],
        "undispatched": expected["undispatched"],
        "overdue": expected["overdue"],
        "replied": expected["by_state"].get("replied", 0),
    }
    for chart, key in [("category", "by_category"), ("lead_unit", "by_lead_unit"),
                       ("subdistrict", "by_subdistrict"), ("month", "by_month")]:
        bars = [bar for bar in charts[chart] if bar["value"]]  # the trend also has its empty months
        assert {bar["name"]: bar["value"] for bar in bars} == expected[key]
        assert [bar["name"] for bar in bars] == list(expected[key])


def test_the_monthly_trend_keeps_empty_months_between_busy_ones(client_as, order):
    order("十一月的件", at=local(2025, 11, 10, 9))
    order("二月的件", at=local(2026, 2, 3, 9))
    order("二月的件二", at=local(2026, 2, 4, 9))
    _, charts = dashboard_numbers(client_as("dispatcher").get(DASHBOARD_URL))
    assert [(p["name"], p["value"]) for p in charts["month"]] == [
        ("2025-11", 1), ("2025-12", 0), ("2026-01", 0), ("2026-02", 2)]


def test_dashboard_for_the_district_counts_the_four_orders(client_as, four_orders):
    cards, charts = dashboard_numbers(client_as("dispatcher").get(DASHBOARD_URL))
    assert cards == {"requests": 4, "undispatched": 2, "overdue": 1, "replied": 1}
    assert {b["name"]: b["value"] for b in charts["category"]} == {"城乡建设": 2, "党务政务": 1, "未分类": 1}


def test_every_dashboard_bar_drills_down_to_exactly_its_orders(client_as, four_orders):
    client = client_as("dispatcher")
    _, charts = dashboard_numbers(client.get(DASHBOARD_URL))
    bars = [bar for chart in charts.values() for bar in chart]
    assert bars and all(bar["query"] for bar in bars)
    for bar in bars:
        response = client.get(f"{LIST_URL}?{bar['query']}")
        assert response.context["page"].paginator.count == bar["value"], bar


def test_dashboard_chart_data_is_json_script_and_the_code_is_a_static_file(client_as, four_orders):
    html = client_as("dispatcher").get(DASHBOARD_URL).content.decode()
    assert '<script id="dashboard-data" type="application/json">' in html
    assert '<script src="/static/web/dashboard.js" defer></script>' in html
    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in html
    # No inline JavaScript: every other <script> has a src.
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert scripts == []


def test_dashboard_escapes_names_inside_the_chart_data(client_as, make_request, unit):
    hostile = Unit.objects.create(code="370102-D99", name="</script><script>alert(1)</script>局",
                                  kind=UnitKind.DEPARTMENT, parent=unit("370102"))
    request = make_request(title="单位名称转义")
    actions.classify(request, Category.objects.get(code="01"))
    actions.dispatch(request, hostile)
    html = client_as("dispatcher").get(DASHBOARD_URL).content.decode()
    assert "<script>alert(1)" not in html
    _, charts = dashboard_numbers(client_as("dispatcher").get(DASHBOARD_URL))
    assert charts["lead_unit"][0]["name"] == hostile.name  # intact after JSON decoding


def test_the_favicon_is_served_locally(client):
    """/favicon.ico (asked by every browser, the admin's pages too) leads to the local icon: no 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("web/favicon.svg")
