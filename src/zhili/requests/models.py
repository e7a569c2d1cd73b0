"""Service requests (工单) and their immutable event log.

Only ``zhili.workflow`` changes ``state``, the units or the deadlines of a ServiceRequest, and it
writes one RequestEvent for each change in the same transaction. Events are never updated or
deleted: the model refuses it, and on PostgreSQL a trigger does too (migration 0002).
"""

from django.conf import settings
from django.db import connections, models, router
from django.db.models import Exists, IntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from zhili.organisation.roles import Role, roles_of
from zhili.organisation.subtree import unit_paths, within

from .choices import Action, Channel, DeclineReason, RequestType, Resolution, Satisfaction, State
from .privacy import mask_name, mask_phone

# The workflow steps that set an order's deadline (``due_at``); their events carry its facts.
DEADLINE_ACTIONS = (Action.DISPATCH, Action.REASSIGN, Action.REOPEN, Action.APPROVE_EXTENSION)


class ServiceRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ServiceRequestQuerySet":
        """Row-level access, the one predicate for lists and single records (404 to outsiders).

        Hotline roles (operator, dispatcher, supervisor, district leader, administrator) see every
        order; a unit's people see orders whose lead unit — or one of whose assisting units — is
        their unit or one of its sub-units; anyone else sees nothing.
        """
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if roles_of(user) & Role.DISTRICT_WIDE:
            return self
        paths = unit_paths(user)
        if not paths:
            return self.none()
        assisted = AssistingUnit.objects.filter(within(paths, "unit"), request=OuterRef("pk"))
        return self.filter(within(paths, "lead_unit") | Exists(assisted))

    def overdue(self, now=None) -> "ServiceRequestQuerySet":
        """Open orders whose deadline has passed (reads the indexed ``due_at``)."""
        return self.filter(state__in=State.open_states(), due_at__lt=now or timezone.now())

    def with_time_limit(self) -> "ServiceRequestQuerySet":
        """Annotate ``time_limit_hours``: the urgent limit in natural hours (BJ 13) behind the
        current ``due_at``, or None for a working-day deadline.

        Read from the facts of the latest event that set the deadline (``DEADLINE_ACTIONS``:
        dispatch, reassign and reopen copy ``time_limit_hours`` from the category; an approved
        extension adds working days, so after one the deadline counts as working days). A later
        edit of the category never changes an order already dispatched. One correlated subquery
        on the (request, seq) index per row fetched; the card worker and lists showing card
        flags read it (``zhili.workflow.cards``)."""
        latest = (RequestEvent.objects.filter(request=OuterRef("pk"), action__in=DEADLINE_ACTIONS)
                  .order_by("-seq")
                  .annotate(hours=Cast(KeyTextTransform("time_limit_hours", "data"), IntegerField()))
                  .values("hours")[:1])
        return self.annotate(time_limit_hours=Subquery(latest, output_field=IntegerField()))

    def with_related(self) -> "ServiceRequestQuerySet":
        """What a list row shows, fetched in the same query (no N+1)."""
        return self.select_related("category", "category__parent", "lead_unit", "subdistrict", "community")

    def reserve_pk(self) -> int | None:
        """The id the next new order will have, taken now from PostgreSQL's sequence of the id
        column (one ``nextval``: concurrent callers never get the same one; a rolled-back one is
        skipped, as with any sequence). With it the order's number, which contains the id, is
        written by the order's one INSERT instead of a second write of the row. None on other
        databases (SQLite has no sequence: the INSERT gives the id)."""
        connection = connections[router.db_for_write(self.model)]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [self.model._meta.db_table])
            return cursor.fetchone()[0]


class ServiceRequest(models.Model):
    """A citizen's request and its handling.

    Times are aware datetimes; ``due_at`` is the end of the last working day (Asia/Shanghai)
    of the handling limit. ``version`` increases with every workflow change (optimistic locking).
    Requester name and phone are stored once, here, and shown masked everywhere.
    """

    number = models.CharField(gettext_lazy("工单编号"), max_length=32, unique=True, null=True, blank=True)
    channel = models.CharField(gettext_lazy("渠道"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    request_type = models.CharField(gettext_lazy("诉求类型"), max_length=16, choices=RequestType.choices,
                                    default=RequestType.COMPLAINT)
    title = models.CharField(gettext_lazy("标题"), max_length=200)
    description = models.TextField(gettext_lazy("诉求内容"))
    address = models.CharField(gettext_lazy("地址"), max_length=300, blank=True)
    lat = models.DecimalField(gettext_lazy("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(gettext_lazy("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    subdistrict = models.ForeignKey("organisation.Unit", verbose_name=gettext_lazy("街道"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("organisation.Unit", verbose_name=gettext_lazy("社区"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("taxonomy.Category", verbose_name=gettext_lazy("诉求分类"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="requests")
    lead_unit = models.ForeignKey("organisation.Unit", verbose_name=gettext_lazy("主办单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="led_requests")
    state = models.CharField(gettext_lazy("状态"), max_length=24, choices=State.choices, default=State.RECEIVED)
    version = models.PositiveIntegerField(default=0)

    received_at = models.DateTimeField(gettext_lazy("受理时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(gettext_lazy("派单时间"), null=True, blank=True)
    due_at = models.DateTimeField(gettext_lazy("截止时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(gettext_lazy("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(gettext_lazy("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(gettext_lazy("办结时间"), null=True, blank=True)

    # Facts of the handling, each stamped by one workflow step (and repeated in its event).
    first_contacted_at = models.DateTimeField(gettext_lazy("首次联系时间"), null=True, blank=True)
    promised_at = models.DateTimeField(gettext_lazy("承诺办结时间"), null=True, blank=True)
    extension_days_total = models.PositiveSmallIntegerField(gettext_lazy("已批准延期（工作日）"), default=0)
    pending_extension_days = models.PositiveSmallIntegerField(gettext_lazy("待批延期（工作日）"), null=True, blank=True)
    pending_extension_reason = models.TextField(gettext_lazy("延期理由"), blank=True)
    supervision_level = models.PositiveSmallIntegerField(gettext_lazy("督办级别"), default=0)  # 0 none, 1 催办, 2 督办, 3 提级
    red_cards = models.PositiveSmallIntegerField(gettext_lazy("红牌次数"), default=0)
    red_carded_at = models.DateTimeField(gettext_lazy("最近红牌时间"), null=True, blank=True)
    yellow_carded_at = models.DateTimeField(gettext_lazy("黄牌时间"), null=True, blank=True)
    return_count = models.PositiveSmallIntegerField(gettext_lazy("退单次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(gettext_lazy("重办次数"), default=0)
    decline_reason = models.CharField(gettext_lazy("不予受理理由"), max_length=20, choices=DeclineReason.choices, blank=True)
    resolution = models.CharField(gettext_lazy("办结方式"), max_length=24, choices=Resolution.choices, blank=True)
    knowledge_article = models.ForeignKey("knowledge.KnowledgeArticle", verbose_name=gettext_lazy("直办所用知识"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="+")
    followup_contacted = models.BooleanField(gettext_lazy("回访：是否联系"), null=True, blank=True)
    followup_solved = models.BooleanField(gettext_lazy("回访：是否解决"), null=True, blank=True)
    service_satisfaction = models.CharField(gettext_lazy("服务满意度"), max_length=24, choices=Satisfaction.choices, blank=True)
    result_satisfaction = models.CharField(gettext_lazy("结果满意度"), max_length=24, choices=Satisfaction.choices, blank=True)
    merged_into = models.ForeignKey("self", verbose_name=gettext_lazy("并入主单"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_requests")
    split_from = models.ForeignKey("self", verbose_name=gettext_lazy("拆自"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="split_requests")

    requester_name = models.CharField(gettext_lazy("诉求人"), max_length=50, blank=True)
    requester_phone = models.CharField(gettext_lazy("联系电话"), max_length=24, blank=True)
    confidential = models.BooleanField(gettext_lazy("保密"), default=False)

    source = models.CharField(gettext_lazy("来源"), max_length=50, default="zhili")
    # NULL, not "": many requests of one source may have no id, and the unique pair ignores NULLs.
    external_id = models.CharField(gettext_lazy("来源编号"), max_length=64, null=True, blank=True)  # noqa: DJ001
    votes_up = models.PositiveIntegerField(gettext_lazy("点赞数"), default=0)
    votes_down = models.PositiveIntegerField(gettext_lazy("反对数"), default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("工单")
        verbose_name_plural = gettext_lazy("工单")
        ordering = ["-received_at", "-id"]
        constraints = [
            # An import re-run finds what it already stored (idempotent by source + external id).
            models.UniqueConstraint(fields=["source", "external_id"], name="request_unique_source_external_id"),
        ]
        indexes = [
            # Unit inbox: a unit's open orders by deadline.
            models.Index(fields=["lead_unit", "state", "due_at"], name="request_unit_inbox"),
            # Supervisor board and the overdue filter: open orders by deadline.
            models.Index(fields=["state", "due_at"], name="request_state_due"),
            # The default list order and the date-range filter.
            models.Index(fields=["received_at"], name="request_received"),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.title}"

    @property
    def requester_name_masked(self) -> str:
        return gettext("（保密）") if self.confidential else mask_name(self.requester_name)

    @property
    def requester_phone_masked(self) -> str:
        return gettext("（保密）") if self.confidential else mask_phone(self.requester_phone)

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_at and self.state in State.open_states() and self.due_at < timezone.now())

    def can_be_seen_by(self, user) -> bool:
        return ServiceRequest.objects.visible_to(user).filter(pk=self.pk).exists()


class ImmutableEventError(Exception):
    """Raised on an attempt to change or delete a recorded event."""


class RequestEvent(models.Model):
    """One thing that happened to a request: who (``actor``, null for the system), what
    (``action``), state and unit before → after, when, a note, and for automatic decisions the
    model's ``confidence`` (0–1). ``data`` holds the facts of the step (due date before/after,
    the dispatch rule that matched, model version …). Never updated or deleted."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(gettext_lazy("序号"))
    action = models.CharField(gettext_lazy("动作"), max_length=32, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    from_unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    to_unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    note = models.TextField(gettext_lazy("说明"), blank=True)
    confidence = models.FloatField(gettext_lazy("置信度"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(gettext_lazy("时间"), default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("工单事件")
        verbose_name_plural = gettext_lazy("工单事件")
        ordering = ["request", "seq"]
        constraints = [models.UniqueConstraint(fields=["request", "seq"], name="event_unique_request_seq")]
        indexes = [
            # Assessment and reports read events by action over a period.
            models.Index(fields=["action", "at"], name="event_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableEventError("工单事件不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEventError("工单事件不可删除")

    @property
    def actor_display(self) -> str:
        if self.actor_id is None:
            return gettext("系统")
        return self.actor.get_full_name() or self.actor.get_username()


class AssistingUnit(models.Model):
    """An assisting unit (协办单位) on an order: it reports to the lead unit by its own deadline
    (BJ 14–15). Rows are created and completed only by ``zhili.workflow``."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="assisting_units")
    unit = models.ForeignKey("organisation.Unit", verbose_name=gettext_lazy("协办单位"), on_delete=models.PROTECT,
                             related_name="assisted_requests")
    due_at = models.DateTimeField(gettext_lazy("反馈时限"))
    reported_at = models.DateTimeField(gettext_lazy("反馈时间"), null=True, blank=True)
    report = models.TextField(gettext_lazy("反馈内容"), blank=True)

    class Meta:
        verbose_name = gettext_lazy("协办单位")
        verbose_name_plural = gettext_lazy("协办单位")
        constraints = [models.UniqueConstraint(fields=["request", "unit"], name="assisting_unique_request_unit")]

    def __str__(self) -> str:
        return f"{self.request_id} 协办 {self.unit}"


class RequesterReveal(models.Model):
    """Who saw a requester's unmasked phone, when and why (PIPL; domain.md §5). Append-only."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(gettext_lazy("用途"), max_length=200)
    at = models.DateTimeField(gettext_lazy("时间"), default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("诉求人信息查看记录")
        verbose_name_plural = gettext_lazy("诉求人信息查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} 查看 {self.request_id} @ {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableEventError("查看记录不可修改")
        super().save(*args, **kwargs)


class Reminder(models.Model):
    """A message to a unit about one of its orders (yellow/red card, urge, supervise). Written by
    the workflow after the step it reports on; a unit's people mark it read."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="reminders")
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="reminders")
    action = models.CharField(max_length=32, choices=Action.choices)
    message = models.CharField(gettext_lazy("内容"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("提醒")
        verbose_name_plural = gettext_lazy("提醒")
        ordering = ["-created_at"]
        indexes = [
            # The unit inbox's unread reminders.
            models.Index(fields=["unit", "read_at"], name="reminder_unit_unread"),
        ]

    def __str__(self) -> str:
        return self.message
