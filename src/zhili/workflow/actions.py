"""The workflow: the only code that changes a work order's state, units or deadline.

Each public function is one step of domain.md §1. It checks the actor's role and unit, the
current state and the step's own rule, stamps the time, bumps ``version`` (optimistic locking:
a stale ``expected_version`` raises StaleRequest), writes exactly one immutable RequestEvent,
and runs in one transaction. ``actor=None`` means Zhili itself (routing, imports, the worker);
only such system steps may pass a historical ``at``.

Raises (all WorkflowError, nothing changed): TransitionNotAllowed, ActionForbidden,
RuleViolation, StaleRequest.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from zhili.organisation.models import Unit
from zhili.organisation.roles import has_role, unit_ids_of
from zhili.requests.choices import Action, Channel, RequestType, State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.requests.privacy import normalise_phone
from zhili.routing.dispatch import find_lead_unit
from zhili.routing.suggest import Suggestion, suggest_many
from zhili.taxonomy.models import Category
from zhili.workcalendar import service as calendar

from .errors import ActionForbidden, RuleViolation, StaleRequest, TransitionNotAllowed
from .rules import SYSTEM, TRANSITIONS

logger = logging.getLogger("zhili.workflow")


def _check_actor(request: ServiceRequest, action: str, actor) -> None:
    transition = TRANSITIONS[action]
    if actor is None:
        if SYSTEM not in transition.roles:
            raise ActionForbidden(f"“{transition.label()}”必须由工作人员操作")
        return
    if not has_role(actor, *transition.roles):
        raise ActionForbidden(f"您的角色无权执行“{transition.label()}”")
    if transition.unit_bound and not actor.is_superuser:
        if request.lead_unit_id is None:
            raise ActionForbidden("工单尚未派给任何单位")
        paths = Unit.objects.filter(pk__in=unit_ids_of(actor)).values_list("path", flat=True)
        lead_path = Unit.objects.filter(pk=request.lead_unit_id).values_list("path", flat=True).first() or ""
        if not any(lead_path.startswith(p) for p in paths):
            raise ActionForbidden(f"只有主办单位的人员可以“{transition.label()}”")


def allowed_actions(request: ServiceRequest, actor) -> list[str]:
    """The actions ``actor`` may take on ``request`` now (what the request page offers)."""
    result = []
    for action, transition in TRANSITIONS.items():
        if request.state not in transition.sources:
            continue
        try:
            _check_actor(request, action, actor)
        except ActionForbidden:
            continue
        result.append(action)
    return result


def _apply(request: ServiceRequest, action: str, actor, *, changes: dict, at: dt.datetime,
           expected_version: int | None, note: str = "", data: dict | None = None,
           confidence: float | None = None, to_unit: Unit | None = None) -> RequestEvent:
    """Check, update the row with a version guard, and write the event — in one transaction."""
    transition = TRANSITIONS[action]
    if request.state not in transition.sources:
        raise TransitionNotAllowed(
            f"工单当前状态为“{State(request.state).label}”，不能“{transition.label()}”"
        )
    _check_actor(request, action, actor)
    version = request.version if expected_version is None else expected_version
    from_state, from_unit_id = request.state, request.lead_unit_id
    if transition.target is not None:
        changes = {**changes, "state": transition.target}
    with transaction.atomic():
        updated = ServiceRequest.objects.filter(pk=request.pk, version=version, state=from_state).update(
            version=F("version") + 1, updated_at=timezone.now(), **changes
        )
        if updated != 1:
            raise StaleRequest("该工单已被他人更新，请刷新页面后重试")
        for field, value in changes.items():
            setattr(request, field, value)
        request.version = version + 1
        event = RequestEvent.objects.create(
            request=request,
            seq=request.version,
            action=action,
            actor=actor,
            actor_unit_id=(unit_ids_of(actor)[:1] or [None])[0] if actor else None,
            from_state=from_state,
            to_state=request.state,
            from_unit_id=from_unit_id,
            to_unit=to_unit,
            note=note,
            confidence=confidence,
            data=data or {},
            at=at,
        )
    return event


def _when(actor, at: dt.datetime | None) -> dt.datetime:
    if at is not None and actor is not None:
        raise RuleViolation("只有系统导入可以指定历史时间", field="at")
    return at or timezone.now()


def compute_due_at(category: Category | None, start: dt.datetime) -> tuple[dt.datetime, dict]:
    """The deadline of an order dispatched at ``start`` and the facts behind it.

    Working days from the category's limit (nearest ancestor's, else the default 5: JN 24),
    or natural hours for an urgent category (BJ 13). Returns (due_at, facts for the event).
    """
    days, hours = (category.effective_time_limit(settings.ZHILI_DEFAULT_TIME_LIMIT_DAYS) if category
                   else (settings.ZHILI_DEFAULT_TIME_LIMIT_DAYS, None))
    if hours:
        return calendar.add_hours(start, hours), {"time_limit_hours": hours}
    due = calendar.add_working_days(start, days)
    facts = {"time_limit_working_days": days, "count_start_day": settings.ZHILI_COUNT_START_DAY}
    missing = calendar.missing_years(range(calendar.local_date(start).year, due.year + 1))
    if missing:
        facts["calendar_fallback_years"] = missing
    return due, facts


# --- the steps ---------------------------------------------------------------------------------

def intake(*, title: str, description: str, actor=None, at: dt.datetime | None = None,
           channel: str = Channel.PHONE, request_type: str = RequestType.COMPLAINT, address: str = "",
           lat=None, long=None, requester_name: str = "", requester_phone: str = "",
           confidential: bool = False, source: str = "zhili", external_id: str | None = None,
           subdistrict: Unit | None = None, community: Unit | None = None,
           event_data: dict | None = None) -> ServiceRequest:
    """受理 (BJ 10, JN 22): record a new request. Returns it in state ``received`` with its intake
    event (seq 1), whose data gets ``event_data`` merged in. Call ``route`` next. Raises
    RuleViolation for an empty title or text."""
    if not (title or "").strip():
        raise RuleViolation("标题不能为空", field="title")
    if not (description or "").strip():
        raise RuleViolation("诉求内容不能为空", field="description")
    when = _when(actor, at)
    with transaction.atomic():
        request = ServiceRequest.objects.create(
            title=title.strip()[:200], description=description.strip(), channel=channel,
            request_type=request_type, address=(address or "").strip()[:300], lat=lat, long=long,
            requester_name=(requester_name or "").strip()[:50],
            requester_phone=normalise_phone(requester_phone)[:24],
            confidential=confidential, source=source, external_id=external_id,
            subdistrict=subdistrict, community=community,
            received_at=when, state=State.RECEIVED, version=1,
        )
        local = timezone.localtime(when)
        request.number = f"{settings.ZHILI_REQUEST_NUMBER_PREFIX}{local:%Y%m%d}-{request.pk:06d}"
        ServiceRequest.objects.filter(pk=request.pk).update(number=request.number)
        RequestEvent.objects.create(
            request=request, seq=1, action=Action.INTAKE, actor=actor,
            actor_unit_id=(unit_ids_of(actor)[:1] or [None])[0] if actor else None,
            from_state="", to_state=State.RECEIVED, data={"channel": channel, "source": source, **(event_data or {})}, at=when,
        )
    return request


def classify(request: ServiceRequest, category: Category, *, actor=None, at=None, confidence=None,
             model_version: str | None = None, note: str = "", subdistrict: Unit | None = None,
             community: Unit | None = None, expected_version: int | None = None) -> RequestEvent:
    """分类: set the category (and the place, when found). Records the model's confidence."""
    changes = {"category": category}
    if subdistrict is not None:
        changes["subdistrict"] = subdistrict
    if community is not None:
        changes["community"] = community
    data = {"category_code": category.code, "category": category.full_name}
    if model_version:
        data["model_version"] = model_version
    if subdistrict is not None:
        data["subdistrict"] = subdistrict.name
    if community is not None:
        data["community"] = community.name
    return _apply(request, Action.CLASSIFY, actor, changes=changes, at=_when(actor, at),
                  expected_version=expected_version, note=note, data=data, confidence=confidence)


def dispatch(request: ServiceRequest, lead_unit: Unit, *, actor=None, at=None, note: str = "",
             confidence: float | None = None, rule_id: int | None = None,
             expected_version: int | None = None) -> RequestEvent:
    """派单 (BJ 12–13, JN 23): send the order to its lead unit with a deadline on the work calendar.

    The deadline is the category's limit counted from the dispatch moment (see compute_due_at).
    A community is never a lead unit by catalogue (66号); a dispatcher may still choose one.
    """
    when = _when(actor, at)
    due_at, facts = compute_due_at(request.category, when)
    if rule_id is not None:
        facts["dispatch_rule_id"] = rule_id
    facts["due_at"] = due_at.isoformat()
    return _apply(request, Action.DISPATCH, actor,
                  changes={"lead_unit": lead_unit, "dispatched_at": when, "due_at": due_at},
                  at=when, expected_version=expected_version, note=note, data=facts,
                  confidence=confidence, to_unit=lead_unit)


def queue_for_dispatch(request: ServiceRequest, *, reason: str, at=None, confidence=None,
                       expected_version: int | None = None) -> RequestEvent:
    """转人工派单: routing could not decide; the order waits in the dispatcher queue."""
    return _apply(request, Action.QUEUE_FOR_DISPATCH, None, changes={}, at=_when(None, at),
                  expected_version=expected_version, note=reason, confidence=confidence)


def accept(request: ServiceRequest, *, actor=None, at=None, expected_version: int | None = None) -> RequestEvent:
    """签收: the lead unit takes the order."""
    when = _when(actor, at)
    return _apply(request, Action.ACCEPT, actor, changes={"accepted_at": when}, at=when,
                  expected_version=expected_version)


def reply(request: ServiceRequest, text: str, *, actor=None, at=None,
          expected_version: int | None = None) -> RequestEvent:
    """答复 (JN 24): the unit's result, to the requester and the hotline. ``text`` is required."""
    if not (text or "").strip():
        raise RuleViolation("答复内容不能为空", field="text")
    when = _when(actor, at)
    on_time = request.due_at is None or when <= request.due_at
    return _apply(request, Action.REPLY, actor, changes={"replied_at": when}, at=when,
                  expected_version=expected_version, note=text.strip(), data={"on_time": on_time})


def close(request: ServiceRequest, *, actor=None, at=None, note: str = "",
          expected_version: int | None = None) -> RequestEvent:
    """办结: close and archive; from now on the order counts in assessment."""
    when = _when(actor, at)
    return _apply(request, Action.CLOSE, actor, changes={"closed_at": when}, at=when,
                  expected_version=expected_version, note=note)


def route(request: ServiceRequest, suggestion: Suggestion | None = None, *, at=None,
          given_category: Category | None = None, force: bool = False) -> str:
    """Classify and dispatch a newly received order, or queue it for a dispatcher.

    ``given_category`` (e.g. a label in an imported file) is used instead of the model's
    suggestion. The order is dispatched automatically when the catalogue names a unit and the
    category is given or the model's confidence reaches ``ZHILI_AUTO_DISPATCH_THRESHOLD``
    (or ``force``). Returns the resulting state. Never raises because the classifier is missing.
    """
    if suggestion is None:
        suggestion = suggest_many([(request.title, request.description, request.address)])[0]
    category = given_category or suggestion.category
    confidence = None if given_category else suggestion.confidence
    if category is not None:
        place_known = request.subdistrict_id is not None
        classify(request, category, at=at, confidence=confidence,
                 model_version=None if given_category else suggestion.model_version,
                 note="来源数据标注" if given_category else "模型分类",
                 subdistrict=None if place_known else suggestion.subdistrict,
                 community=None if place_known else suggestion.community)
    if category is suggestion.category and request.subdistrict_id == getattr(suggestion.subdistrict, "pk", None):
        match = suggestion.match  # already looked up for this category and place
    else:
        match = find_lead_unit(category, request.subdistrict) if category is not None else None
    if category is None:
        queue_for_dispatch(request, reason="没有可用的分类模型，等待人工分类派单", at=at)
    elif match is None:
        queue_for_dispatch(request, reason=f"派单目录中没有“{category.name}”的承办单位", at=at,
                           confidence=confidence)
    elif (given_category is None and not force
          and (confidence or 0) < settings.ZHILI_AUTO_DISPATCH_THRESHOLD):
        queue_for_dispatch(request, reason=f"分类置信度 {confidence:.2f} 低于自动派单阈值 "
                                           f"{settings.ZHILI_AUTO_DISPATCH_THRESHOLD:.2f}",
                           at=at, confidence=confidence)
    else:
        dispatch(request, match.lead_unit, at=at, confidence=confidence, rule_id=match.rule.pk,
                 note=f"按派单目录自动派单：{match.rule}")
    return request.state
