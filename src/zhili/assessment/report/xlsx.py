"""The workbook report (openpyxl): the same tables as the PDF, one sheet each, numbers as numbers
(rates as fractions formatted "0.0%", so they can be computed with)."""

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import content

HEADER = Font(bold=True)
FILL = PatternFill("solid", fgColor="EEF1F5")
PERCENT = "0.0%"
# Totals sheet: (label, key of stats.totals) — read back by the tests against `zhili stats --json`.
TOTALS_ROWS = [("工单总数", "requests"), ("待派单", "undispatched"), ("超期", "overdue")]
RATE_COLUMNS = [("响应率", "response"), ("解决率", "resolution"), ("满意率", "satisfaction"),
                ("综合得分", "composite"), ("服务满意率", "service_satisfaction"),
                ("按时签收率", "on_time_acceptance"), ("按时办结率", "on_time_completion"),
                ("回退率", "return_rate"), ("重办率", "reopen_rate")]
COUNT_COLUMNS = [("派单", "dispatched"), ("签收", "accepted"), ("答复", "replied"), ("退单", "returned"),
                 ("重办", "reopened"), ("有效回访", "followed_up"), ("已联系", "contacted"), ("已解决", "solved"),
                 ("满意", "result_satisfied"), ("基本满意", "result_basic"), ("不满意", "result_dissatisfied")]


def _table(ws, headers: list[str], rows: list[list], *, start_row: int = 1, percent_columns=()) -> int:
    for col, header in enumerate(headers, 1):
        cell = ws.cell(row=start_row, column=col, value=header)
        cell.font, cell.fill = HEADER, FILL
    for r, row in enumerate(rows, start_row + 1):
        for col, value in enumerate(row, 1):
            cell = ws.cell(row=r, column=col, value=value)
            if col in percent_columns:
                cell.number_format = PERCENT
    for col, header in enumerate(headers, 1):
        width = max([len(str(header))] + [len(str(row[col - 1])) for row in rows if col - 1 < len(row)])
        ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, width * 1.6 + 2))
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    return start_row + len(rows) + 1


def _assessment_rows(rows) -> list[list]:
    return [[row.rank, row.name, {"red": "红榜", "black": "黑榜"}.get(row.mark, "")]
            + [getattr(row.counts, key) for _, key in COUNT_COLUMNS]
            + [getattr(row.rates, key) for _, key in RATE_COLUMNS] for row in rows]


def _assessment_sheet(wb, title: str, rows) -> None:
    ws = wb.create_sheet(title)
    headers = ["排名", "名称", "榜单"] + [h for h, _ in COUNT_COLUMNS] + [h for h, _ in RATE_COLUMNS]
    first_rate = 4 + len(COUNT_COLUMNS)
    _table(ws, headers, _assessment_rows(rows), percent_columns=range(first_rate, first_rate + len(RATE_COLUMNS)))


def render(ov: dict) -> bytes:
    """XLSX bytes of the month's report."""
    period, totals = ov["period"], ov["totals"]
    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    ws["A1"] = f"{ov['district_name']}12345热线工作月报（{period.title}）"
    ws["A1"].font = Font(bold=True, size=14)
    for i, line in enumerate(content.summary(ov), 2):
        ws.cell(row=i, column=1, value=line).alignment = Alignment(wrap_text=False)
    row = len(content.summary(ov)) + 3
    row = _table(ws, ["指标", "数值"], [[label, totals[key]] for label, key in TOTALS_ROWS], start_row=row) + 1
    row = _table(ws, ["工单状态", "件数"], [[label, n] for label, n in content.state_rows(totals)], start_row=row) + 1
    district = ov["district"]
    _table(ws, ["全区指标", "数值"],
           [[label, getattr(district.rates, key)] for label, key in RATE_COLUMNS]
           + [[label, getattr(district.counts, key)] for label, key in COUNT_COLUMNS], start_row=row)
    for r in range(row + 1, row + 1 + len(RATE_COLUMNS)):
        ws.cell(row=r, column=2).number_format = PERCENT
    ws.column_dimensions["A"].width = 24

    for title, key, header in (("按分类", "by_category", "一级分类"), ("按街道", "by_subdistrict", "街道"),
                               ("按主办单位", "by_lead_unit", "主办单位")):
        sheet = wb.create_sheet(title)
        rows = [[name, n, n / totals["requests"] if totals["requests"] else None]
                for name, n in totals[key].items()]
        _table(sheet, [header, "件数", "占比"], rows, percent_columns=(3,))
        if rows:
            chart = BarChart()
            chart.type, chart.title, chart.legend = "bar", f"{title}受理量", None
            chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=min(len(rows), 15) + 1), titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=min(len(rows), 15) + 1))
            sheet.add_chart(chart, "E2")

    _assessment_sheet(wb, "单位排名", ov["ranking"].rows)
    _assessment_sheet(wb, "街道考核", ov["subdistricts"])
    _assessment_sheet(wb, "分类考核", ov["categories"])

    lists = wb.create_sheet("红黑榜")
    _table(lists, ["榜单", "单位", "综合得分", "有效回访"],
           [["红榜", r.name, r.rates.composite, r.counts.followed_up] for r in ov["ranking"].red]
           + [["黑榜", r.name, r.rates.composite, r.counts.followed_up] for r in ov["ranking"].black],
           percent_columns=(3,))

    daily = wb.create_sheet("每日受理")
    _table(daily, ["日期", "受理件数"], [[day, n] for day, n in ov["daily"]])
    for r in range(2, len(ov["daily"]) + 2):
        daily.cell(row=r, column=1).number_format = "yyyy-mm-dd"
    line = LineChart()
    line.title, line.legend = "每日受理量", None
    line.add_data(Reference(daily, min_col=2, min_row=1, max_row=len(ov["daily"]) + 1), titles_from_data=True)
    line.set_categories(Reference(daily, min_col=1, min_row=2, max_row=len(ov["daily"]) + 1))
    daily.add_chart(line, "D2")

    hot = wb.create_sheet("热点")
    _table(hot, ["排名", "问题概述", "地点", "最早", "最近", "诉求件数", "涉及人数", "点赞数", "热度", "工单编号"],
           [[h.rank, h.description, h.place, h.first_at.replace(tzinfo=None), h.last_at.replace(tzinfo=None),
             h.requests, h.people, h.votes_up, round(h.heat, 3), h.representative_id] for h in ov["hotspots"]])

    warn = wb.create_sheet("预警")
    _table(warn, ["类别", "分类 / 街道", "周起", "周止", "本周件数", "环比基线", "同比基线", "依据"],
           [[w.kind, w.label, w.week_start, w.week_end, w.observed, round(w.week_over_week.expected, 2),
             round(w.year_over_year.expected, 2) if w.year_over_year else None, "；".join(w.reasons)]
            for w in ov["warnings"]])

    rq = ov["replies"]
    quality = wb.create_sheet("答复质量")
    row = _table(quality, ["指标", "数值"],
                 [["评价答复数", rq["replies"]], ["平均得分", rq["score"]], ["相关性", rq["relevance"]],
                  ["完整性", rq["completeness"]], ["及时性", rq["timeliness"]], ["5 个工作日内答复", rq["within_limit"]]],
                 percent_columns=(2,))
    quality.cell(row=3, column=2).number_format = "0.00"
    _table(quality, ["工单", "单位", "得分", "相关性", "完整性", "及时性", "工作日", "缺少要素"],
           [[r.request.number, r.unit.display_name if r.unit_id else "", r.score, r.relevance, r.completeness,
             r.timeliness, r.working_days, content.missing_labels(r)] for r in ov["weakest_replies"]],
           start_row=row + 1, percent_columns=(3, 4, 5, 6))

    cases = wb.create_sheet("典型案例")
    _table(cases, ["类型", "工单", "标题", "单位", "说明", "诉求", "答复"],
           [[c.kind, c.number, c.title, c.unit, c.note, c.text, c.reply] for c in ov["cases"]])

    notes = wb.create_sheet("指标说明")
    _table(notes, ["指标", "计算方法"], [list(n) for n in content.formula_notes()])

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
