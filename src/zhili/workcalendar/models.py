"""The work calendar (工作日历): the State Council's yearly holiday notice as editable data.

Only exceptions to "Monday–Friday work, weekend rest" are stored: weekdays that are holidays
and weekend days that are make-up working days (调休). A ``CalendarYear`` row says a year's
notice has been loaded; for a year without one, deadlines fall back to weekends-only and a
warning is shown (domain.md §2).
"""

from django.db import models
from django.utils.translation import gettext_lazy


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", gettext_lazy("节假日（休息）")
    WORKDAY = "workday", gettext_lazy("调休上班")


class CalendarSource(models.TextChoices):
    CHINESE_CALENDAR = "chinese-calendar", gettext_lazy("chinese-calendar 库")
    NOTICE = "notice", gettext_lazy("国务院通知（导入）")
    ADMIN = "admin", gettext_lazy("管理员编辑")


class CalendarDay(models.Model):
    date = models.DateField(gettext_lazy("日期"), unique=True)
    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=DayKind.choices)
    name = models.CharField(gettext_lazy("名称"), max_length=50, blank=True)
    source = models.CharField(gettext_lazy("来源"), max_length=20, choices=CalendarSource.choices, default=CalendarSource.ADMIN)

    class Meta:
        verbose_name = gettext_lazy("日历例外日")
        verbose_name_plural = gettext_lazy("日历例外日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """A year whose holiday notice is loaded; deadlines in other years use the weekend-only fallback."""

    year = models.PositiveSmallIntegerField(gettext_lazy("年份"), unique=True)
    source = models.CharField(gettext_lazy("来源"), max_length=20, choices=CalendarSource.choices)
    loaded_at = models.DateTimeField(gettext_lazy("载入时间"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("已载入年份")
        verbose_name_plural = gettext_lazy("已载入年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
