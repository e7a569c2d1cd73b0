"""Working-day deadlines on the work calendar (domain.md §2), on Asia/Shanghai dates."""

import datetime as dt
import io
import logging
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from zhili.workcalendar import service
from zhili.workcalendar.loader import load_notice_csv
from zhili.workcalendar.models import CalendarDay, CalendarYear, DayKind

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fresh_cache():
    service.invalidate_cache()
    yield
    service.invalidate_cache()


def due(start: str, days: int, count_start_day=False) -> str:
    moment = dt.datetime.fromisoformat(start)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SH)
    return service.add_working_days(moment, days, count_start_day).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("start", "days", "count_start_day", "expected"),
    [
        # Spring Festival 2026: Sat 02-14 is a make-up working day; 02-15…02-23 are holidays.
        ("2026-02-13 10:00", 5, False, "2026-02-27 23:59:59"),
        ("2026-02-13 10:00", 5, True, "2026-02-26 23:59:59"),
        ("2026-02-13 10:00", 1, False, "2026-02-14 23:59:59"),
        ("2026-02-14 09:00", 1, False, "2026-02-24 23:59:59"),
        # Dispatched on a holiday: counting starts after it; with 含本数 a holiday is not day one.
        ("2026-02-16 10:00", 1, False, "2026-02-24 23:59:59"),
        ("2026-02-16 10:00", 1, True, "2026-02-24 23:59:59"),
        # Labour Day 2026: 05-01…05-05 off, Sat 05-09 a make-up working day.
        ("2026-04-30 16:00", 1, False, "2026-05-06 23:59:59"),
        ("2026-04-30 16:00", 4, False, "2026-05-09 23:59:59"),
        ("2026-04-30 16:00", 5, False, "2026-05-11 23:59:59"),
        # National Day 2026: 10-01…10-07 off, Sat 10-10 a make-up working day.
        ("2026-09-30 12:00", 2, False, "2026-10-09 23:59:59"),
        ("2026-10-09 12:00", 1, False, "2026-10-10 23:59:59"),
        ("2026-10-09 12:00", 1, True, "2026-10-09 23:59:59"),
        ("2026-10-09 12:00", 2, True, "2026-10-10 23:59:59"),
        # 10 working days of an extension from an ordinary Monday.
        ("2026-03-02 08:00", 10, False, "2026-03-16 23:59:59"),
    ],
)
def test_due_dates_across_2026_holidays(start, days, count_start_day, expected):
    assert due(start, days, count_start_day) == expected


def test_spring_festival_example_from_the_issue():
    """Dispatched Fri 2026-02-13, start day not counted, 5 working days → due 2026-02-27."""
    assert due("2026-02-13 10:00", 5) == "2026-02-27 23:59:59"


def test_utc_input_near_midnight_uses_the_shanghai_date():
    # 2026-02-12 17:30 UTC is 2026-02-13 01:30 in Shanghai: the start date is the 13th.
    utc = dt.datetime(2026, 2, 12, 17, 30, tzinfo=dt.UTC)
    assert service.add_working_days(utc, 5, False) == dt.datetime(2026, 2, 27, 23, 59, 59, tzinfo=SH)


def test_a_year_without_data_falls_back_to_weekends_and_warns(caplog):
    assert not service.year_has_data(2027)
    with caplog.at_level(logging.WARNING, logger="zhili.calendar"):
        # Fri 2027-01-01 is New Year's Day in reality, but without the notice only weekends rest.
        result = due("2026-12-31 10:00", 2)
    assert result == "2027-01-04 23:59:59"
    assert any("2027" in r.getMessage() for r in caplog.records)


def test_loading_a_notice_csv_makes_the_year_known(tmp_path):
    notice = tmp_path / "2027.csv"
    notice.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,休,元旦\n2027-01-03,holiday,元旦\n"
                      "2027-01-04,workday,调休\n", encoding="utf-8")
    count, years = load_notice_csv(notice)
    assert (count, years) == (4, [2027])
    assert service.year_has_data(2027)
    assert not service.is_working_day(dt.date(2027, 1, 1))
    assert due("2026-12-31 10:00", 1) == "2027-01-04 23:59:59"


def test_a_bad_notice_row_is_refused_with_row_and_column(tmp_path):
    notice = tmp_path / "bad.csv"
    notice.write_text("date,kind\n2027-01-01,holiday\n2027-13-01,holiday\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 3 行 date 列"):
        load_notice_csv(notice)
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_a_notice_with_a_date_on_two_rows_is_refused_listing_dates_and_lines(tmp_path):
    notice = tmp_path / "twice.csv"
    notice.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,workday,调休\n"
                      "2027-01-01,workday,元旦\n2027-02-10,holiday,春节\n2027-01-04,workday,调休\n",
                      encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("calendar", "load", str(notice), stdout=io.StringIO())
    message = str(refused.value)
    assert "日期重复" in message
    assert "2027-01-01（第 2、4 行）" in message and "2027-01-04（第 3、6 行）" in message
    assert "2027-02-10" not in message
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not service.year_has_data(2027)


def test_an_administrator_edit_wins_over_the_library_on_reseed():
    from zhili.workcalendar.loader import seed_from_chinese_calendar

    CalendarDay.objects.update_or_create(date=dt.date(2026, 3, 2), defaults={"kind": DayKind.HOLIDAY,
                                                                             "source": "admin"})
    seed_from_chinese_calendar([2026])
    assert CalendarDay.objects.get(date=dt.date(2026, 3, 2)).kind == DayKind.HOLIDAY
    assert not service.is_working_day(dt.date(2026, 3, 2))


def test_seeded_years_cover_the_library():
    assert CalendarYear.objects.filter(year=2026).exists()
    assert CalendarDay.objects.get(date=dt.date(2026, 2, 14)).kind == DayKind.WORKDAY


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="工作日数"):
        due("2026-03-02 08:00", -1)


def test_calendar_due_command_prints_the_due_datetime(capsys):
    call_command("calendar", "due", "--from", "2026-02-13T10:00", "--working-days", "5")
    assert capsys.readouterr().out.strip() == "2026-02-27T23:59:59+08:00"


def test_calendar_check_command_reports_a_missing_year(capsys):
    call_command("calendar", "check", "2026")
    assert "已有日历数据" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        call_command("calendar", "check", "2027")
    assert "没有日历数据" in capsys.readouterr().out
