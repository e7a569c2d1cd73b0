"""Period parsing refuses out-of-range and unreadable periods with a Chinese message, in one place
(``zhili.assessment.periods``) read by the assessment pages, ``zhili report`` and ``zhili stats``."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from zhili.assessment.periods import FIRST_YEAR, LAST_YEAR, Period, PeriodError, parse_day

OUT_OF_RANGE = ["0001-01", "9999-12", "9999-11", "1999-12", "2100-01"]
MONTH_PAGES = ["web:assessment", "web:assessment-panel", "web:hotspots", "web:reply-quality"]


@pytest.mark.parametrize("text", OUT_OF_RANGE + ["0001", "9999-Q4", "0001-W01", "9999-W52"])
def test_periods_outside_the_supported_years_are_refused(text):
    with pytest.raises(PeriodError, match=f"超出可查询的范围（{FIRST_YEAR}年至{LAST_YEAR}年）"):
        Period.parse(text)


@pytest.mark.parametrize("text, message", [
    ("garbage", "无法识别的月份“garbage”"), ("2019-13", "月份无效"), ("2019-Q2", "无法识别的月份“2019-Q2”"),
    ("", "无法识别的月份"),
])
def test_parse_month_refuses_anything_but_a_month(text, message):
    with pytest.raises(PeriodError, match=message):
        Period.parse_month(text)


def test_a_week_that_does_not_exist_is_refused_with_a_message():
    with pytest.raises(PeriodError, match="2019年没有第60周"):
        Period.parse("2019-W60")


def test_the_first_and_last_supported_months_have_neighbours():
    first, last = Period.parse_month(f"{FIRST_YEAR}-01"), Period.parse_month(f"{LAST_YEAR}-12")
    assert first.previous().label == f"{FIRST_YEAR - 1}-12" and first.bounds()[0].year == FIRST_YEAR
    assert Period.of_month(last.end).label == f"{LAST_YEAR + 1}-01" and last.bounds()[1].year == LAST_YEAR + 1


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "yesterday"])
def test_parse_day_refuses_unreadable_and_out_of_range_dates(text):
    with pytest.raises(PeriodError):
        parse_day(text)


@pytest.mark.django_db
@pytest.mark.parametrize("name", MONTH_PAGES)
@pytest.mark.parametrize("month", ["0001-01", "9999-12", "9999-11", "garbage"])
def test_month_pages_show_a_message_for_an_unusable_month(client_as, name, month):
    client = client_as("supervisor")
    page = client.get(reverse(name), {"month": month})
    assert page.status_code == 200
    html = page.content.decode()
    assert f"“{month}”" in html and "已显示最近有数据的月份" in html


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_report_download_answers_400_for_an_out_of_range_month(client_as, month):
    answer = client_as("leader").get(reverse("web:assessment-report"), {"month": month, "format": "xlsx"})
    assert answer.status_code == 400
    assert "超出可查询的范围" in answer.content.decode()


@pytest.mark.django_db
def test_early_warnings_refuse_an_out_of_range_day(client_as):
    page = client_as("supervisor").get(reverse("web:early-warnings"), {"as_of": "0001-01-01"})
    assert page.status_code == 200 and "超出可查询的范围" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("command", [["report", "--format", "xlsx"], ["stats"], ["find_hotspots"]])
@pytest.mark.parametrize("month", ["0001-01", "9999-12", "garbage"])
def test_commands_refuse_an_unusable_month_with_a_command_error(command, month, tmp_path):
    extra = ["--output", str(tmp_path / "r.xlsx")] if command[0] == "report" else []
    with pytest.raises(CommandError, match="--month："):
        call_command(*command, "--month", month, *extra, stdout=io.StringIO())
