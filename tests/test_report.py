"""The monthly report (zhili report) on a month of the real TipDM messages: the PDF opens and reads
like a report, the workbook opens, and both carry the numbers of `zhili stats --json --month`."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from zhili.datafiles import data_path, read_text
from zhili.imports.importer import import_file
from zhili.requests.choices import State

MONTH = "2019-05"


def month_rows(name: str, limit: int | None = None) -> list[dict]:
    rows = csv.DictReader(io.StringIO(read_text(data_path(f"tipdm2020c/{name}"))))
    return [r for r in rows if r["留言时间"].startswith(MONTH)][:limit]


def write_csv(path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def may_2019(tmp_path, model, db):
    """May 2019 of the real data: 60 messages with votes (fj3) and every message with its
    official reply (fj4), imported the way `make demo-data` imports them."""
    votes, answered = tmp_path / "fj3.csv", tmp_path / "fj4.csv"
    write_csv(votes, month_rows("fj3_messages_votes.csv", 60))
    write_csv(answered, month_rows("fj4_messages_replies.csv"))
    assert import_file(votes, source="tipdm-fj3-votes").created == 60
    assert import_file(answered, source="tipdm-fj4-replies").created == 81
    out = io.StringIO()
    call_command("stats", "--json", "--month", MONTH, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_monthly_report_of_real_messages_opens_and_matches_stats(may_2019, tmp_path):
    stats = may_2019
    assert stats["requests"] == 141
    pdf_path, xlsx_path = tmp_path / "report.pdf", tmp_path / "report.xlsx"
    out = io.StringIO()
    call_command("report", "--month", MONTH, "--format", "pdf", "--output", str(pdf_path), stdout=out)
    call_command("report", "--month", MONTH, "--format", "xlsx", "--output", str(xlsx_path), stdout=out)
    assert "已生成 2019年5月月度报告" in out.getvalue()

    reader = PdfReader(pdf_path)
    assert len(reader.pages) >= 3
    text = "".join(page.extract_text() for page in reader.pages)
    flat = "".join(text.split())
    for heading in ("12345热线工作月报", "2019年5月工单办理与考核情况", "一、总体情况", "二、诉求分类与分布",
                    "三、“三率”考核与单位排名", "四、热点问题", "五、预警提示", "六、答复质量", "七、典型案例",
                    "附：指标说明"):
        assert heading in flat, heading
    assert f"全区共受理群众诉求{stats['requests']}件" in flat
    top_category, top_count = next(iter(stats["by_category"].items()))
    assert f"{top_category}（{top_count}件" in flat
    assert "本月没有有效回访记录" in flat  # the real data have replies but no follow-ups: no 三率, no zero

    book = load_workbook(xlsx_path)
    assert {"概况", "按分类", "按街道", "按主办单位", "单位排名", "热点", "预警", "答复质量", "典型案例", "指标说明"} <= set(
        book.sheetnames)
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if row[0]}
    assert overview["工单总数"] == stats["requests"]
    assert overview["待派单"] == stats["undispatched"]
    assert overview["超期"] == stats["overdue"]
    labels = dict(State.choices)
    for state, n in stats["by_state"].items():
        assert overview[labels[state]] == n
    for sheet, key in (("按分类", "by_category"), ("按街道", "by_subdistrict"), ("按主办单位", "by_lead_unit")):
        rows = {row[0]: row[1] for row in book[sheet].iter_rows(min_row=2, values_only=True)}
        assert rows == stats[key], sheet
    daily = sum(row[1] for row in book["每日受理"].iter_rows(min_row=2, values_only=True))
    assert daily == stats["requests"]
    quality = {row[0]: row[1] for row in book["答复质量"].iter_rows(values_only=True) if row[0]}
    replied_in_may = sum(r["答复时间"].startswith(MONTH) for r in month_rows("fj4_messages_replies.csv"))
    assert quality["评价答复数"] == replied_in_may == 49


def test_report_command_refuses_a_bad_month(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="无法识别"):
        call_command("report", "--month", "May", stdout=io.StringIO())
