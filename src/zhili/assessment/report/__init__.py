"""The monthly report (月度报告): ``build(period, "pdf" | "xlsx") -> bytes``.

Every number in it comes from ``overview.month_overview`` — the same function the dashboard's
assessment section reads — and its totals are ``stats.totals(month=…)``, the numbers of
``zhili stats --json --month``. PDF: a Django template rendered by WeasyPrint with the Noto CJK
fonts and matplotlib charts; XLSX: openpyxl, one sheet per table.
"""

from django.utils.translation import gettext

from zhili.assessment.overview import month_overview
from zhili.assessment.periods import Period

FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filename(period: Period, fmt: str) -> str:
    return f"zhili-monthly-report-{period.label}.{fmt}"


def build(period: Period, fmt: str, overview: dict | None = None) -> bytes:
    """The report of ``period`` (a month) as file bytes. Raises ValueError for an unknown format
    and ``fonts.MissingFont`` (with the install command) when a PDF cannot get its fonts."""
    if fmt not in FORMATS:
        raise ValueError(gettext("未知的报告格式“%(format)s”（可用：%(formats)s）")
                         % {"format": fmt, "formats": gettext("、").join(FORMATS)})
    overview = overview or month_overview(period, complete=True)
    if fmt == "pdf":
        from .pdf import render
    else:
        from .xlsx import render
    return render(overview)
