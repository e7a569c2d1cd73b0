"""Enumerations of a service request (glossary.md names in code, Chinese labels in the interface)."""

from django.db import models


class State(models.TextChoices):
    """States of a work order (domain.md §1). Only ``zhili.workflow`` writes them."""

    RECEIVED = "received", "已受理"
    PENDING_DISPATCH = "pending_dispatch", "待派单"
    DISPATCHED = "dispatched", "待签收"
    RETURNED = "returned", "退单待审核"
    IN_PROGRESS = "in_progress", "办理中"
    REPLIED = "replied", "已答复待审核"
    STOP_REQUESTED = "stop_requested", "申请不再办理"
    AWAITING_FOLLOW_UP = "awaiting_follow_up", "待回访"
    CLOSED = "closed", "已办结"
    DECLINED = "declined", "不予受理"
    MERGED = "merged", "已并单"
    SPLIT = "split", "已拆单"

    @classmethod
    def open_states(cls) -> list[str]:
        """States in which a unit still owes work (and a deadline can be missed)."""
        return [cls.DISPATCHED, cls.RETURNED, cls.IN_PROGRESS]

    @classmethod
    def final_states(cls) -> list[str]:
        return [cls.CLOSED, cls.DECLINED, cls.MERGED, cls.SPLIT]


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


class DeclineReason(models.TextChoices):
    """Statutory reasons to decline or redirect at intake (分类处置: BJ 11, 国办函〔2025〕66号)."""

    EMERGENCY = "emergency", "紧急事项：已转 110/119/120/122"
    LITIGATION = "litigation", "涉及诉讼、仲裁、行政复议，已告知法定途径"
    PETITION = "petition", "属信访事项，已告知信访渠道"
    REPEATED = "repeated", "重复诉求且无新情况，已告知办理进度"
    SECRET = "secret", "涉及国家秘密、商业秘密或个人隐私，已解释"
    OUTSIDE_DUTY = "outside_duty", "不属于政府职责，已引导通过市场渠道解决"
    UNLAWFUL = "unlawful", "诉求违反法律法规，已解释"


class Satisfaction(models.TextChoices):
    """Follow-up outcome (BJ 23, JN 27); "basically satisfied" earns partial credit in 满意率."""

    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class Resolution(models.TextChoices):
    """How a closed order ended."""

    REPLIED = "replied", "办结"
    RESOLVED_AT_INTAKE = "resolved_at_intake", "直办"
    STOPPED = "stopped", "不再办理"
    MERGED = "merged", "随主单办结"


class Action(models.TextChoices):
    """What an event records. ``zhili.workflow.rules`` declares each one's states and roles."""

    INTAKE = "intake", "受理"
    RESOLVE_AT_INTAKE = "resolve_at_intake", "直办"
    DECLINE = "decline", "不予受理"
    CLASSIFY = "classify", "分类"
    QUEUE_FOR_DISPATCH = "queue_for_dispatch", "转人工派单"
    DISPATCH = "dispatch", "派单"
    REASSIGN = "reassign", "改派"
    FORCE_DISPATCH = "force_dispatch", "强制派单"
    ACCEPT = "accept", "签收"
    RETURN = "return", "退单"
    CONTACT = "contact", "联系诉求人"
    ADD_ASSISTING_UNIT = "add_assisting_unit", "增加协办单位"
    ASSIST_REPORT = "assist_report", "协办反馈"
    REQUEST_EXTENSION = "request_extension", "申请延期"
    APPROVE_EXTENSION = "approve_extension", "批准延期"
    REJECT_EXTENSION = "reject_extension", "驳回延期"
    INTERIM_REPLY = "interim_reply", "阶段性答复"
    REPLY = "reply", "答复"
    REQUEST_STOP = "request_stop", "申请不再办理"
    APPROVE_REVIEW = "approve_review", "审核通过"
    SEND_BACK = "send_back", "退回重办"
    FOLLOW_UP = "follow_up", "回访"
    REOPEN = "reopen", "重办"
    URGE = "urge", "催办"
    SUPERVISE = "supervise", "督办"
    ESCALATE = "escalate", "提级督办"
    YELLOW_CARD = "yellow_card", "黄牌预警"
    RED_CARD = "red_card", "红牌超期"
    CLOSE = "close", "办结归档"
    MERGE = "merge", "并单"
    SPLIT = "split", "拆单"
