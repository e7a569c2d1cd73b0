"""Excel (.xlsx) export of the work lists: the rows a page lists, with its filters, every page.

- ``COLUMNS``: the exported columns with Chinese headers. **Requester data is never exported**
  (name, phone, the confidential flag's subject: domain.md §5, PIPL "collect the minimum").
- ``safe_text(value)``: a cell's text made inert — a text that Excel or LibreOffice would read
  as a formula (starting with = + - @, or a tab / carriage return before one) gets a leading
  ``'`` (OWASP "CSV injection"), control characters that XLSX cannot hold are dropped, and the
  length is cut to Excel's cell limit. HTML stays literal text: a cell is never markup.
- ``write_xlsx(sheets, file)``: openpyxl's write-only workbook, rows streamed from each
  queryset with ``iterator()`` (one query per sheet, whatever the number of rows; memory stays
  flat), into a temporary file that ``xlsx_response`` streams to the browser in blocks.
"""

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from zhili.requests.choices import Channel, RequestType, Resolution, Satisfaction, State, label_of
from zhili.requests.models import ServiceRequest
from zhili.requests.privacy import mask_text

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
EXCEL_CELL_LIMIT = 32_767
EXCEL_MAX_ROWS = 1_048_576
CHUNK = 2_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XLSX (XML 1.0) cannot hold; openpyxl raises on them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SUPERVISION = {0: "", 1: gettext_lazy("催办"), 2: gettext_lazy("督办"), 3: gettext_lazy("提级督办")}


def safe_text(value: str) -> str:
    """The text as an inert cell value (see the module docstring)."""
    text = _ILLEGAL.sub("", str(value))[: EXCEL_CELL_LIMIT - 1]
    return "'" + text if text.startswith(_FORMULA_START) else text


def local_naive(value: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime as Asia/Shanghai wall time without tzinfo (Excel has no time zones)."""
    return timezone.localtime(value, LOCAL_TZ).replace(tzinfo=None) if value else None


@dataclass(frozen=True)
class Column:
    """One exported column: its header (translatable), width in characters, how a row's value is read
    from an order, and whether it is a date-time (shown as yyyy-mm-dd hh:mm)."""

    header: str  # a lazy translation: str() it when written
    width: int  # in characters
    value: Callable[[ServiceRequest], object]
    is_date: bool = False


COLUMNS: list[Column] = [
    Column(gettext_lazy("工单编号"), 20, lambda r: r.number),
    Column(gettext_lazy("受理时间"), 17, lambda r: local_naive(r.received_at), True),
    Column(gettext_lazy("渠道"), 8, lambda r: label_of(Channel, r.channel)),
    Column(gettext_lazy("诉求类型"), 8, lambda r: label_of(RequestType, r.request_type)),
    # Phone and ID numbers written into the text are masked: an export travels further than the page.
    Column(gettext_lazy("标题"), 30, lambda r: mask_text(r.title)),
    Column(gettext_lazy("诉求内容"), 60, lambda r: mask_text(r.description)),
    Column(gettext_lazy("诉求地址"), 30, lambda r: r.address),
    Column(gettext_lazy("街道"), 12, lambda r: r.subdistrict.name if r.subdistrict else ""),
    Column(gettext_lazy("社区"), 12, lambda r: r.community.name if r.community else ""),
    Column(gettext_lazy("诉求分类"), 30, lambda r: r.category.full_name if r.category else ""),
    Column(gettext_lazy("主办单位"), 20, lambda r: r.lead_unit.name if r.lead_unit else ""),
    Column(gettext_lazy("状态"), 10, lambda r: label_of(State, r.state)),
    Column(gettext_lazy("派单时间"), 17, lambda r: local_naive(r.dispatched_at), True),
    Column(gettext_lazy("截止时间"), 17, lambda r: local_naive(r.due_at), True),
    Column(gettext_lazy("是否超期"), 8, lambda r: gettext("是") if r.is_overdue else ""),
    Column(gettext_lazy("签收时间"), 17, lambda r: local_naive(r.accepted_at), True),
    Column(gettext_lazy("答复时间"), 17, lambda r: local_naive(r.replied_at), True),
    Column(gettext_lazy("办结时间"), 17, lambda r: local_naive(r.closed_at), True),
    Column(gettext_lazy("办结方式"), 10, lambda r: label_of(Resolution, r.resolution)),
    Column(gettext_lazy("督办级别"), 8, lambda r: str(_SUPERVISION.get(r.supervision_level, ""))),
    Column(gettext_lazy("红牌"), 6, lambda r: r.red_cards),
    Column(gettext_lazy("退单次数"), 8, lambda r: r.return_count),
    Column(gettext_lazy("重办次数"), 8, lambda r: r.reopen_count),
    Column(gettext_lazy("服务满意度"), 10, lambda r: label_of(Satisfaction, r.service_satisfaction)),
    Column(gettext_lazy("结果满意度"), 10, lambda r: label_of(Satisfaction, r.result_satisfaction)),
]
# Never exported, whatever a column above might someday read (checked by the tests).
PERSONAL_FIELDS = ("requester_name", "requester_phone")


def export_queryset(queryset: QuerySet) -> QuerySet:
    """``queryset`` with what every column reads fetched in the same query (no N+1)."""
    return queryset.select_related("category__parent__parent", "lead_unit", "subdistrict", "community")


def _rows(sheet, queryset: QuerySet, limit: int) -> Iterable[list]:
    """The cells of each order in ``queryset``, at most ``limit`` rows, from one query."""
    for count, obj in enumerate(export_queryset(queryset).iterator(chunk_size=CHUNK)):
        if count >= limit:
            cell = WriteOnlyCell(sheet, value=gettext("（超过 Excel 行数上限，仅导出前 %(limit)d 条，请缩小筛选范围）")
                                 % {"limit": limit})
            yield [cell]
            return
        row = []
        for column in COLUMNS:
            value = column.value(obj)
            if isinstance(value, str):
                value = safe_text(value)
            cell = WriteOnlyCell(sheet, value=value)
            if column.is_date and value is not None:
                cell.number_format = "yyyy-mm-dd hh:mm"
            row.append(cell)
        yield row


def _sheet_title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or gettext("工单")


def write_xlsx(sheets: list[tuple[str, QuerySet]], file) -> None:
    """Write one sheet per (title, queryset) to ``file`` (a binary, seekable file): a bold
    header row of ``COLUMNS``, then the rows, frozen header, column widths set."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, queryset in sheets:
        sheet = workbook.create_sheet(_sheet_title(title))
        sheet.freeze_panes = "A2"
        for index, column in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[_letter(index)].width = column.width
        header = []
        for column in COLUMNS:
            cell = WriteOnlyCell(sheet, value=str(column.header))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in _rows(sheet, queryset, EXCEL_MAX_ROWS - 2):
            sheet.append(row)
    workbook.save(file)


def _letter(index: int) -> str:
    """1 → "A", 27 → "AA"."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def xlsx_response(sheets: list[tuple[str, QuerySet]], name: str) -> FileResponse:
    """The workbook as a download named "<name>-YYYYMMDD-HHMM.xlsx", streamed from a temporary
    file (deleted when the response is closed)."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(sheets, file)
    file.seek(0)
    stamp = timezone.localtime(timezone.now(), LOCAL_TZ).strftime("%Y%m%d-%H%M")
    response = FileResponse(file, as_attachment=True, filename=f"{name}-{stamp}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "no-store"
    return response
