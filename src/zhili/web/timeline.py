"""The timeline of a request page: its events, in order, with what a reader needs to see.

Reads only; one query for the events (actors and units joined) and at most one more for the
dispatch rules the events name, however many events there are.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from zhili.requests.choices import Action, Channel, Satisfaction, State, label_of
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


def _local(text: str) -> str:
    """An ISO timestamp from event data as "2026-02-27 23:59" (Asia/Shanghai)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return str(text)
    if timezone.is_naive(moment):
        return moment.strftime("%Y-%m-%d %H:%M")
    return timezone.localtime(moment, LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _count(value) -> int:
    """A number from event data for ngettext's plural choice (2, "many", when it is not one)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 2


def _working_days(value) -> str:
    """"3 个工作日" in the active language."""
    return ngettext("%(count)s 个工作日", "%(count)s 个工作日", _count(value)) % {"count": value}


# Label of the "on time" fact by the step that records it.
_ON_TIME = {Action.ACCEPT: gettext_lazy("按时签收"), Action.ASSIST_REPORT: gettext_lazy("按时反馈")}
_YES_NO = {True: gettext_lazy("是"), False: gettext_lazy("否")}


def _facts(action: str, data: dict, rules: dict[int, DispatchRule]) -> list[tuple[str, str]]:
    """The known keys of an event's data, labelled in the active language (recorded texts, e.g. a
    decline's reason, are shown translated when the catalogue knows them). Unknown keys are not shown."""
    facts = []
    if "channel" in data:
        facts.append((gettext("渠道"), label_of(Channel, data["channel"])))
    if data.get("split_from"):
        facts.append((gettext("拆自"), data["split_from"]))
    if data.get("category"):
        facts.append((gettext("分类"), data["category"]))
    if data.get("category_corrected"):
        corrected = data["category_corrected"]
        facts.append((gettext("更正分类"), str(corrected.get("name") or corrected.get("code", ""))))
    if data.get("subdistrict"):
        facts.append((gettext("街道"), data["subdistrict"]))
    if data.get("community"):
        facts.append((gettext("社区"), data["community"]))
    if data.get("model_version"):
        facts.append((gettext("模型版本"), data["model_version"]))
    if data.get("reason_label"):
        facts.append((gettext("理由"), gettext(data["reason_label"])))
    if data.get("article"):
        facts.append((gettext("知识库"), data["article"]))
    if data.get("dispatch_rule_id") is not None:
        rule = rules.get(data["dispatch_rule_id"])
        facts.append((gettext("派单目录"), f"#{data['dispatch_rule_id']} {rule}" if rule else f"#{data['dispatch_rule_id']}"))
    if data.get("time_limit_working_days") is not None:
        facts.append((gettext("办理时限"), _working_days(data["time_limit_working_days"])))
    if data.get("time_limit_hours") is not None:
        facts.append((gettext("紧急时限"), ngettext("%(count)s 小时", "%(count)s 小时", _count(data["time_limit_hours"])) % {
            "count": data["time_limit_hours"]}))
    if action == Action.ADD_ASSISTING_UNIT and data.get("unit"):
        facts.append((gettext("协办单位"), data["unit"]))
    if data.get("working_days") is not None:
        facts.append((gettext("延期"), _working_days(data["working_days"])))
    if data.get("working_days_after_dispatch") is not None:
        facts.append((gettext("派单后"), _working_days(data["working_days_after_dispatch"])))
    if data.get("due_at_before"):
        facts.append((gettext("原截止时间"), _local(data["due_at_before"])))
    if data.get("due_at"):
        facts.append((gettext("反馈时限") if action == Action.ADD_ASSISTING_UNIT else gettext("截止时间"), _local(data["due_at"])))
    if data.get("promised_at"):
        facts.append((gettext("承诺办结"), _local(data["promised_at"])))
    if data.get("calendar_fallback_years"):
        years = gettext("、").join(str(y) for y in data["calendar_fallback_years"])
        facts.append((gettext("工作日历缺年份"), gettext("%(years)s（按仅周末休息计算）") % {"years": years}))
    if "on_time" in data:
        facts.append((_ON_TIME.get(action, gettext("按时答复")), gettext("是") if data["on_time"] else gettext("否（超期）")))
    if data.get("first_contact"):
        facts.append((gettext("首次联系"), gettext("是（响应）")))
    if action == Action.FOLLOW_UP:
        for key, label in (("contacted", gettext("是否联系")), ("solved", gettext("是否解决"))):
            if key in data:
                facts.append((label, _YES_NO.get(data[key], str(data[key]))))
        for key, label in (("service_satisfaction", gettext("服务满意度")), ("result_satisfaction", gettext("结果满意度"))):
            if data.get(key):
                facts.append((label, label_of(Satisfaction, data[key])))
    if action in (Action.URGE, Action.SUPERVISE, Action.ESCALATE) and data.get("level"):
        facts.append((gettext("督办级别"), {1: gettext("催办"), 2: gettext("督办"), 3: gettext("提级督办")}.get(data["level"], str(data["level"]))))
    if action == Action.RED_CARD and data.get("count"):
        facts.append((gettext("红牌"), gettext("第 %(count)s 张") % {"count": data["count"]}))
    if data.get("primary"):
        facts.append((gettext("主单"), data["primary"]))
    if action == Action.SPLIT and data.get("parts"):
        facts.append((gettext("拆分为"), ngettext("%(count)s 张工单", "%(count)s 张工单", _count(data["parts"])) % {"count": data["parts"]}))
    if data.get("historical_replied_at"):
        facts.append((gettext("历史答复时间"), _local(data["historical_replied_at"])))
    if data.get("historical_reply"):
        facts.append((gettext("历史答复"), data["historical_reply"]))
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
            action_label=label_of(Action, event.action),
            from_state_label=label_of(State, event.from_state) if event.from_state else "",
            to_state_label=label_of(State, event.to_state) if event.to_state else "",
            confidence_percent=f"{event.confidence * 100:.0f}%" if event.confidence is not None else "",
            facts=_facts(event.action, event.data if isinstance(event.data, dict) else {}, rules),
        )
        for event in events
    ]
