"""The timeline of a request page: its events, in order, with what a reader needs to see.

Reads only; one query for the events (actors and units joined) and at most one more for the
dispatch rules the events name, however many events there are.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone

from zhili.requests.choices import Action, Channel, Satisfaction, State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.routing.models import DispatchRule

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class TimelineEntry:
    """One event as shown: ``facts`` is a list of (label, text) taken from ``event.data``."""

    event: RequestEvent
    action_label: str
    from_state_label: str
    to_state_label: str
    confidence_percent: str
    facts: list[tuple[str, str]] = field(default_factory=list)


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


def _local(text: str) -> str:
    """An ISO timestamp from event data as "2026-02-27 23:59" (Asia/Shanghai)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return str(text)
    if timezone.is_naive(moment):
        return moment.strftime("%Y-%m-%d %H:%M")
    return timezone.localtime(moment, LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


# Label of the "on time" fact by the step that records it.
_ON_TIME = {Action.ACCEPT: "按时签收", Action.ASSIST_REPORT: "按时反馈"}
_YES_NO = {True: "是", False: "否"}


def _facts(action: str, data: dict, rules: dict[int, DispatchRule]) -> list[tuple[str, str]]:
    """The known keys of an event's data, labelled in Chinese. Unknown keys are not shown."""
    facts = []
    if "channel" in data:
        facts.append(("渠道", _label(Channel, data["channel"])))
    if data.get("split_from"):
        facts.append(("拆自", data["split_from"]))
    if data.get("category"):
        facts.append(("分类", data["category"]))
    if data.get("category_corrected"):
        facts.append(("更正分类", str(data["category_corrected"].get("code", ""))))
    if data.get("subdistrict"):
        facts.append(("街道", data["subdistrict"]))
    if data.get("community"):
        facts.append(("社区", data["community"]))
    if data.get("model_version"):
        facts.append(("模型版本", data["model_version"]))
    if data.get("reason_label"):
        facts.append(("理由", data["reason_label"]))
    if data.get("article"):
        facts.append(("知识库", data["article"]))
    if data.get("dispatch_rule_id") is not None:
        rule = rules.get(data["dispatch_rule_id"])
        facts.append(("派单目录", f"#{data['dispatch_rule_id']} {rule}" if rule else f"#{data['dispatch_rule_id']}"))
    if data.get("time_limit_working_days") is not None:
        facts.append(("办理时限", f"{data['time_limit_working_days']} 个工作日"))
    if data.get("time_limit_hours") is not None:
        facts.append(("紧急时限", f"{data['time_limit_hours']} 小时"))
    if action == Action.ADD_ASSISTING_UNIT and data.get("unit"):
        facts.append(("协办单位", data["unit"]))
    if data.get("working_days") is not None:
        facts.append(("延期", f"{data['working_days']} 个工作日"))
    if data.get("working_days_after_dispatch") is not None:
        facts.append(("派单后", f"{data['working_days_after_dispatch']} 个工作日"))
    if data.get("due_at_before"):
        facts.append(("原截止时间", _local(data["due_at_before"])))
    if data.get("due_at"):
        facts.append(("反馈时限" if action == Action.ADD_ASSISTING_UNIT else "截止时间", _local(data["due_at"])))
    if data.get("promised_at"):
        facts.append(("承诺办结", _local(data["promised_at"])))
    if data.get("calendar_fallback_years"):
        years = "、".join(str(y) for y in data["calendar_fallback_years"])
        facts.append(("工作日历缺年份", f"{years}（按仅周末休息计算）"))
    if "on_time" in data:
        facts.append((_ON_TIME.get(action, "按时答复"), "是" if data["on_time"] else "否（超期）"))
    if data.get("first_contact"):
        facts.append(("首次联系", "是（响应）"))
    if action == Action.FOLLOW_UP:
        for key, label in (("contacted", "是否联系"), ("solved", "是否解决")):
            if key in data:
                facts.append((label, _YES_NO.get(data[key], str(data[key]))))
        for key, label in (("service_satisfaction", "服务满意度"), ("result_satisfaction", "结果满意度")):
            if data.get(key):
                facts.append((label, _label(Satisfaction, data[key])))
    if action in (Action.URGE, Action.SUPERVISE, Action.ESCALATE) and data.get("level"):
        facts.append(("督办级别", {1: "催办", 2: "督办", 3: "提级督办"}.get(data["level"], str(data["level"]))))
    if action == Action.RED_CARD and data.get("count"):
        facts.append(("红牌", f"第 {data['count']} 张"))
    if data.get("primary"):
        facts.append(("主单", data["primary"]))
    if action == Action.SPLIT and data.get("parts"):
        facts.append(("拆分为", f"{data['parts']} 张工单"))
    if data.get("historical_replied_at"):
        facts.append(("历史答复时间", _local(data["historical_replied_at"])))
    if data.get("historical_reply"):
        facts.append(("历史答复", data["historical_reply"]))
    return facts


def timeline(request: ServiceRequest) -> list[TimelineEntry]:
    """Every event of ``request`` in ``seq`` order, ready for the request page."""
    events = list(
        RequestEvent.objects.filter(request=request)
        .select_related("actor", "actor_unit", "from_unit", "to_unit")
        .order_by("seq")
    )
    rule_ids = {e.data.get("dispatch_rule_id") for e in events if isinstance(e.data, dict)} - {None}
    rules = (DispatchRule.objects.select_related("category", "lead_unit").in_bulk(rule_ids)
             if rule_ids else {})
    return [
        TimelineEntry(
            event=event,
            action_label=_label(Action, event.action),
            from_state_label=_label(State, event.from_state) if event.from_state else "",
            to_state_label=_label(State, event.to_state) if event.to_state else "",
            confidence_percent=f"{event.confidence * 100:.0f}%" if event.confidence is not None else "",
            facts=_facts(event.action, event.data if isinstance(event.data, dict) else {}, rules),
        )
        for event in events
    ]
