"""The assessment pages: who may see them, and the dashboard's section showing the very numbers
of the monthly report."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zhili.assessment.overview import month_overview
from zhili.assessment.periods import Period
from zhili.assessment.report.format import pct, points
from zhili.requests.choices import Satisfaction
from zhili.workflow import actions

PAGES = ["assessment", "hotspots", "reply-quality"]
CAST = ["operator", "dispatcher", "zhujian", "zhujian_lead", "jiaoti", "jiefanglu", "supervisor", "leader", "admin"]
DISTRICT_WIDE = {"operator", "dispatcher", "supervisor", "leader", "admin"}
WARNED = {"supervisor", "leader", "admin"}


@pytest.mark.django_db
@pytest.mark.parametrize("username", CAST)
def test_permission_matrix(client_as, username):
    client = client_as(username)
    for name in PAGES:
        assert client.get(reverse(f"web:{name}")).status_code == (200 if username in DISTRICT_WIDE else 404), name
    assert client.get(reverse("web:early-warnings")).status_code == (200 if username in WARNED else 404)
    panel = client.get(reverse("web:assessment-panel"))
    assert panel.status_code == 200
    assert (b"data-month" in panel.content) == (username in DISTRICT_WIDE)
    report = client.get(reverse("web:assessment-report"), {"month": "2025-01", "format": "xlsx"})
    assert report.status_code == (200 if username in DISTRICT_WIDE else 404)


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_the_login(client):
    for name in [*PAGES, "early-warnings", "assessment-panel", "assessment-report"]:
        response = client.get(reverse(f"web:{name}"))
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_dashboard_loads_the_assessment_section(client_as):
    page = client_as("leader").get(reverse("web:dashboard"), {"month": "2025-03"})
    assert f'hx-get="{reverse("web:assessment-panel")}?month=2025-03"' in page.content.decode()


def _stat(html: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">([^<]*)<', html).group(1)


@pytest.mark.django_db
def test_the_dashboard_section_and_the_report_show_the_same_numbers(client_as, make_request, user, unit):
    for result, solved in ((Satisfaction.SATISFIED, True), (Satisfaction.BASICALLY_SATISFIED, True),
                           (Satisfaction.DISSATISFIED, False)):
        request = make_request()
        actions.dispatch(request, unit("370102-D09"), actor=user("dispatcher"))
        actions.accept(request, actor=user("zhujian"))
        actions.contact(request, actor=user("zhujian"))
        actions.reply(request, "经现场核实已处理。", actor=user("zhujian"))
        actions.approve_review(request, actor=user("operator"))
        actions.follow_up(request, actor=user("operator"), contacted=True, solved=solved,
                          service_satisfaction=result, result_satisfaction=result)
    period = Period.of_month(request.events.last().at.date())
    client = client_as("supervisor")
    html = client.get(reverse("web:assessment-panel"), {"month": period.label}).content.decode()
    workbook = client.get(reverse("web:assessment-report"), {"month": period.label, "format": "xlsx"})
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"zhili-monthly-report-{period.label}.xlsx" in workbook["Content-Disposition"]
    overview = month_overview(period)
    rates = overview["district"].rates
    assert _stat(html, "followed_up") == "3"
    assert _stat(html, "response") == pct(rates.response) == "100.0%"
    assert _stat(html, "resolution") == pct(rates.resolution) == "66.7%"
    assert _stat(html, "satisfaction") == pct(rates.satisfaction) == "63.3%"  # (1 + 0.9) / 3
    assert _stat(html, "composite") == points(rates.composite)
    assert _stat(html, "received") == str(overview["totals"]["requests"])
    book = load_workbook(io.BytesIO(workbook.content))
    district = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if row[0]}
    assert points(district["综合得分"]) == _stat(html, "composite")
    assert district["有效回访"] == 3
    ranking = list(book["单位排名"].iter_rows(min_row=2, values_only=True))
    assert ranking[0][1] == "区住建局"
    assert f'data-score="{unit("370102-D09").pk}">{points(ranking[0][-6])}<' in html  # composite column


@pytest.mark.django_db
def test_report_download_refuses_bad_parameters(client_as):
    client = client_as("leader")
    assert client.get(reverse("web:assessment-report"), {"month": "2025-13"}).status_code == 400
    assert client.get(reverse("web:assessment-report"), {"month": "2025-01", "format": "doc"}).status_code == 400


@pytest.mark.django_db
def test_an_unreadable_month_falls_back_with_a_message(client_as):
    html = client_as("leader").get(reverse("web:assessment"), {"month": "last"}).content.decode()
    assert "无法识别的月份“last”" in html


def test_phone_numbers_in_report_excerpts_are_masked():
    from zhili.assessment.overview import _excerpt

    text = _excerpt("请联系13812345678或0531-86001234，2019年5月16日办结。", 100)
    assert text == "请联系138****5678或0531-86****34，2019年5月16日办结。"  # privacy.mask_text, as Open311 masks


def test_the_unit_ranking_has_no_received_column_and_the_subdistrict_ranking_has(client_as):
    """A unit receives its orders by dispatch (an intake has no unit yet), so the unit ranking
    shows 派单 and no 受理 column that would always read 0; places and categories keep it."""
    client = client_as("leader")
    by_unit = client.get(reverse("web:assessment"), {"by": "unit"}).content.decode()
    by_place = client.get(reverse("web:assessment"), {"by": "subdistrict"}).content.decode()
    assert ">受理</th>" not in by_unit and ">派单</th>" in by_unit
    assert ">受理</th>" in by_place
