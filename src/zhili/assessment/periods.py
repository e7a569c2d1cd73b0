"""Assessment periods: a month (the ranking period), an ISO week, a quarter, a year or any range
of days, always of Asia/Shanghai dates (domain.md §2: every business rule on local time)."""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import dateformat
from django.utils.translation import gettext

from zhili.workcalendar.service import LOCAL_TZ

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")

# The years a period may fall in. A district's 12345 orders start in the 2000s; the bounds keep
# a period, the one before it and the one after it inside what ``datetime`` and the databases can
# represent (year 1 and 9999 overflow once shifted to UTC or to the next month), so pages, the
# report and the CLI never see an OverflowError from a typed URL or option.
FIRST_YEAR, LAST_YEAR = 2000, 2099


class PeriodError(ValueError):
    """A period text that cannot be read or lies outside FIRST_YEAR..LAST_YEAR; the message is
    in the active language and names the text, ready for a page or a CommandError."""


@dataclass(frozen=True)
class Period:
    """Local dates ``start`` ≤ day < ``end`` and how to call them (``label``, ``kind``)."""

    start: dt.date
    end: dt.date
    kind: str = "days"
    label: str = ""

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1)
        return cls(start, end, "month", f"{year}-{month:02d}")

    @classmethod
    def of_month(cls, day: dt.date) -> "Period":
        return cls.month(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> "Period":
        """"2019-05" (month), "2019-W18" (ISO week), "2019-Q2", "2019", of a year in
        FIRST_YEAR..LAST_YEAR. Raises PeriodError (a ValueError) with a Chinese message for
        anything else: every page, command and function reading a period from outside goes
        through here (or ``parse_month``)."""
        text = (text or "").strip()
        m = _MONTH.match(text) or _QUARTER.match(text) or _WEEK.match(text) or _YEAR.match(text)
        if not m:
            raise PeriodError(gettext("无法识别的期间“%(text)s”（应为 YYYY-MM、YYYY-Www、YYYY-Qn 或 YYYY）") % {"text": text})
        year = int(m[1])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise PeriodError(gettext("期间“%(text)s”超出可查询的范围（%(first)s年至%(last)s年）")
                              % {"text": text, "first": FIRST_YEAR, "last": LAST_YEAR})
        if m.re is _MONTH:
            month = int(m[2])
            if not 1 <= month <= 12:
                raise PeriodError(gettext("月份无效：“%(text)s”（月份应为 1 至 12）") % {"text": text})
            return cls.month(year, month)
        if m.re is _QUARTER:
            quarter = int(m[2])
            start = dt.date(year, 3 * quarter - 2, 1)
            end = cls.month(year, 3 * quarter).end
            return cls(start, end, "quarter", f"{year}-Q{quarter}")
        if m.re is _WEEK:
            try:
                start = dt.date.fromisocalendar(year, int(m[2]), 1)
            except ValueError:
                raise PeriodError(gettext("周次无效：“%(text)s”（%(year)s年没有第%(week)s周）")
                                  % {"text": text, "year": year, "week": int(m[2])}) from None
            return cls(start, start + dt.timedelta(days=7), "week", f"{year}-W{int(m[2]):02d}")
        return cls(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), "year", str(year))

    @classmethod
    def parse_month(cls, text: str) -> "Period":
        """A month "YYYY-MM" (the ranking period, the monthly report). Raises PeriodError for any
        other text, another kind of period or a year outside FIRST_YEAR..LAST_YEAR."""
        text = (text or "").strip()
        if not _MONTH.match(text):
            raise PeriodError(gettext("无法识别的月份“%(text)s”（应为 YYYY-MM）") % {"text": text})
        return cls.parse(text)

    @property
    def title(self) -> str:
        """The period in the active language: "2019年5月", "2019年第2季度", "2019年第18周", "2019年"
        in Chinese ("May 2019", "Q2 2019", "Week 18 of 2019", "2019" in English)."""
        if self.kind == "month":
            # A date format ("Y年n月"; English "F Y": "May 2019"), so a language names the month.
            return dateformat.format(self.start, gettext("Y年n月"))
        if self.kind == "quarter":
            return gettext("%(year)s年第%(quarter)s季度") % {"year": self.start.year,
                                                          "quarter": (self.start.month + 2) // 3}
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return gettext("%(year)s年第%(week)s周") % {"year": year, "week": week}
        if self.kind == "year":
            return gettext("%(year)s年") % {"year": self.start.year}
        return gettext("%(start)s 至 %(end)s") % {"start": f"{self.start:%Y-%m-%d}",
                                                 "end": f"{self.end - dt.timedelta(days=1):%Y-%m-%d}"}

    def previous(self) -> "Period":
        """The period of the same kind just before (a month before a month …)."""
        if self.kind == "month":
            return Period.of_month(self.start - dt.timedelta(days=1))
        if self.kind == "quarter":
            day = self.start - dt.timedelta(days=1)
            return Period.parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
        if self.kind == "year":
            return Period.parse(str(self.start.year - 1))
        length = self.end - self.start
        return Period(self.start - length, self.start, self.kind,
                      "" if self.kind != "week" else f"{(self.start - length).isocalendar()[0]}-W"
                      f"{(self.start - length).isocalendar()[1]:02d}")

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start 00:00, end 00:00) in Asia/Shanghai."""
        return (dt.datetime.combine(self.start, dt.time(), tzinfo=LOCAL_TZ),
                dt.datetime.combine(self.end, dt.time(), tzinfo=LOCAL_TZ))

    def days(self) -> int:
        return (self.end - self.start).days

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day < self.end


def parse_day(text: str) -> dt.date:
    """A date "YYYY-MM-DD" of a year in FIRST_YEAR..LAST_YEAR. Raises PeriodError."""
    text = (text or "").strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(gettext("无法识别的日期“%(text)s”（应为 YYYY-MM-DD）") % {"text": text}) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PeriodError(gettext("日期“%(text)s”超出可查询的范围（%(first)s年至%(last)s年）")
                          % {"text": text, "first": FIRST_YEAR, "last": LAST_YEAR})
    return day


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def local_day(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai date of an aware datetime."""
    return moment.astimezone(LOCAL_TZ).date()
