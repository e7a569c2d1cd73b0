"""Importing requests from CSV/XLSX: idempotent, crash-safe, row-level errors, good rows kept."""

import gzip
import io
import lzma

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from zhili.imports import importer
from zhili.imports.importer import import_file
from zhili.imports.reader import ImportFileError
from zhili.requests.choices import Action, State
from zhili.requests.models import RequestEvent, ServiceRequest

pytestmark = pytest.mark.django_db

HEADER = "留言编号,留言用户,留言主题,留言时间,留言详情,一级分类\n"
GOOD = [
    "101,U00001,学校乱收费,2019-05-06 09:30:00,某小学要求家长缴纳补课费用，违反教育收费规定。,教育文体",
    "102,U00002,小区供暖不热,2019-12-02 08:00:00,家中暖气温度只有十二度，请有关部门处理。,城乡建设",
    "103,U00003,工资被拖欠,2019-11-11 10:00:00,公司拖欠三个月工资不发，请劳动部门帮助。,劳动和社会保障",
]


def write_csv(tmp_path, lines, name="requests.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes((HEADER + "\n".join(lines) + "\n").encode(encoding))
    return path


def test_tipdm_columns_are_understood_and_rows_are_dispatched(tmp_path):
    report = import_file(write_csv(tmp_path, GOOD), source="t")
    assert (report.created, report.failed) == (3, 0)
    request = ServiceRequest.objects.get(source="t", external_id="101")
    assert request.title == "学校乱收费"
    assert request.category.name == "教育文体"
    assert request.lead_unit.code == "370102-D03"  # 区教体局 by the catalogue
    assert request.state == State.DISPATCHED
    assert request.received_at.isoformat() == "2019-05-06T01:30:00+00:00"
    # Dispatched at intake time (Mon 2019-05-06), 5 working days later: Mon 2019-05-13.
    assert request.due_at.isoformat() == "2019-05-13T15:59:59+00:00"
    assert list(request.events.values_list("action", flat=True)) == [Action.INTAKE, Action.CLASSIFY, Action.DISPATCH]


def test_reimport_creates_no_duplicates(tmp_path):
    path = write_csv(tmp_path, GOOD)
    import_file(path, source="t")
    events = RequestEvent.objects.count()
    report = import_file(path, source="t")
    assert (report.created, report.existing) == (0, 3)
    assert ServiceRequest.objects.filter(source="t").count() == 3
    assert RequestEvent.objects.count() == events


def test_a_crash_half_way_can_be_rerun_without_duplicates(tmp_path, monkeypatch):
    path = write_csv(tmp_path, GOOD)
    real_store = importer._store
    calls = {"n": 0}

    def crashing_store(parsed, suggestion, source, history=False):
        calls["n"] += 1
        if calls["n"] == 2:
            # Fail inside the row's transaction, after part of its work was written.
            def boom(*args, **kwargs):
                raise RuntimeError("断电")
            monkeypatch.setattr(importer.actions, "route", boom)
        return real_store(parsed, suggestion, source, history)

    monkeypatch.setattr(importer, "_store", crashing_store)
    with pytest.raises(RuntimeError):
        import_file(path, source="t")
    # Row 1 is stored whole; row 2 left nothing behind (its intake was rolled back).
    assert list(ServiceRequest.objects.filter(source="t").values_list("external_id", flat=True)) == ["101"]
    monkeypatch.undo()
    report = import_file(path, source="t")
    assert (report.created, report.existing) == (2, 1)
    assert sorted(ServiceRequest.objects.filter(source="t").values_list("external_id", flat=True)) == [
        "101", "102", "103"]
    for request in ServiceRequest.objects.filter(source="t"):
        assert list(request.events.values_list("seq", flat=True)) == list(range(1, request.version + 1))


def test_bad_rows_are_reported_with_row_and_column_and_good_rows_kept(tmp_path):
    lines = [
        GOOD[0],
        "201,U9,没有内容,2019-05-06 09:30:00,,教育文体",
        "202,U9,日期错误,2019-13-45 25:61:00,内容正常。,教育文体",
        "203,U9,分类错误,2019-05-06 09:30:00,内容正常。,不存在的分类",
        GOOD[1],
    ]
    report = import_file(write_csv(tmp_path, lines), source="t")
    assert report.created == 2
    problems = {p.row: (p.column, p.reason) for p in report.problems}
    assert problems[3][0] == "留言详情" and "为空" in problems[3][1]
    assert problems[4][0] == "留言时间" and "2019-13-45" in problems[4][1]
    assert problems[5][0] == "一级分类" and "不存在的分类" in problems[5][1]
    assert sorted(ServiceRequest.objects.filter(source="t").values_list("external_id", flat=True)) == ["101", "102"]


def test_a_row_in_the_wrong_encoding_is_reported_and_the_others_kept(tmp_path):
    path = tmp_path / "mixed.csv"
    good = (HEADER + GOOD[0] + "\n").encode("utf-8")
    gbk_row = "301,U9,GBK行,2019-05-06 09:30:00,这一行是GBK编码的内容。,教育文体\n".encode("gbk")
    path.write_bytes(good + gbk_row + (GOOD[1] + "\n").encode("utf-8"))
    report = import_file(path, source="t")
    assert report.created == 2
    [problem] = report.problems
    assert problem.row == 3
    assert "编码" in problem.reason and "gb18030" in problem.reason


def test_a_gbk_file_imports_with_the_encoding_option(tmp_path):
    path = write_csv(tmp_path, GOOD, encoding="gbk")
    with pytest.raises(ImportFileError, match="gb18030"):
        import_file(path, source="t")
    report = import_file(path, source="t", encoding="gb18030")
    assert (report.created, report.failed) == (3, 0)


def test_xlsx_with_an_extra_sheet_imports_the_data_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "说明"
    notes.append(["本文件由热线导出"])
    data = workbook.create_sheet("工单")
    data.append(["留言编号", "留言主题", "留言时间", "留言详情", "备注"])
    data.append([1, "路灯不亮", "2019-06-03 20:00:00", "小区门口路灯坏了一个月。", "x"])
    data.append([2, "坏日期", "昨天", "内容。", ""])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    report = import_file(path, source="x")
    assert report.created == 1
    assert report.skipped_sheets == ["说明"]
    assert report.ignored_columns == ["备注"]
    [problem] = report.problems
    assert (problem.sheet, problem.row, problem.column) == ("工单", 3, "留言时间")


def test_generic_columns_and_replies(tmp_path, model):
    path = tmp_path / "generic.csv"
    path.write_text(
        "external_id,title,description,received_at,channel,request_type,address,requester_name,requester_phone,"
        "reply,replied_at,votes_up\n"
        "g1,噪音扰民,夜间工地施工噪音很大。,2019-06-03 22:00,电话,投诉,解放路街道某小区,张三,13812345678,"
        "已责成施工单位整改。,2019-06-05 10:00,7\n",
        encoding="utf-8",
    )
    report = import_file(path, source="g")
    assert report.created == 1, report.problems
    request = ServiceRequest.objects.get(source="g", external_id="g1")
    assert (request.channel, request.request_type) == ("phone", "complaint")
    assert request.subdistrict.name == "解放路街道"
    assert request.requester_phone == "13812345678"
    assert request.votes_up == 7
    assert request.state == State.REPLIED
    reply = request.events.get(action=Action.REPLY)
    assert reply.note == "已责成施工单位整改。"


def test_rows_without_an_id_get_a_stable_one(tmp_path):
    path = tmp_path / "noid.csv"
    path.write_text("title,description,received_at\n路灯,路灯坏了。,2019-06-03 20:00\n", encoding="utf-8")
    import_file(path, source="n")
    import_file(path, source="n")
    assert ServiceRequest.objects.filter(source="n").count() == 1


def test_rows_without_an_id_or_a_time_are_not_duplicated_on_reimport(tmp_path):
    path = tmp_path / "notime.csv"
    path.write_text("title,description\n路灯,路灯坏了。\n", encoding="utf-8")
    import_file(path, source="nt")
    import_file(path, source="nt")
    assert ServiceRequest.objects.filter(source="nt").count() == 1


def test_compressed_csv_and_unknown_file_types(tmp_path):
    path = tmp_path / "r.csv.xz"
    path.write_bytes(lzma.compress((HEADER + GOOD[0] + "\n").encode()))
    assert import_file(path, source="xz").created == 1
    other = tmp_path / "r.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(ImportFileError, match="不支持的文件类型"):
        import_file(other, source="x")


def test_a_file_without_the_text_column_is_refused_as_a_whole(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="诉求内容"):
        import_file(path, source="w")


def test_the_command_reports_errors_and_a_summary(tmp_path):
    path = write_csv(tmp_path, [GOOD[0], "201,U9,没有内容,2019-05-06 09:30:00,,教育文体"])
    out = io.StringIO()
    call_command("import_requests", str(path), "--source", "cmd", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "错误：第 3 行，列“留言详情”：诉求内容为空" in text
    assert "新建 1" in text and "错误 1" in text


def test_values_the_database_cannot_hold_are_row_errors_and_the_later_rows_are_kept(tmp_path):
    path = tmp_path / "extreme.csv"
    path.write_text(
        "留言编号,留言主题,留言时间,留言详情,点赞数,纬度\n"
        "e1,票数,2019-05-06 09:30:00,内容一。,1e400,\n"
        "e2,票数,2019-05-06 09:30:00,内容二。,4294967296,\n"
        "e3,纬度,2019-05-06 09:30:00,内容三。,1,NaN\n"
        "e4,年份,0001-01-01 00:00:00,内容四。,1,\n"
        "e5,空字符,2019-05-06 09:30:00,内容\x00五。,1,\n"
        "e6,正常,2019-05-06 09:30:00,内容六。,2,\n",
        encoding="utf-8",
    )
    report = import_file(path, source="x")
    assert report.created == 1
    assert sorted(p.row for p in report.problems) == [2, 3, 4, 5, 6]
    assert list(ServiceRequest.objects.filter(source="x").values_list("external_id", flat=True)) == ["e6"]


def _corrupt_files(tmp_path):
    whole = (HEADER + "\n".join(GOOD) + "\n").encode()
    truncated_xz = tmp_path / "truncated.csv.xz"
    truncated_xz.write_bytes(lzma.compress(whole)[:40])
    garbage_xz = tmp_path / "garbage.csv.xz"
    garbage_xz.write_bytes(b"this is not xz at all")
    truncated_gz = tmp_path / "truncated.csv.gz"
    truncated_gz.write_bytes(gzip.compress(whole)[:40])
    garbage_gz = tmp_path / "garbage.csv.gz"
    garbage_gz.write_bytes(b"this is not gzip at all")
    damaged_gz = tmp_path / "damaged.csv.gz"  # right length, wrong bytes inside: the CRC catches it
    data = bytearray(gzip.compress(whole))
    data[-8] ^= 0xFF  # the stored CRC-32
    damaged_gz.write_bytes(bytes(data))
    xlsx_gz = tmp_path / "garbage.xlsx.gz"
    xlsx_gz.write_bytes(b"not gzip")
    return [(truncated_xz, "压缩文件不完整"), (garbage_xz, "不是有效的 xz 压缩文件"),
            (truncated_gz, "压缩文件不完整"), (garbage_gz, "不是有效的 gzip 压缩文件"),
            (damaged_gz, "已损坏"), (xlsx_gz, "不是有效的 gzip 压缩文件")]


def test_a_corrupt_compressed_file_is_refused_with_its_name_and_nothing_is_stored(tmp_path):
    before = ServiceRequest.objects.count()
    for path, reason in _corrupt_files(tmp_path):
        with pytest.raises(CommandError) as refused:
            call_command("import_requests", str(path), "--source", "bad", stdout=io.StringIO(), stderr=io.StringIO())
        assert f"无法读取文件“{path}”" in str(refused.value) and reason in str(refused.value), path
    assert ServiceRequest.objects.count() == before


@pytest.mark.parametrize("name", ["folder", "folder.csv", "folder.xlsx", "folder.csv.xz"])
def test_a_directory_as_path_is_refused_with_a_clear_message(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    with pytest.raises(CommandError, match=f"“{folder}”是一个目录，不是文件"):
        call_command("import_requests", str(folder), stdout=io.StringIO(), stderr=io.StringIO())


def test_chinese_channel_and_type_labels_are_read_whatever_the_active_language(tmp_path):
    """GIVEN the interface language English (the labels are lazy translations) WHEN a file
    names its channel "电话" and its type "投诉" THEN they are still phone / complaint, and an
    unknown channel's message lists the Chinese labels the file may use."""
    from django.utils import translation

    path = tmp_path / "labels.csv"
    path.write_text(
        "external_id,title,description,received_at,channel,request_type,category\n"
        "e1,供暖不热,家中暖气温度只有十二度。,2019-12-02 08:00,电话,投诉,城乡建设\n"
        "e2,供暖不热,家中暖气温度只有十三度。,2019-12-02 09:00,Phone,投诉,城乡建设\n",
        encoding="utf-8",
    )
    importer._choice_maps.cache_clear()
    with translation.override("en"):
        report = import_file(path, source="en")
    assert report.created == 1
    request = ServiceRequest.objects.get(source="en", external_id="e1")
    assert (request.channel, request.request_type) == ("phone", "complaint")
    [problem] = report.problems
    assert "Phone" in problem.reason and "电话、网站" in problem.reason


def test_history_rows_are_routed_at_their_dates_then_archived_out_of_every_worklist(tmp_path, model):
    """GIVEN old messages (one with an official reply), WHEN imported with --history, THEN each is
    received, classified and dispatched at its own date as live rows are, then closed by one
    system 历史归档 event at the last moment the row knows; no inbox, queue or card reaches it,
    it cannot be reopened, and a re-run adds nothing."""
    import datetime as dt

    from zhili.workflow import actions, cards
    from zhili.workflow.errors import WorkflowError

    replied = tmp_path / "replied.csv"
    replied.write_text(
        "external_id,title,description,received_at,address,reply,replied_at\n"
        "h9,噪音扰民,夜间工地施工噪音很大。,2019-06-03 22:00,解放路街道某小区,已责成施工单位整改。,2019-06-05 10:00\n",
        encoding="utf-8")
    out = io.StringIO()
    call_command("import_requests", str(write_csv(tmp_path, GOOD)), "--source", "h", "--history",
                 stdout=out, stderr=io.StringIO())
    assert "新建 3（历史归档 3）" in out.getvalue()
    report = import_file(replied, source="h2", history=True)
    assert (report.created, report.archived, report.dispatched, report.queued) == (1, 1, 0, 0)

    school = ServiceRequest.objects.get(source="h", external_id="101")
    assert (school.state, school.resolution, school.lead_unit.code) == (State.CLOSED, "archived", "370102-D03")
    assert list(school.events.values_list("action", flat=True)) == [
        Action.INTAKE, Action.CLASSIFY, Action.DISPATCH, Action.ARCHIVE]
    archive = school.events.get(action=Action.ARCHIVE)
    assert (archive.actor, archive.at, school.closed_at) == (None, school.received_at, school.received_at)
    assert archive.note == "历史数据导入，来源未记录处理结果"
    noise = ServiceRequest.objects.get(source="h2")
    assert [e.action for e in noise.events.order_by("seq")][-2:] == [Action.REPLY, Action.ARCHIVE]
    assert noise.closed_at == noise.events.get(action=Action.REPLY).at

    assert not ServiceRequest.objects.filter(source__in=["h", "h2"], state__in=State.open_states()).exists()
    run = cards.issue_cards(now=dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC))
    assert (run.yellow, run.red) == (0, 0)
    with pytest.raises(WorkflowError):
        actions.reopen(school, actor=user_named("dispatcher"), note="重办")
    assert actions.allowed_actions(school, user_named("dispatcher")) == []  # 重办 is not offered either
    events = RequestEvent.objects.count()
    assert import_file(write_csv(tmp_path, GOOD), source="h", history=True).existing == 3
    assert RequestEvent.objects.count() == events


def test_only_the_system_archives_and_only_from_a_state_with_work_left(make_request):
    from zhili.workflow import actions
    from zhili.workflow.actions import allowed_actions
    from zhili.workflow.errors import WorkflowError

    obj = make_request()
    assert Action.ARCHIVE not in allowed_actions(obj, user_named("admin"))
    actions.archive(obj, at=obj.received_at)
    with pytest.raises(WorkflowError):
        actions.archive(obj, at=obj.received_at)  # closed: nothing left to archive
    assert obj.events.filter(action=Action.ARCHIVE).count() == 1


def user_named(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_a_history_reply_without_a_unit_is_kept_and_archived_at_its_reply_time(tmp_path, model):
    """GIVEN a historical row with an official reply whose category the catalogue sends to no unit
    (here: to a community, which cannot lead an order) THEN the order waits for no one: it is
    archived at the reply's time, and the reply is kept with its intake record."""
    from zhili.organisation.models import Unit
    from zhili.routing.models import DispatchRule
    from zhili.taxonomy.models import Category
    from zhili.workcalendar.service import LOCAL_TZ

    category = Category.objects.get(name="城乡建设", parent=None)
    community = Unit.objects.filter(kind="community").first()
    DispatchRule.objects.filter(category=category).delete()
    DispatchRule.objects.create(category=category, lead_unit=community)
    path = tmp_path / "history.csv"
    path.write_text(
        "external_id,title,description,received_at,category,reply,replied_at\n"
        "r1,楼道堆物,楼道里堆满杂物，存在消防隐患。,2019-06-03 09:00,城乡建设,已联系物业清理。,2019-06-06 16:30\n",
        encoding="utf-8")
    report = import_file(path, source="r", history=True)
    assert (report.created, report.archived) == (1, 1), report.problems
    request = ServiceRequest.objects.get(source="r")
    assert request.lead_unit is None and (request.state, request.resolution) == (State.CLOSED, "archived")
    assert [e.action for e in request.events.order_by("seq")] == [
        Action.INTAKE, Action.CLASSIFY, Action.QUEUE_FOR_DISPATCH, Action.ARCHIVE]
    assert request.closed_at.isoformat() == request.events.get(action=Action.ARCHIVE).at.isoformat()
    assert request.closed_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") == "2019-06-06 16:30"
    intake = request.events.get(action=Action.INTAKE)
    assert intake.data["historical_reply"] == "已联系物业清理。"
