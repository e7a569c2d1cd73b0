"""Seeding the work calendar from ``chinese-calendar`` and loading a year's notice from a CSV."""

import csv
import datetime as dt
import io
from pathlib import Path

from django.db import transaction

from zhili.datafiles import read_text

from .models import CalendarDay, CalendarSource, CalendarYear, DayKind


def chinese_calendar_years() -> list[int]:
    """The years the installed ``chinese-calendar`` release carries notices for."""
    import chinese_calendar

    return sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})


@transaction.atomic
def seed_from_chinese_calendar(years: list[int] | None = None) -> dict[int, int]:
    """Store each year's exceptions (weekday holidays, weekend make-up days) from the library.

    Dates an administrator or a loaded notice already set are left alone, so re-seeding never
    overwrites a correction. Returns {year: exceptions stored}.
    """
    import chinese_calendar

    years = years or chinese_calendar_years()
    protected = set(
        CalendarDay.objects.exclude(source=CalendarSource.CHINESE_CALENDAR).values_list("date", flat=True)
    )
    result = {}
    for year in years:
        rows = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            if day not in protected:
                weekend = day.weekday() >= 5
                if not weekend and day in chinese_calendar.holidays:
                    rows.append((day, DayKind.HOLIDAY, chinese_calendar.holidays[day]))
                elif weekend and day in chinese_calendar.workdays:
                    rows.append((day, DayKind.WORKDAY, chinese_calendar.workdays[day]))
            day += dt.timedelta(days=1)
        CalendarDay.objects.filter(date__year=year, source=CalendarSource.CHINESE_CALENDAR).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=d, kind=k, name=_holiday_name(n), source=CalendarSource.CHINESE_CALENDAR)
             for d, k, n in rows]
        )
        CalendarYear.objects.get_or_create(year=year, defaults={"source": CalendarSource.CHINESE_CALENDAR})
        result[year] = len(rows)
    return result


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(value) -> str:
    text = str(value or "")
    return _HOLIDAY_NAMES.get(text, text)[:50]


@transaction.atomic
def load_notice_csv(path: Path | str) -> tuple[int, list[int]]:
    """Load a State Council notice from a CSV with columns ``date,kind,name``.

    ``kind`` is ``holiday`` (休) or ``workday`` (班); dates are YYYY-MM-DD. The years named are
    marked loaded. Returns (rows stored, years). Raises ValueError in Chinese naming the row
    and column of the first bad value, or every date given on more than one row with its line
    numbers (which row wins is not for the loader to guess); nothing is stored then.
    """
    reader = csv.DictReader(io.StringIO(read_text(path)))
    missing = {"date", "kind"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"日历文件缺少列：{'、'.join(sorted(missing))}")
    kinds = {"holiday": DayKind.HOLIDAY, "休": DayKind.HOLIDAY, "workday": DayKind.WORKDAY, "班": DayKind.WORKDAY}
    days = []
    lines: dict[dt.date, list[int]] = {}
    for row in reader:
        number = reader.line_num  # the line as an editor shows it (header = line 1)
        try:
            day = dt.date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            raise ValueError(f"第 {number} 行 date 列：“{row['date']}”不是 YYYY-MM-DD 日期") from None
        kind = kinds.get((row["kind"] or "").strip())
        if kind is None:
            raise ValueError(f"第 {number} 行 kind 列：“{row['kind']}”应为 holiday（休）或 workday（班）")
        days.append((day, kind, (row.get("name") or "").strip()[:50]))
        lines.setdefault(day, []).append(number)
    repeated = {day: numbers for day, numbers in sorted(lines.items()) if len(numbers) > 1}
    if repeated:
        listed = "；".join(f"{day:%Y-%m-%d}（第 {'、'.join(map(str, numbers))} 行）" for day, numbers in repeated.items())
        raise ValueError(f"日历文件中有日期重复出现，未导入任何一天，请每个日期只保留一行：{listed}")
    for day, kind, name in days:
        CalendarDay.objects.update_or_create(
            date=day, defaults={"kind": kind, "name": name, "source": CalendarSource.NOTICE}
        )
    years = sorted({d.year for d, _, _ in days})
    for year in years:
        CalendarYear.objects.update_or_create(year=year, defaults={"source": CalendarSource.NOTICE})
    return len(days), years
