"""The workbook report (openpyxl): the same tables as the PDF, one sheet each, numbers as numbers
(rates as fractions formatted "0.0%", so they can be computed with)."""

import io

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import content

HEADER = Font(bold=True)
FILL = PatternFill("solid", fgColor="EEF1F5")
PERCENT = "0.0%"
# Totals sheet: (label, key of stats.totals) — read back by the tests against `zhili stats --json`.
TOTALS_ROWS = [(gettext_lazy("工单总数"), "requests"), (gettext_lazy("待派单"), "undispatched"), (gettext_lazy("超期"), "overdue")]
RATE_COLUMNS = [(gettext_lazy("响应率"), "response"), (gettext_lazy("解决率"), "resolution"), (gettext_lazy("满意率"), "satisfaction"),
                (gettext_lazy("综合得分"), "composite"), (gettext_lazy("服务满意率"), "service_satisfaction"),
                (gettext_lazy("按时签收率"), "on_time_acceptance"), (gettext_lazy("按时办结率"), "on_time_completion"),
                (gettext_lazy("回退率"), "return_rate"), (gettext_lazy("重办率"), "reopen_rate")]
COUNT_COLUMNS = [(gettext_lazy("派单"), "dispatched"), (gettext_lazy("签收"), "accepted"), (gettext_lazy("答复"), "replied"), (gettext_lazy("退单"), "returned"),
                 (gettext_lazy("重办"), "reopened"), (gettext_lazy("有效回访"), "followed_up"), (gettext_lazy("已联系"), "contacted"), (gettext_lazy("已解决"), "solved"),
                 (gettext_lazy("满意"), "result_satisfied"), (gettext_lazy("基本满意"), "result_basic"), (gettext_lazy("不满意"), "result_dissatisfied")]


def _table(ws, headers: list[str], rows: list[list], *, start_row: int = 1, percent_columns=()) -> int:
    # openpyxl refuses lazy translations: every label is made a str where it is written.
    headers = [str(h) for h in headers]
    rows = [[str(v) if isinstance(v, Promise) else v for v in row] for row in rows]
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
    return [[row.rank, row.name, {"red": gettext("红榜"), "black": gettext("黑榜")}.get(row.mark, "")]
            + [getattr(row.counts, key) for _, key in COUNT_COLUMNS]
            + [getattr(row.rates, key) for _, key in RATE_COLUMNS] for row in rows]


def _assessment_sheet(wb, title: str, rows) -> None:
    ws = wb.create_sheet(title)
    headers = [gettext("排名"), gettext("名称"), gettext("榜单")] + [h for h, _ in COUNT_COLUMNS] + [h for h, _ in RATE_COLUMNS]
    first_rate = 4 + len(COUNT_COLUMNS)
    _table(ws, headers, _assessment_rows(rows), percent_columns=range(first_rate, first_rate + len(RATE_COLUMNS)))


def render(ov: dict) -> bytes:
    """XLSX bytes of the month's report."""
    period, totals = ov["period"], ov["totals"]
    wb = Workbook()
    ws = wb.active
    ws.title = gettext("概况")
    ws["A1"] = gettext("%(district)s12345热线工作月报（%(period)s）") % {"district": ov["district_name"],
                                                                     "period": period.title}
    ws["A1"].font = Font(bold=True, size=14)
    summary = content.summary(ov)
    for i, line in enumerate(summary, 2):
        ws.cell(row=i, column=1, value=line).alignment = Alignment(wrap_text=False)
    row = len(summary) + 3
    row = _table(ws, [gettext("指标"), gettext("数值")], [[label, totals[key]] for label, key in TOTALS_ROWS], start_row=row) + 1
    row = _table(ws, [gettext("工单状态"), gettext("件数")], [[label, n] for label, n in content.state_rows(totals)], start_row=row) + 1
    district = ov["district"]
    _table(ws, [gettext("全区指标"), gettext("数值")],
           [[label, getattr(district.rates, key)] for label, key in RATE_COLUMNS]
           + [[label, getattr(district.counts, key)] for label, key in COUNT_COLUMNS], start_row=row)
    for r in range(row + 1, row + 1 + len(RATE_COLUMNS)):
        ws.cell(row=r, column=2).number_format = PERCENT
    ws.column_dimensions["A"].width = 24

    for title, chart_title, key, header in (
            (gettext("按分类"), gettext("按分类受理量"), "by_category", gettext("一级分类")),
            (gettext("按街道"), gettext("按街道受理量"), "by_subdistrict", gettext("街道")),
            (gettext("按主办单位"), gettext("按主办单位受理量"), "by_lead_unit", gettext("主办单位"))):
        sheet = wb.create_sheet(title)
        rows = [[content.bucket_name(name), n, n / totals["requests"] if totals["requests"] else None]
                for name, n in totals[key].items()]
        _table(sheet, [header, gettext("件数"), gettext("占比")], rows, percent_columns=(3,))
        if rows:
            chart = BarChart()
            chart.type, chart.title, chart.legend = "bar", chart_title, None
            chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=min(len(rows), 15) + 1), titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=min(len(rows), 15) + 1))
            sheet.add_chart(chart, "E2")

    _assessment_sheet(wb, gettext("单位排名"), ov["ranking"].rows)
    _assessment_sheet(wb, gettext("街道考核"), ov["subdistricts"])
    _assessment_sheet(wb, gettext("分类考核"), ov["categories"])

    lists = wb.create_sheet(gettext("红黑榜"))
    _table(lists, [gettext("榜单"), gettext("单位"), gettext("综合得分"), gettext("有效回访")],
           [[gettext("红榜"), r.name, r.rates.composite, r.counts.followed_up] for r in ov["ranking"].red]
           + [[gettext("黑榜"), r.name, r.rates.composite, r.counts.followed_up] for r in ov["ranking"].black],
           percent_columns=(3,))

    daily = wb.create_sheet(gettext("每日受理"))
    _table(daily, [gettext("日期"), gettext("受理件数")], [[day, n] for day, n in ov["daily"]])
    for r in range(2, len(ov["daily"]) + 2):
        daily.cell(row=r, column=1).number_format = "yyyy-mm-dd"
    line = LineChart()
    line.title, line.legend = gettext("每日受理量"), None
    line.add_data(Reference(daily, min_col=2, min_row=1, max_row=len(ov["daily"]) + 1), titles_from_data=True)
    line.set_categories(Reference(daily, min_col=1, min_row=2, max_row=len(ov["daily"]) + 1))
    daily.add_chart(line, "D2")

    hot = wb.create_sheet(gettext("热点"))
    _table(hot, [gettext("排名"), gettext("问题概述"), gettext("地点"), gettext("最早"), gettext("最近"), gettext("诉求件数"), gettext("涉及人数"), gettext("点赞数"), gettext("热度"), gettext("工单编号")],
           [[h.rank, h.description, h.place, h.first_at.replace(tzinfo=None), h.last_at.replace(tzinfo=None),
             h.requests, h.people, h.votes_up, round(h.heat, 3), h.representative_id] for h in ov["hotspots"]])

    warn = wb.create_sheet(gettext("预警"))
    _table(warn, [gettext("类别"), gettext("分类 / 街道"), gettext("周起"), gettext("周止"), gettext("本周件数"), gettext("环比基线"), gettext("同比基线"), gettext("依据")],
           [[w.kind, w.label, w.week_start, w.week_end, w.observed, round(w.week_over_week.expected, 2),
             round(w.year_over_year.expected, 2) if w.year_over_year else None, gettext("；").join(w.reasons)]
            for w in ov["warnings"]])

    rq = ov["replies"]
    quality = wb.create_sheet(gettext("答复质量"))
    row = _table(quality, [gettext("指标"), gettext("数值")],
                 [[gettext("评价答复数"), rq["replies"]], [gettext("平均得分"), rq["score"]],
                  [gettext("相关性"), rq["relevance"]], [gettext("完整性"), rq["completeness"]],
                  [gettext("及时性"), rq["timeliness"]], [gettext("5 个工作日内答复"), rq["within_limit"]]],
                 percent_columns=(2,))
    quality.cell(row=3, column=2).number_format = "0.00"
    _table(quality, [gettext("工单"), gettext("单位"), gettext("得分"), gettext("相关性"), gettext("完整性"), gettext("及时性"), gettext("工作日"), gettext("缺少要素")],
           [[r.request.number, r.unit.display_name if r.unit_id else "", r.score, r.relevance, r.completeness,
             r.timeliness, r.working_days, content.missing_labels(r)] for r in ov["weakest_replies"]],
           start_row=row + 1, percent_columns=(3, 4, 5, 6))

    cases = wb.create_sheet(gettext("典型案例"))
    _table(cases, [gettext("类型"), gettext("工单"), gettext("标题"), gettext("单位"), gettext("说明"), gettext("诉求"), gettext("答复")],
           [[c.kind, c.number, c.title, c.unit, c.note, c.text, c.reply] for c in ov["cases"]])

    notes = wb.create_sheet(gettext("指标说明"))
    _table(notes, [gettext("指标"), gettext("计算方法")], [list(n) for n in content.formula_notes()])

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
