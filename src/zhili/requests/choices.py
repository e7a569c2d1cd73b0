"""Enumerations of a service request (glossary.md names in code, Chinese labels in the interface).

Labels are translatable (``pgettext_lazy`` for states, actions and resolutions, which share Chinese
words but not English ones), except ``DeclineReason``'s: the workflow copies that label into the decline
event's JSON data as the record of what the requester was told, so it stays a plain Chinese
string (marked with ``gettext_noop`` for the catalogue; pages translate it when they show it).
"""

import functools

from django.db import models
from django.utils.translation import get_language, gettext_lazy, gettext_noop, pgettext_lazy


@functools.lru_cache(maxsize=64)
def _labels(choices, language: str) -> dict[str, str]:
    """{value: label} of a TextChoices class in ``language``, made once: evaluating lazy labels
    (and Django's ``get_FOO_display``, which hashes them) per row made a 10,000-row export spend
    most of its time in gettext."""
    return {value: str(label) for value, label in choices.choices}


def label_of(choices, value) -> str:
    """The label of ``value`` of a TextChoices class in the active language; "" for an empty
    value, the value itself when it is not (or no longer) one of the choices."""
    return _labels(choices, get_language()).get(value, value) if value else ""


class State(models.TextChoices):
    """States of a work order (domain.md §1). Only ``zhili.workflow`` writes them."""

    RECEIVED = "received", pgettext_lazy("state", "已受理")
    PENDING_DISPATCH = "pending_dispatch", pgettext_lazy("state", "待派单")
    DISPATCHED = "dispatched", pgettext_lazy("state", "待签收")
    RETURNED = "returned", pgettext_lazy("state", "退单待审核")
    IN_PROGRESS = "in_progress", pgettext_lazy("state", "办理中")
    REPLIED = "replied", pgettext_lazy("state", "已答复待审核")
    STOP_REQUESTED = "stop_requested", pgettext_lazy("state", "申请不再办理")
    AWAITING_FOLLOW_UP = "awaiting_follow_up", pgettext_lazy("state", "待回访")
    CLOSED = "closed", pgettext_lazy("state", "已办结")
    DECLINED = "declined", pgettext_lazy("state", "不予受理")
    MERGED = "merged", pgettext_lazy("state", "已并单")
    SPLIT = "split", pgettext_lazy("state", "已拆单")

    @classmethod
    def open_states(cls) -> list[str]:
        """States in which a unit still owes work (and a deadline can be missed)."""
        return [cls.DISPATCHED, cls.RETURNED, cls.IN_PROGRESS]

    @classmethod
    def final_states(cls) -> list[str]:
        return [cls.CLOSED, cls.DECLINED, cls.MERGED, cls.SPLIT]


class Channel(models.TextChoices):
    PHONE = "phone", gettext_lazy("电话")
    WEB = "web", gettext_lazy("网站")
    APP = "app", gettext_lazy("APP")
    WECHAT = "wechat", gettext_lazy("微信")
    LETTER = "letter", gettext_lazy("信件")
    TRANSFER = "transfer", gettext_lazy("上级转办")
    API = "api", gettext_lazy("接口")


class RequestType(models.TextChoices):
    CONSULTATION = "consultation", gettext_lazy("咨询")
    HELP = "help", gettext_lazy("求助")
    COMPLAINT = "complaint", gettext_lazy("投诉")
    REPORT = "report", gettext_lazy("举报")
    SUGGESTION = "suggestion", gettext_lazy("建议")
    PRAISE = "praise", gettext_lazy("表扬")


class DeclineReason(models.TextChoices):
    """Statutory reasons to decline or redirect at intake (分类处置: BJ 11, 国办函〔2025〕66号)."""

    EMERGENCY = "emergency", gettext_noop("紧急事项：已转 110/119/120/122")
    LITIGATION = "litigation", gettext_noop("涉及诉讼、仲裁、行政复议，已告知法定途径")
    PETITION = "petition", gettext_noop("属信访事项，已告知信访渠道")
    REPEATED = "repeated", gettext_noop("重复诉求且无新情况，已告知办理进度")
    SECRET = "secret", gettext_noop("涉及国家秘密、商业秘密或个人隐私，已解释")
    OUTSIDE_DUTY = "outside_duty", gettext_noop("不属于政府职责，已引导通过市场渠道解决")
    UNLAWFUL = "unlawful", gettext_noop("诉求违反法律法规，已解释")


class Satisfaction(models.TextChoices):
    """Follow-up outcome (BJ 23, JN 27); "basically satisfied" earns partial credit in 满意率."""

    SATISFIED = "satisfied", gettext_lazy("满意")
    BASICALLY_SATISFIED = "basically_satisfied", gettext_lazy("基本满意")
    DISSATISFIED = "dissatisfied", gettext_lazy("不满意")


class Resolution(models.TextChoices):
    """How a closed order ended."""

    REPLIED = "replied", pgettext_lazy("resolution", "办结")
    RESOLVED_AT_INTAKE = "resolved_at_intake", pgettext_lazy("resolution", "直办")
    STOPPED = "stopped", pgettext_lazy("resolution", "不再办理")
    MERGED = "merged", pgettext_lazy("resolution", "随主单办结")
    # A message imported as history whose handling the source does not record (import --history).
    ARCHIVED = "archived", pgettext_lazy("resolution", "历史归档")


class Action(models.TextChoices):
    """What an event records. ``zhili.workflow.rules`` declares each one's states and roles."""

    INTAKE = "intake", pgettext_lazy("action", "受理")
    RESOLVE_AT_INTAKE = "resolve_at_intake", pgettext_lazy("action", "直办")
    DECLINE = "decline", pgettext_lazy("action", "不予受理")
    CLASSIFY = "classify", pgettext_lazy("action", "分类")
    QUEUE_FOR_DISPATCH = "queue_for_dispatch", pgettext_lazy("action", "转人工派单")
    DISPATCH = "dispatch", pgettext_lazy("action", "派单")
    REASSIGN = "reassign", pgettext_lazy("action", "改派")
    FORCE_DISPATCH = "force_dispatch", pgettext_lazy("action", "强制派单")
    ACCEPT = "accept", pgettext_lazy("action", "签收")
    RETURN = "return", pgettext_lazy("action", "退单")
    CONTACT = "contact", pgettext_lazy("action", "联系诉求人")
    ADD_ASSISTING_UNIT = "add_assisting_unit", pgettext_lazy("action", "增加协办单位")
    ASSIST_REPORT = "assist_report", pgettext_lazy("action", "协办反馈")
    REQUEST_EXTENSION = "request_extension", pgettext_lazy("action", "申请延期")
    APPROVE_EXTENSION = "approve_extension", pgettext_lazy("action", "批准延期")
    REJECT_EXTENSION = "reject_extension", pgettext_lazy("action", "驳回延期")
    INTERIM_REPLY = "interim_reply", pgettext_lazy("action", "阶段性答复")
    REPLY = "reply", pgettext_lazy("action", "答复")
    REQUEST_STOP = "request_stop", pgettext_lazy("action", "申请不再办理")
    APPROVE_REVIEW = "approve_review", pgettext_lazy("action", "审核通过")
    SEND_BACK = "send_back", pgettext_lazy("action", "退回重办")
    FOLLOW_UP = "follow_up", pgettext_lazy("action", "回访")
    REOPEN = "reopen", pgettext_lazy("action", "重办")
    URGE = "urge", pgettext_lazy("action", "催办")
    SUPERVISE = "supervise", pgettext_lazy("action", "督办")
    ESCALATE = "escalate", pgettext_lazy("action", "提级督办")
    YELLOW_CARD = "yellow_card", pgettext_lazy("action", "黄牌预警")
    RED_CARD = "red_card", pgettext_lazy("action", "红牌超期")
    CLOSE = "close", pgettext_lazy("action", "办结归档")
    MERGE = "merge", pgettext_lazy("action", "并单")
    SPLIT = "split", pgettext_lazy("action", "拆单")
    # The worker's accurate model re-checks the intake classification (zhili.workflow.tasks).
    REFINE = "refine", pgettext_lazy("action", "复核分类")
    # An imported historical message closed as a record of the past (import --history).
    ARCHIVE = "archive", pgettext_lazy("action", "历史归档")
