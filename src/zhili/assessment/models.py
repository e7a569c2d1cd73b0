"""Tables of the assessment app. Every row here is derived from the request event log (and the
request rows the workflow writes with each event): rollups, stored hotspot runs and reply reviews.
They can be dropped and rebuilt at any time (``zhili refresh-rollups --rebuild``,
``zhili find-hotspots``, ``zhili assess-replies``); nothing else depends on them being kept.

Foreign keys of the rollups are plain integer columns in the database (``db_constraint=False``,
no index of their own): the rows are rewritten in bulk and read by day or month ranges.
"""

from django.db import models
from django.utils.translation import gettext_lazy

from .formulas import Counts


def _ref(model: str, label: str, **kwargs) -> models.ForeignKey:
    return models.ForeignKey(model, verbose_name=label, null=True, blank=True, on_delete=models.DO_NOTHING,
                             db_constraint=False, db_index=False, related_name="+", **kwargs)


class RollupState(models.Model):
    """How far the rollups have read the event log: the last event id and the ids below it not
    yet seen (``gaps``: id → first time it was missed; a transaction may commit a lower id after a
    higher one, or roll back and leave a hole that is forgotten after ``GAP_TTL``)."""

    name = models.CharField(max_length=32, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=dict, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("汇总表进度")
        verbose_name_plural = gettext_lazy("汇总表进度")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class DailyActivity(models.Model):
    """One day × unit × category × subdistrict: the counts of its events (``formulas.Counts``).

    ``day`` is the Asia/Shanghai date of the event. ``unit`` is the unit the event concerns: the
    unit dispatched to for 派单/改派, the lead unit at the time for every other step, none for
    受理. ``category1``/``category2`` are the first/second level of the order's category (its
    category never changes after dispatch), ``subdistrict`` the order's place. Follow-ups count
    only when they are the latest of their order in their month (valid follow-ups, formulas).
    """

    day = models.DateField(gettext_lazy("日期"))
    unit = _ref("organisation.Unit", gettext_lazy("单位"))
    category1 = _ref("taxonomy.Category", gettext_lazy("一级分类"))
    category2 = _ref("taxonomy.Category", gettext_lazy("二级分类"))
    subdistrict = _ref("organisation.Unit", gettext_lazy("街道"))
    received = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    accepted_on_time = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    replied_on_time = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    followed_up = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    result_satisfied = models.PositiveIntegerField(default=0)
    result_basic = models.PositiveIntegerField(default=0)
    result_dissatisfied = models.PositiveIntegerField(default=0)
    service_satisfied = models.PositiveIntegerField(default=0)
    service_basic = models.PositiveIntegerField(default=0)
    service_dissatisfied = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    red_carded = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("每日汇总")
        verbose_name_plural = gettext_lazy("每日汇总")
        indexes = [
            # Monthly rankings, the dashboard and the report sum a range of days; the refresh
            # deletes and rewrites whole days.
            models.Index(fields=["day"], name="rollup_daily_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id}/{self.category1_id}/{self.subdistrict_id}"

    def counts(self) -> Counts:
        return Counts(**{name: getattr(self, name) for name in Counts.names()})


class RequestCell(models.Model):
    """How many orders are now in one cell: received month × state × lead unit × first-level
    category × subdistrict. ``stats.totals()`` sums cells instead of scanning every order."""

    month = models.DateField(gettext_lazy("受理月份"))  # the first day of the Asia/Shanghai month of received_at
    state = models.CharField(max_length=24)
    lead_unit = _ref("organisation.Unit", gettext_lazy("主办单位"))
    category1 = _ref("taxonomy.Category", gettext_lazy("一级分类"))
    subdistrict = _ref("organisation.Unit", gettext_lazy("街道"))
    requests = models.IntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("工单现状汇总")
        verbose_name_plural = gettext_lazy("工单现状汇总")
        indexes = [
            # totals(month=…) and the refresh read the cells of a few months.
            models.Index(fields=["month"], name="rollup_cell_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.state} {self.requests}"


class RequestCellMember(models.Model):
    """The cell each order is counted in, so a refresh can move it when the order changes."""

    request_id = models.BigIntegerField(primary_key=True)
    month = models.DateField()
    state = models.CharField(max_length=24)
    lead_unit_id = models.BigIntegerField(null=True)
    category1_id = models.BigIntegerField(null=True)
    subdistrict_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = gettext_lazy("工单所在汇总格")
        verbose_name_plural = gettext_lazy("工单所在汇总格")

    def __str__(self) -> str:
        return str(self.request_id)

    def key(self) -> tuple:
        return (self.month, self.state, self.lead_unit_id, self.category1_id, self.subdistrict_id)


class HotspotRun(models.Model):
    """One computation of the hotspots of a month (requests of the window ending at the month's
    end). Recomputing a month replaces its run."""

    month = models.DateField(gettext_lazy("月份"), unique=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    analysed = models.PositiveIntegerField(gettext_lazy("分析工单数"), default=0)
    parameters = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("热点计算")
        verbose_name_plural = gettext_lazy("热点计算")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Hotspot(models.Model):
    """A group of requests about the same matter, ranked by heat (``formulas.heat_index``)."""

    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="hotspots")
    rank = models.PositiveSmallIntegerField(gettext_lazy("排名"))
    heat = models.FloatField(gettext_lazy("热度"))
    description = models.CharField(gettext_lazy("概述"), max_length=200)
    place = models.CharField(gettext_lazy("地点"), max_length=100, blank=True)
    category1 = _ref("taxonomy.Category", gettext_lazy("一级分类"))
    requests = models.PositiveIntegerField(gettext_lazy("诉求件数"))
    people = models.PositiveIntegerField(gettext_lazy("涉及人数"))
    votes_up = models.PositiveIntegerField(gettext_lazy("点赞数"), default=0)
    first_at = models.DateTimeField(gettext_lazy("最早"))
    last_at = models.DateTimeField(gettext_lazy("最近"))
    subdistricts = models.CharField(gettext_lazy("涉及街道"), max_length=200, blank=True)
    representative = _ref("requests.ServiceRequest", gettext_lazy("代表工单"))
    member_ids = models.JSONField(gettext_lazy("工单"), default=list)

    class Meta:
        verbose_name = gettext_lazy("热点")
        verbose_name_plural = gettext_lazy("热点")
        ordering = ["run", "rank"]

    def __str__(self) -> str:
        return self.description


class ReplyReview(models.Model):
    """The quality score of one official reply (a REPLY event), explained by its parts."""

    event = models.OneToOneField("requests.RequestEvent", on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+")
    request = _ref("requests.ServiceRequest", gettext_lazy("工单"))
    unit = _ref("organisation.Unit", gettext_lazy("答复单位"))
    replied_at = models.DateTimeField(gettext_lazy("答复时间"))
    working_days = models.PositiveIntegerField(gettext_lazy("用时（工作日）"))
    relevance = models.FloatField(gettext_lazy("相关性"))
    similarity = models.FloatField(gettext_lazy("文本相似度"))
    completeness = models.FloatField(gettext_lazy("完整性"))
    timeliness = models.FloatField(gettext_lazy("及时性"))
    score = models.FloatField(gettext_lazy("得分"))
    missing = models.JSONField(gettext_lazy("缺少要素"), default=list)
    method = models.CharField(max_length=32)

    class Meta:
        verbose_name = gettext_lazy("答复质量")
        verbose_name_plural = gettext_lazy("答复质量")
        indexes = [
            # The reviewer's list: the weakest replies of a month.
            models.Index(fields=["replied_at", "score"], name="reply_review_month_score"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.score:.2f}"
