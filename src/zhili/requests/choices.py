"""Enumerations of a service request (glossary.md names in code, Chinese labels in the interface)."""

from django.db import models


class State(models.TextChoices):
    """States of a work order (domain.md §1). Only ``zhili.workflow`` writes them."""

    RECEIVED = "received", "已受理"
    PENDING_DISPATCH = "pending_dispatch", "待派单"
    DISPATCHED = "dispatched", "待签收"
    RETURNED = "returned", "已退单"
    IN_PROGRESS = "in_progress", "办理中"
    REPLIED = "replied", "已答复"
    AWAITING_FOLLOW_UP = "awaiting_follow_up", "待回访"
    CLOSED = "closed", "已办结"
    DECLINED = "declined", "不予受理"
    MERGED = "merged", "已并单"

    @classmethod
    def open_states(cls) -> list[str]:
        """States in which a unit still owes work (and a deadline can be missed)."""
        return [cls.DISPATCHED, cls.RETURNED, cls.IN_PROGRESS]

    @classmethod
    def final_states(cls) -> list[str]:
        return [cls.CLOSED, cls.DECLINED, cls.MERGED]


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    WEB = "web", "网站"
    APP = "app", "APP"
    WECHAT = "wechat", "微信"
    LETTER = "letter", "信件"
    TRANSFER = "transfer", "上级转办"
    API = "api", "接口"


class RequestType(models.TextChoices):
    CONSULTATION = "consultation", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "建议"
    PRAISE = "praise", "表扬"


class Action(models.TextChoices):
    """What an event records. The workflow module declares which ones change the state."""

    INTAKE = "intake", "受理"
    CLASSIFY = "classify", "分类"
    QUEUE_FOR_DISPATCH = "queue_for_dispatch", "转人工派单"
    DISPATCH = "dispatch", "派单"
    ACCEPT = "accept", "签收"
    REPLY = "reply", "答复"
    CLOSE = "close", "办结"
