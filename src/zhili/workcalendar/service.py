"""Working-day arithmetic on the work calendar, always on Asia/Shanghai dates.

Public functions:
- ``is_working_day(date) -> bool``
- ``add_working_days(start, days, count_start_day=None) -> datetime`` (end of the due day)
- ``add_hours(start, hours) -> datetime`` (natural time, for urgent matters)
- ``working_days_between(start, end) -> int``
- ``year_has_data(year)``, ``missing_years(years)``

Rules: domain.md §2 (JN 24, SD; the start-day rule is ``settings.ZHILI_COUNT_START_DAY``; a
deadline on a holiday moves to the next working day). A year without loaded data never raises:
it is computed weekends-only and the fallback is logged once per year and process.
"""

import datetime as dt
import logging
import threading
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import CalendarDay, CalendarYear, DayKind

logger = logging.getLogger("zhili.calendar")

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# End of the due day: a unit has the whole last working day.
DUE_TIME = dt.time(23, 59, 59)
# Other processes may edit the calendar; re-read it at most this often (seconds).
_CACHE_TTL = 60.0
# A deadline of more than this many working days is a data error, not a real limit.
MAX_WORKING_DAYS = 3660


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.loaded_at = 0.0
        self.exceptions: dict[dt.date, str] = {}
        self.years: set[int] = set()
        self.warned: set[int] = set()

    def ensure(self) -> None:
        if time.monotonic() - self.loaded_at < _CACHE_TTL:
            return
        with self.lock:
            self.exceptions = dict(CalendarDay.objects.values_list("date", "kind"))
            self.years = set(CalendarYear.objects.values_list("year", flat=True))
            self.loaded_at = time.monotonic()


_cache = _Cache()


def invalidate_cache() -> None:
    """Forget the cached calendar (called when an administrator edits it), and warn again about
    missing years."""
    _cache.loaded_at = 0.0
    _cache.warned = set()


@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=CalendarYear)
def _calendar_changed(**kwargs) -> None:
    invalidate_cache()


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar date of an aware datetime (naive ones are taken as local)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(LOCAL_TZ).date()


def year_has_data(year: int) -> bool:
    _cache.ensure()
    return year in _cache.years


def missing_years(years) -> list[int]:
    """The years among ``years`` whose holiday notice is not loaded, sorted."""
    _cache.ensure()
    return sorted(set(years) - _cache.years)


def is_working_day(day: dt.date) -> bool:
    """True on a working day: Mon–Fri unless a holiday, or a weekend make-up working day.

    For a year without data, weekends-only (and a logged warning, once per year per process).
    """
    _cache.ensure()
    if day.year not in _cache.years and day.year not in _cache.warned:
        _cache.warned.add(day.year)
        logger.warning("工作日历缺少 %s 年数据，按仅周末休息计算（请载入当年国务院放假通知）", day.year)
    kind = _cache.exceptions.get(day)
    if kind == DayKind.HOLIDAY:
        return False
    if kind == DayKind.WORKDAY:
        return True
    return day.weekday() < 5


def next_working_day(day: dt.date) -> dt.date:
    """The first working day on or after ``day``."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.datetime, days: int, count_start_day: bool | None = None) -> dt.datetime:
    """The due moment ``days`` working days after ``start``: 23:59:59 Asia/Shanghai of the last day.

    ``start`` is an aware datetime (naive is taken as Asia/Shanghai). Without the start-day rule
    (default, civil-law convention) the first working day after the start date is day 1; with it
    ("含本数"), the start date is day 1 when it is a working day. ``days`` = 0 gives the end of the
    start date's next working day on or after it. Raises ValueError for negative or absurd
    (> 3660) day counts.

    Example (2026 Spring Festival): start Fri 2026-02-13, 5 days → Fri 2026-02-27 23:59:59,
    because Sat 02-14 is a make-up working day and 02-15…02-23 are holidays.
    """
    if days < 0 or days > MAX_WORKING_DAYS:
        raise ValueError(f"工作日数必须在 0 到 {MAX_WORKING_DAYS} 之间，收到 {days}")
    if count_start_day is None:
        count_start_day = settings.ZHILI_COUNT_START_DAY
    day = local_date(start)
    if days == 0:
        due = next_working_day(day)
    else:
        remaining = days
        if count_start_day and is_working_day(day):
            remaining -= 1
        due = day
        while remaining > 0:
            due += dt.timedelta(days=1)
            if is_working_day(due):
                remaining -= 1
        due = next_working_day(due)
    return dt.datetime.combine(due, DUE_TIME, tzinfo=LOCAL_TZ)


def add_hours(start: dt.datetime, hours: int) -> dt.datetime:
    """Natural-time deadline for urgent matters (BJ 13): the hotline runs 24×7, so no calendar."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=LOCAL_TZ)
    return start + dt.timedelta(hours=hours)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """How many working days lie after ``start``'s date up to and including ``end``'s date
    (Asia/Shanghai). 0 when ``end`` is on or before ``start``'s date."""
    first, last = local_date(start), local_date(end)
    count, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
