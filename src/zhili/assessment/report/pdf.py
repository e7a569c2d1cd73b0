"""The PDF report: ``assessment/report.html`` rendered by WeasyPrint (fonts through fontconfig:
Noto CJK from Debian), with the charts as embedded PNGs."""

import base64
import logging

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from . import charts, content
from .fonts import sans_path


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _charts(ov: dict) -> dict[str, str]:
    period, totals = ov["period"], ov["totals"]
    result = {"daily": _data_uri(charts.daily_line(ov["daily"], gettext("%(period)s每日受理量") % {"period": period.title}))}
    if totals["by_category"]:
        names = list(totals["by_category"])[:10]
        result["category"] = _data_uri(charts.bars([content.bucket_name(n) for n in names], [totals["by_category"][n] for n in names],
                                                       gettext("按一级分类")))
    ranked = ov["ranking"].ranked[:15]
    if ranked:
        colours = {i: charts.RED if r.mark == "black" else ("#b8860b" if r.mark == "red" else charts.BLUE)
                   for i, r in enumerate(ranked)}
        result["ranking"] = _data_uri(charts.bars([r.name for r in ranked],
                                                  [round(r.rates.composite * 100, 2) for r in ranked],
                                                  gettext("单位“三率”综合得分"), unit=gettext("分"),
                                                  highlight=colours))
    return result


def render(ov: dict) -> bytes:
    """PDF bytes of the month's report."""
    sans_path()  # fail early with the install hint when the fonts are missing
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    generated = timezone.localtime()
    period = ov["period"]
    html = render_to_string("assessment/report.html", {
        **ov,
        "summary": content.summary(ov),
        "states": content.state_rows(ov["totals"]),
        "categories_share": content.shares(ov["totals"]["by_category"], ov["totals"]["requests"]),
        "subdistricts_share": content.shares(ov["totals"]["by_subdistrict"], ov["totals"]["requests"]),
        "units_share": content.shares(ov["totals"]["by_lead_unit"], ov["totals"]["requests"], 15),
        "formula_notes": content.formula_notes(),
        "charts": _charts(ov),
        "generated": generated,
        "issue": (gettext("%(year)s年第%(number)s期") % {"year": period.start.year, "number": period.start.month}
                  if period.kind == "month" else period.title),
        "weakest": [(r, content.missing_labels(r)) for r in ov["weakest_replies"]],
        "lists": content.list_thresholds(),
    })
    return HTML(string=html).write_pdf()
