"""The steps of a work order's life (domain.md §1), the only code that changes its state,
units or deadline. Each function checks the actor's role and unit, the state and the step's
own rule, stamps the time, and writes exactly one immutable event in one transaction
(``engine.apply``). ``actor=None`` means Zhili itself (routing, imports, the worker); only
such steps may pass a historical ``at``. ``expected_version`` is the version the actor saw:
a different current version raises StaleRequest (optimistic locking).

Raises (nothing changed): TransitionNotAllowed, ActionForbidden, RuleViolation, StaleRequest.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from zhili.organisation.models import Unit, UnitKind
from zhili.organisation.roles import unit_ids_of
from zhili.requests.choices import (
    Action,
    Channel,
    DeclineReason,
    RequestType,
    Resolution,
    Satisfaction,
    State,
)
from zhili.requests.models import AssistingUnit, Reminder, RequestEvent, ServiceRequest
from zhili.requests.privacy import normalise_phone
from zhili.routing.dispatch import find_lead_unit
from zhili.routing.suggest import Suggestion, resolve_place, suggest_many
from zhili.taxonomy.models import Category
from zhili.workcalendar import service as calendar

from . import rules
from .engine import (
    allowed_actions,
    apply,
    batched,
    check_actor,
    check_state,
    check_version,
    defer,
    state_allows,
    when,
)
from .errors import RuleViolation, recorded

__all__ = ["allowed_actions", "compute_due_at"]


def _text(value: str, field: str, label) -> str:
    """``value`` stripped; RuleViolation naming ``field`` when empty (``label``: the input's lazy name)."""
    value = (value or "").strip()
    if not value:
        raise RuleViolation(gettext("%(label)s不能为空") % {"label": label}, field=field)
    return value


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


# Units that may lead an order (and take part of a split): departments and enterprises for duty
# (行业) matters, subdistricts for territorial (属地) ones. Not the district itself (it assigns,
# it does not handle) and not a community: department duties are not pushed down to
# communities (国办函〔2025〕66号). The pages offer only these kinds; this guard holds for every caller.
LEAD_UNIT_KINDS = (UnitKind.DEPARTMENT, UnitKind.SUBDISTRICT, UnitKind.ENTERPRISE)
# At most this many parts in one split: each part is a new order with its own intake, classify
# and dispatch events in the same transaction (about ten statements a part). The pages offer five
# rows; a matter for more units is one order with assisting units (协办).
SPLIT_MAX_PARTS = 5


def check_lead_unit(unit: Unit, field: str = "lead_unit") -> None:
    """RuleViolation (naming ``field``) unless ``unit`` is of a kind that may lead an order
    (``LEAD_UNIT_KINDS``)."""
    if unit.kind not in LEAD_UNIT_KINDS:
        raise RuleViolation(gettext("主办单位不能是%(kind)s（%(unit)s）：应派给部门、企业或街道（部门职责不得下派社区，66号）")
                            % {"kind": UnitKind(unit.kind).label, "unit": unit.name}, field=field)


def _remind(request: ServiceRequest, unit_id: int | None, action: str, message: str) -> None:
    """Tell a unit about one of its orders (a row the unit inbox reads; written with the step)."""
    if unit_id is not None:
        Reminder.objects.create(unit_id=unit_id, request_id=request.pk, action=action, message=message[:300])


# --- intake --------------------------------------------------------------------------------------

def intake(*, title: str, description: str, actor=None, at: dt.datetime | None = None,
           channel: str = Channel.PHONE, request_type: str = RequestType.COMPLAINT, address: str = "",
           lat=None, long=None, requester_name: str = "", requester_phone: str = "",
           confidential: bool = False, source: str = "zhili", external_id: str | None = None,
           subdistrict: Unit | None = None, community: Unit | None = None,
           event_data: dict | None = None, split_from: ServiceRequest | None = None) -> ServiceRequest:
    """受理 (BJ 10, JN 22): record a new request. Returns it in state ``received`` with its intake
    event (seq 1), whose data gets ``event_data`` merged in. Call ``route`` next. Raises
    RuleViolation for an empty title or text."""
    title = _text(title, "title", gettext_lazy("标题"))
    description = _text(description, "description", gettext_lazy("诉求内容"))
    moment = when(actor, at)
    with transaction.atomic():
        pk = ServiceRequest.objects.reserve_pk()  # PostgreSQL: the number goes into the INSERT
        request = ServiceRequest(
            pk=pk, title=title[:200], description=description, channel=channel, request_type=request_type,
            address=(address or "").strip()[:300], lat=lat, long=long,
            requester_name=(requester_name or "").strip()[:50],
            requester_phone=normalise_phone(requester_phone)[:24], confidential=confidential,
            source=source, external_id=external_id, subdistrict=subdistrict, community=community,
            split_from=split_from, received_at=moment, state=State.RECEIVED, version=1,
        )
        if pk is not None:
            request.number = request_number(pk, moment)
        event = RequestEvent(
            request=request, seq=1, action=Action.INTAKE, actor=actor,
            actor_unit_id=(unit_ids_of(actor)[:1] or [None])[0] if actor else None,
            from_state="", to_state=State.RECEIVED, at=moment,
            data={"channel": channel, "source": source, **(event_data or {})},
        )
        # Inside ``engine.batched`` (an Open311 POST: intake and route together) the order is
        # INSERTed at the block's end with every field its steps set (with its number when the id
        # was reserved; else the number joins the steps' one UPDATE), its events in one INSERT.
        if pk is not None and defer(request, {}, event, new=True):
            return request
        request.save(force_insert=True)
        changes = {}
        if pk is None:
            request.number = changes["number"] = request_number(request.pk, moment)
        if not defer(request, changes, event):
            if changes:
                ServiceRequest.objects.filter(pk=request.pk).update(**changes)
            event.save(force_insert=True)
    return request


def request_number(pk: int, received_at: dt.datetime) -> str:
    """An order's number: the deployment's prefix, the local date it was received and its id,
    e.g. ``LX20261129-000123`` (``ZHILI_REQUEST_NUMBER_PREFIX``)."""
    return f"{settings.ZHILI_REQUEST_NUMBER_PREFIX}{timezone.localtime(received_at):%Y%m%d}-{pk:06d}"


def resolve_at_intake(request, article, *, actor, answer: str = "", expected_version=None) -> RequestEvent:
    """直办 (JN 23, BJ 11): the operator answers from the knowledge base; closed without dispatch.
    An order not yet classified takes the article's category (the matter it answers), so 直办
    counts in the statistics by category."""
    if article is None or not article.is_active:
        raise RuleViolation(gettext("直办须选择一条有效的知识库条目"), field="article")
    moment = when(actor, None)
    changes = {"knowledge_article": article, "resolution": Resolution.RESOLVED_AT_INTAKE, "closed_at": moment}
    if request.category_id is None and article.category_id is not None:
        changes["category"] = article.category
    with transaction.atomic():
        event = apply(request, Action.RESOLVE_AT_INTAKE, actor, at=moment, expected_version=expected_version,
                      changes=changes,
                      note=(answer or "").strip(), data={"knowledge_article_id": article.pk, "article": article.title})
        _close_duplicates(request, moment)
    return event


def decline(request, reason: str, *, actor, note: str = "", expected_version=None) -> RequestEvent:
    """不予受理 / 分类处置 (BJ 11, 66号): only for a statutory reason (``DeclineReason``)."""
    if reason not in DeclineReason.values:
        raise RuleViolation(gettext("请选择法定的不予受理理由"), field="reason")
    moment = when(actor, None)
    with transaction.atomic():
        event = apply(request, Action.DECLINE, actor, at=moment, expected_version=expected_version,
                      changes={"decline_reason": reason, "closed_at": moment}, note=(note or "").strip(),
                      data={"reason": reason, "reason_label": DeclineReason(reason).label})
        _close_duplicates(request, moment)
    return event


def classify(request, category: Category, *, actor=None, at=None, confidence=None, model_version=None,
             note: str = "", subdistrict: Unit | None = None, community: Unit | None = None,
             expected_version=None) -> RequestEvent:
    """分类: set the category (and the place, when given). Records the model's confidence."""
    changes, data = {"category": category}, {"category_code": category.code, "category": category.full_name}
    if model_version:
        data["model_version"] = model_version
    for field, unit in (("subdistrict", subdistrict), ("community", community)):
        if unit is not None:
            changes[field], data[field] = unit, unit.name
    with transaction.atomic():
        suggested = request.category
        event = apply(request, Action.CLASSIFY, actor, at=when(actor, at), changes=changes,
                      expected_version=expected_version, note=note, data=data, confidence=confidence)
        if actor is not None and suggested is not None and suggested.pk != category.pk:
            record_correction(request, suggested, category, actor)
    return event


def queue_for_dispatch(request, *, reason: str, actor=None, at=None, confidence=None,
                       expected_version=None) -> RequestEvent:
    """转人工派单: routing could not decide (or the operator asks); the order waits for a dispatcher."""
    return apply(request, Action.QUEUE_FOR_DISPATCH, actor, at=when(actor, at), expected_version=expected_version,
                 note=reason, confidence=confidence)


# --- dispatch ------------------------------------------------------------------------------------

def _dispatch_changes(request, lead_unit: Unit, moment: dt.datetime, category=None) -> tuple[dict, dict]:
    due_at, facts = compute_due_at(category or request.category, moment)
    facts["due_at"] = due_at.isoformat()
    facts["lead_unit"] = lead_unit.name
    # A new unit starts afresh: its own deadline, no cards, no extension (requested or granted) of
    # the unit before it.
    return {"lead_unit": lead_unit, "dispatched_at": moment, "due_at": due_at, "accepted_at": None,
            "yellow_carded_at": None, "red_cards": 0, "red_carded_at": None, "pending_extension_days": None,
            "pending_extension_reason": "", "extension_days_total": 0, "promised_at": None}, facts


def dispatch(request, lead_unit: Unit, *, actor=None, at=None, note: str = "", confidence=None,
             rule_id: int | None = None, category: Category | None = None, expected_version=None) -> RequestEvent:
    """派单 (BJ 12–13, JN 23): send the order to its lead unit with a deadline on the work calendar,
    counted from the dispatch moment (``compute_due_at``). A dispatcher may set the category at
    the same time (the correction is recorded in the event). RuleViolation (``lead_unit``) for a
    unit that may not lead an order (``check_lead_unit``: not the district, not a community)."""
    check_state(request, Action.DISPATCH, expected_version)
    check_actor(request, Action.DISPATCH, actor)
    check_lead_unit(lead_unit)
    moment = when(actor, at)
    changes, facts = _dispatch_changes(request, lead_unit, moment, category)
    corrected = category is not None and category.pk != request.category_id
    if corrected:
        changes["category"] = category
        facts["category_corrected"] = {"from": request.category_id, "to": category.pk, "code": category.code,
                                       "name": category.full_name}
    if rule_id is not None:
        facts["dispatch_rule_id"] = rule_id
    with transaction.atomic():
        suggested = request.category
        event = apply(request, Action.DISPATCH, actor, at=moment, changes=changes, expected_version=expected_version,
                      note=note, data=facts, confidence=confidence, to_unit=lead_unit, checked=True)
        if corrected and actor is not None:
            record_correction(request, suggested, category, actor)
    return event


def record_correction(request, suggested: Category | None, corrected: Category, actor) -> None:
    """Keep a person's category correction as a labelled example for the next training — only when
    the first level changes (the model predicts the first level; a deeper choice is a refinement)."""
    from zhili.routing.models import CategoryCorrection

    if suggested is not None and suggested.ancestors_and_self()[-1].pk == corrected.ancestors_and_self()[-1].pk:
        return
    model_version = (request.events.filter(action=Action.CLASSIFY, actor__isnull=True)
                     .values_list("data__model_version", flat=True).last()) or ""
    CategoryCorrection.objects.create(request=request, text=f"{request.title} {request.description}",
                                      suggested=suggested, corrected=corrected, model_version=model_version,
                                      corrected_by=actor)


def reassign(request, lead_unit: Unit, *, actor, note: str = "", at=None, expected_version=None) -> RequestEvent:
    """改派 (SD, 66号): another unit takes the order; its deadline starts again from now (or from
    ``at``, which only the system may give). The system reassigns only after a refinement
    (``refine_classification``). RuleViolation (``lead_unit``) for the same unit or one that may
    not lead an order."""
    if lead_unit.pk == request.lead_unit_id:
        raise RuleViolation(gettext("改派须选择另一个单位"), field="lead_unit")
    check_lead_unit(lead_unit)
    moment = when(actor, at)
    changes, facts = _dispatch_changes(request, lead_unit, moment)
    return apply(request, Action.REASSIGN, actor, at=moment, changes=changes, expected_version=expected_version,
                 note=note, data=facts, to_unit=lead_unit)


def force_dispatch(request, *, actor, note: str, expected_version=None) -> RequestEvent:
    """强制派单 (SD, 66号): the objection is rejected; the same unit keeps the order and its deadline."""
    return apply(request, Action.FORCE_DISPATCH, actor, at=when(actor, None), expected_version=expected_version,
                 changes={"accepted_at": None}, note=_text(note, "note", gettext_lazy("异议审核意见")),
                 to_unit=request.lead_unit)


def accept(request, *, actor=None, at=None, expected_version=None) -> RequestEvent:
    """签收: the lead unit takes the order (on time when before its deadline)."""
    moment = when(actor, at)
    return apply(request, Action.ACCEPT, actor, at=moment, changes={"accepted_at": moment},
                 expected_version=expected_version,
                 data={"on_time": request.due_at is None or moment <= request.due_at})


def return_to_hotline(request, reason: str, *, actor, expected_version=None) -> RequestEvent:
    """退单 (SD, BJ 12, 66号): "not our duty or area", with a reason, within 2 working days of
    dispatch; the hotline reviews the objection (reassign or force dispatch)."""
    reason = _text(reason, "reason", gettext_lazy("退单理由"))
    check_version(request, expected_version)
    check_actor(request, Action.RETURN, actor)
    moment = when(actor, None)
    elapsed = calendar.working_days_between(request.dispatched_at or moment, moment)
    if request.state in rules.TRANSITIONS[Action.RETURN].sources and elapsed > rules.RETURN_LIMIT_WORKING_DAYS:
        # Before check_state, whose guard says the same without the count.
        raise RuleViolation(gettext("派单已超过 %(limit)s 个工作日（已过 %(elapsed)s 个），不能退单")
                            % {"limit": rules.RETURN_LIMIT_WORKING_DAYS, "elapsed": elapsed})
    check_state(request, Action.RETURN, expected_version)
    return apply(request, Action.RETURN, actor, at=moment, changes={"return_count": request.return_count + 1},
                 expected_version=expected_version, note=reason, data={"working_days_after_dispatch": elapsed},
                 checked=True)


def contact(request, *, actor, note: str = "", expected_version=None) -> RequestEvent:
    """联系诉求人 (BJ 14): the first contact is the response (响应)."""
    moment = when(actor, None)
    changes = {} if request.first_contacted_at else {"first_contacted_at": moment}
    return apply(request, Action.CONTACT, actor, at=moment, changes=changes, expected_version=expected_version,
                 note=note, data={"first_contact": not request.first_contacted_at})


def add_assisting_unit(request, unit: Unit, *, actor, working_days: int = rules.ASSIST_DEFAULT_WORKING_DAYS,
                       expected_version=None) -> RequestEvent:
    """增加协办单位 (BJ 15): the unit reports to the lead unit within its own deadline."""
    if unit.pk == request.lead_unit_id or request.assisting_units.filter(unit=unit).exists():
        raise RuleViolation(gettext("该单位已是本工单的主办或协办单位"), field="unit")
    if not 1 <= working_days <= rules.EXTENSION_LIMIT_WORKING_DAYS:
        raise RuleViolation(gettext("协办时限应为 1–10 个工作日"), field="working_days")
    moment = when(actor, None)
    due_at = calendar.add_working_days(moment, working_days)
    with transaction.atomic():
        event = apply(request, Action.ADD_ASSISTING_UNIT, actor, at=moment, expected_version=expected_version,
                      to_unit=unit, data={"unit": unit.name, "due_at": due_at.isoformat()})
        AssistingUnit.objects.create(request=request, unit=unit, due_at=due_at)
        _remind(request, unit.pk, Action.ADD_ASSISTING_UNIT,
                recorded(gettext_noop("请协办工单 %(number)s，%(date)s 前反馈主办单位"),
                         number=request.number, date=f"{due_at:%m-%d}"))
    return event


def assist_report(request, text: str, *, actor, expected_version=None) -> RequestEvent:
    """协办反馈 (BJ 15): an assisting unit reports to the lead unit."""
    text = _text(text, "text", gettext_lazy("协办反馈"))
    check_state(request, Action.ASSIST_REPORT, expected_version)
    check_actor(request, Action.ASSIST_REPORT, actor)
    moment = when(actor, None)
    mine = [a for a in request.assisting_units.all() if a.unit_id in _member_unit_ids(actor)]
    with transaction.atomic():
        event = apply(request, Action.ASSIST_REPORT, actor, at=moment, expected_version=expected_version, note=text,
                      data={"on_time": all(moment <= a.due_at for a in mine)}, checked=True)
        AssistingUnit.objects.filter(pk__in=[a.pk for a in mine]).update(reported_at=moment, report=text)
    return event


def _member_unit_ids(actor) -> set[int]:
    ids = set()
    for unit in Unit.objects.filter(pk__in=unit_ids_of(actor)):
        ids |= set(unit.subtree().values_list("pk", flat=True))
    return ids


# --- handling ------------------------------------------------------------------------------------

def request_extension(request, working_days: int, reason: str, *, actor, expected_version=None) -> RequestEvent:
    """申请延期 (SD): at most 10 working days in total over the order's life, one request at a time."""
    reason = _text(reason, "reason", gettext_lazy("延期理由"))
    if request.pending_extension_days:
        raise RuleViolation(gettext("已有待审批的延期申请"), field="working_days")
    remaining = rules.EXTENSION_LIMIT_WORKING_DAYS - request.extension_days_total
    if not 1 <= working_days <= remaining:
        raise RuleViolation(gettext("延期天数应为 1–%(remaining)s 个工作日（累计不超过 %(limit)s 个）")
                            % {"remaining": remaining, "limit": rules.EXTENSION_LIMIT_WORKING_DAYS},
                            field="working_days")
    return apply(request, Action.REQUEST_EXTENSION, actor, at=when(actor, None), expected_version=expected_version,
                 changes={"pending_extension_days": working_days, "pending_extension_reason": reason},
                 note=reason, data={"working_days": working_days})


def approve_extension(request, *, actor, note: str = "", expected_version=None) -> RequestEvent:
    """批准延期 (SD): the deadline moves by the requested working days from the current deadline."""
    days = request.pending_extension_days
    if not days:
        raise RuleViolation(gettext("没有待审批的延期申请"))
    # The extension adds whole working days after the current deadline ("含本数" is for the start of
    # a limit, not for its prolongation).
    new_due = calendar.add_working_days(request.due_at or timezone.now(), days, count_start_day=False)
    return apply(request, Action.APPROVE_EXTENSION, actor, at=when(actor, None), expected_version=expected_version,
                 changes={"due_at": new_due, "extension_days_total": request.extension_days_total + days,
                          "pending_extension_days": None, "pending_extension_reason": "",
                          "yellow_carded_at": None},
                 note=note, data={"working_days": days, "due_at_before": request.due_at.isoformat()
                                  if request.due_at else None, "due_at": new_due.isoformat()})


def reject_extension(request, *, actor, note: str, expected_version=None) -> RequestEvent:
    """驳回延期: the deadline stays."""
    if not request.pending_extension_days:
        raise RuleViolation(gettext("没有待审批的延期申请"))
    return apply(request, Action.REJECT_EXTENSION, actor, at=when(actor, None), expected_version=expected_version,
                 changes={"pending_extension_days": None, "pending_extension_reason": ""},
                 note=_text(note, "note", gettext_lazy("驳回理由")), data={"working_days": request.pending_extension_days})


def interim_reply(request, text: str, promised_date: dt.date, *, actor, expected_version=None) -> RequestEvent:
    """阶段性答复 (JN 24): measures taken and a promised date; the order stays in progress."""
    text = _text(text, "text", gettext_lazy("阶段性答复内容"))
    moment = when(actor, None)
    if promised_date is None or promised_date <= calendar.local_date(moment):
        raise RuleViolation(gettext("承诺办结日期应晚于今天"), field="promised_date")
    promised_at = dt.datetime.combine(promised_date, calendar.DUE_TIME, tzinfo=calendar.LOCAL_TZ)
    return apply(request, Action.INTERIM_REPLY, actor, at=moment, expected_version=expected_version,
                 changes={"promised_at": promised_at}, note=text, data={"promised_at": promised_at.isoformat()})


def reply(request, text: str, *, actor=None, at=None, expected_version=None) -> RequestEvent:
    """答复 (JN 24): the unit's result, to the requester and the hotline. ``text`` is required."""
    text = _text(text, "text", gettext_lazy("答复内容"))
    moment = when(actor, at)
    on_time = request.due_at is None or moment <= request.due_at
    return apply(request, Action.REPLY, actor, at=moment, changes={"replied_at": moment},
                 expected_version=expected_version, note=text, data={"on_time": on_time})


def request_stop(request, note: str, *, actor, expected_version=None) -> RequestEvent:
    """不再办理 (JN 25): the same facts were already lawfully handled; a written note is required."""
    return apply(request, Action.REQUEST_STOP, actor, at=when(actor, None), expected_version=expected_version,
                 note=_text(note, "note", gettext_lazy("书面说明")))


# --- review, follow-up, close --------------------------------------------------------------------

def approve_review(request, *, actor, note: str = "", expected_version=None) -> RequestEvent:
    """审核通过 (JN 27): a reply goes on to follow-up; an approved stop closes the order."""
    moment = when(actor, None)
    changes = {}
    if request.state == State.STOP_REQUESTED:
        changes = {"resolution": Resolution.STOPPED, "closed_at": moment}
    with transaction.atomic():
        event = apply(request, Action.APPROVE_REVIEW, actor, at=moment, changes=changes,
                      expected_version=expected_version, note=note)
        if request.state == State.CLOSED:
            _close_duplicates(request, moment)
    return event


def send_back(request, *, actor, note: str, expected_version=None) -> RequestEvent:
    """退回重办 (JN 27): the reply is not accepted; the unit works on, under the same deadline."""
    return apply(request, Action.SEND_BACK, actor, at=when(actor, None), changes={"replied_at": None},
                 expected_version=expected_version, note=_text(note, "note", gettext_lazy("退回理由")))


def follow_up(request, *, actor, contacted: bool, solved: bool, service_satisfaction: str,
              result_satisfaction: str, note: str = "", expected_version=None) -> RequestEvent:
    """回访 (BJ 23, JN 27): contacted? solved? service and result satisfaction, separately.

    The facts are stored on the order and in the event (assessment reads the events).
    """
    for field, value in (("service_satisfaction", service_satisfaction), ("result_satisfaction", result_satisfaction)):
        if value not in Satisfaction.values:
            raise RuleViolation(gettext("请选择满意、基本满意或不满意"), field=field)
    facts = {"contacted": bool(contacted), "solved": bool(solved), "service_satisfaction": service_satisfaction,
             "result_satisfaction": result_satisfaction}
    return apply(request, Action.FOLLOW_UP, actor, at=when(actor, None), expected_version=expected_version,
                 changes={"followup_contacted": bool(contacted), "followup_solved": bool(solved),
                          "service_satisfaction": service_satisfaction, "result_satisfaction": result_satisfaction},
                 note=note, data=facts)


def _close_duplicates(primary: ServiceRequest, moment: dt.datetime) -> None:
    """The primary's outcome closes every duplicate merged into it (66号), whatever way it ended."""
    for duplicate in ServiceRequest.objects.filter(merged_into=primary, state=State.MERGED):
        apply(duplicate, Action.CLOSE, None, at=moment, changes={"closed_at": moment, "resolution": Resolution.MERGED},
              note=recorded(gettext_noop("随主单 %(number)s（%(state)s）办结"), number=primary.number,
                            state=State(primary.state).label), data={"primary": primary.number})


def close(request, *, actor=None, at=None, note: str = "", expected_version=None) -> RequestEvent:
    """办结归档: closes a followed-up order, and every duplicate merged into it (66号)."""
    if request.state == State.AWAITING_FOLLOW_UP and request.result_satisfaction == "" and not note.strip():
        raise RuleViolation(gettext("尚未回访：请先回访，或写明无法回访的原因"), field="note")
    moment = when(actor, at)
    resolution = Resolution.MERGED if request.state == State.MERGED else Resolution.REPLIED
    with transaction.atomic():
        event = apply(request, Action.CLOSE, actor, at=moment, expected_version=expected_version, note=note,
                      changes={"closed_at": moment, "resolution": resolution})
        _close_duplicates(request, moment)
    return event


def archive(request, *, at: dt.datetime) -> RequestEvent:
    """历史归档: closes an imported historical message as a record of the past (system only,
    ``at`` the last moment the source knows, e.g. its reply time). Its handling is not in the
    source, so it is not counted as replied (resolution ``archived``), cannot be reopened, gets no
    cards and never reaches an inbox. Raises ``TransitionNotAllowed`` from a closed, merged, split or
    declined state (nothing to archive)."""
    return apply(request, Action.ARCHIVE, None, at=at, note=recorded(gettext_noop("历史数据导入，来源未记录处理结果")),
                 changes={"closed_at": at, "resolution": Resolution.ARCHIVED})


def record_past_handling(request, *, at: dt.datetime, closed_at: dt.datetime, reply_text: str = "",
                         archive_it: bool = True) -> None:
    """What another system did with a past matter brought over (``import-requests``, an Open311
    history POST), on an order just routed at ``at``: its unit's reply when the source has one and
    the order has a lead unit (accepted at ``at``, replied at ``closed_at``), then, with
    ``archive_it``, 历史归档 at ``closed_at`` — the last moment the source knows. Archived, the
    order never waits for the hotline's review or in a queue: it counts in volumes and hotspots,
    not in the 三率 (docs/import.md). Without ``archive_it`` (a live import) the reply waits for
    review like any other.

    Raises TransitionNotAllowed when the reply cannot be recorded (the order has a lead unit but is
    not waiting for it to accept: never after routing; a reply is never dropped quietly). An order
    with nothing left to archive (merged, split, declined, closed) is not archived again."""
    if reply_text and request.lead_unit_id:
        accept(request, at=at)
        reply(request, reply_text, at=closed_at)
    if archive_it and state_allows(request, Action.ARCHIVE):
        archive(request, at=closed_at)


def reopen(request, *, actor, note: str, expected_version=None) -> RequestEvent:
    """重办 (JN 27, SD17): back to the same unit with a new deadline from now (only an order a
    unit replied to: the step's guard in ``rules``)."""
    if request.lead_unit_id is None:
        raise RuleViolation(gettext("工单没有主办单位，无法重办"))
    moment = when(actor, None)
    due_at, facts = compute_due_at(request.category, moment)
    facts["due_at"] = due_at.isoformat()
    with transaction.atomic():
        event = apply(request, Action.REOPEN, actor, at=moment, expected_version=expected_version,
                      note=_text(note, "note", gettext_lazy("重办理由")), data=facts, to_unit=request.lead_unit,
                      changes={"due_at": due_at, "reopen_count": request.reopen_count + 1, "replied_at": None,
                               "closed_at": None, "resolution": "", "yellow_carded_at": None, "red_cards": 0,
                               "red_carded_at": None, "followup_contacted": None, "followup_solved": None,
                               "service_satisfaction": "", "result_satisfaction": ""})
        _remind(request, request.lead_unit_id, Action.REOPEN,
                recorded(gettext_noop("工单 %(number)s 重办：%(note)s"), number=request.number, note=note.strip()[:100]))
    return event


# --- supervision and cards -----------------------------------------------------------------------

_LEVELS = {Action.URGE: 1, Action.SUPERVISE: 2, Action.ESCALATE: 3}


def supervise(request, action: str, *, actor=None, note: str = "", expected_version=None) -> RequestEvent:
    """催办 / 督办 / 提级督办 (JN 28, SD17): ``action`` is urge, supervise or escalate; the
    supervision level never goes down. The lead unit is reminded."""
    if action not in _LEVELS:
        raise RuleViolation(gettext("未知的督办方式"), field="action")
    level = max(request.supervision_level, _LEVELS[action])
    with transaction.atomic():
        event = apply(request, action, actor, at=when(actor, None), expected_version=expected_version,
                      changes={"supervision_level": level}, note=note, data={"level": level})
        _remind(request, request.lead_unit_id, action,
                recorded(gettext_noop("工单 %(number)s %(action)s：%(note)s"), number=request.number,
                         action=Action(action).label, note=(note or gettext_noop("请尽快办理")).strip()[:100]))
    return event


def yellow_card(request, *, at=None) -> RequestEvent:
    """黄牌 (SD17): 1 working day before the deadline; once per deadline."""
    moment = when(None, at)
    with transaction.atomic():
        event = apply(request, Action.YELLOW_CARD, None, at=moment, changes={"yellow_carded_at": moment},
                      data={"due_at": request.due_at.isoformat()})
        _remind(request, request.lead_unit_id, Action.YELLOW_CARD,
                recorded(gettext_noop("黄牌预警：工单 %(number)s 将于 %(due)s 到期"), number=request.number,
                         due=f"{timezone.localtime(request.due_at):%m-%d %H:%M}"))
    return event


def red_card(request, *, at=None) -> RequestEvent:
    """红牌 (SD17): one for each working day overdue, from the first; after repeated red cards the
    order is escalated by the worker (``rules.RED_CARDS_BEFORE_ESCALATION``)."""
    moment = when(None, at)
    count = request.red_cards + 1
    with transaction.atomic():
        event = apply(request, Action.RED_CARD, None, at=moment, changes={"red_cards": count, "red_carded_at": moment},
                      data={"count": count, "due_at": request.due_at.isoformat()})
        _remind(request, request.lead_unit_id, Action.RED_CARD,
                recorded(gettext_noop("红牌：工单 %(number)s 已超期（第 %(count)s 张）"), number=request.number,
                         count=count))
    return event


# --- merge and split -----------------------------------------------------------------------------

def merge(request, primary: ServiceRequest, *, actor, expected_version=None) -> RequestEvent:
    """并单 (66号): a duplicate points to its primary; the primary's outcome closes it."""
    if primary.pk == request.pk:
        raise RuleViolation(gettext("不能并入自身"), field="primary")
    if primary.state in State.final_states() or primary.merged_into_id:
        raise RuleViolation(gettext("主单 %(number)s 已办结或已并入其他工单") % {"number": primary.number}, field="primary")
    if ServiceRequest.objects.filter(merged_into=request, state=State.MERGED).exists():
        raise RuleViolation(gettext("已有其他工单并入本单：请以本单为主单，或先处理并入的工单"), field="primary")
    return apply(request, Action.MERGE, actor, at=when(actor, None), expected_version=expected_version,
                 changes={"merged_into": primary}, note=recorded(gettext_noop("并入 %(number)s"), number=primary.number), data={"primary": primary.number})


def split(request, parts: list[tuple[str, str, Unit]], *, actor, expected_version=None) -> list[ServiceRequest]:
    """拆单: one request becomes several (title, text, unit), each dispatched to its own unit.

    Needs 2 to ``SPLIT_MAX_PARTS`` parts, each for a unit that may lead an order
    (``check_lead_unit``); the original ends in state ``split``. Returns the new orders.
    """
    if len(parts) < 2:
        raise RuleViolation(gettext("拆单至少需要两项"), field="parts")
    if len(parts) > SPLIT_MAX_PARTS:
        raise RuleViolation(gettext("拆单最多 %(max)s 项（更多单位参与时请增加协办单位）") % {"max": SPLIT_MAX_PARTS},
                            field="parts")
    if ServiceRequest.objects.filter(merged_into=request, state=State.MERGED).exists():
        raise RuleViolation(gettext("已有其他工单并入本单，不能拆单"), field="parts")
    check_state(request, Action.SPLIT, expected_version)
    check_actor(request, Action.SPLIT, actor)
    for _, _, unit in parts:
        check_lead_unit(unit, field="parts")
    split_note = recorded(gettext_noop("拆自 %(number)s"), number=request.number)
    with transaction.atomic():
        apply(request, Action.SPLIT, actor, at=when(actor, None), expected_version=expected_version,
              data={"parts": len(parts)}, checked=True)
        children = []
        for title, text, unit in parts:
            child = intake(title=title or request.title, description=text or request.description, actor=actor,
                           channel=request.channel, request_type=request.request_type, address=request.address,
                           requester_name=request.requester_name, requester_phone=request.requester_phone,
                           confidential=request.confidential, subdistrict=request.subdistrict,
                           community=request.community, split_from=request,
                           event_data={"split_from": request.number})
            if request.category_id:
                classify(child, request.category, actor=actor, note=split_note)
            dispatch(child, unit, actor=actor, note=split_note)
            children.append(child)
    return children


# --- routing a new order -------------------------------------------------------------------------

def route(request: ServiceRequest, suggestion: Suggestion | None = None, *, at=None,
          given_category: Category | None = None, force: bool = False) -> str:
    """Classify and dispatch a newly received order, or queue it for a dispatcher (system steps).

    ``given_category`` (e.g. a label in an imported file) is used instead of the model's
    suggestion. The order is dispatched automatically when the catalogue names a unit and the
    category is given or the model's confidence reaches ``ZHILI_AUTO_DISPATCH_THRESHOLD``
    (or ``force``). Returns the resulting state. Never raises because the classifier is missing.

    A live order classified here by the fast model (no ``at``, no ``given_category``, no
    ``suggestion`` passed in) gets a refinement by the worker's accurate model after the commit
    (``refine_classification``); imports pass their batch's suggestions and historical times and
    are not refined (no task per row).
    """
    with batched():  # classify and dispatch (or queue): one UPDATE and their two events together
        state = _route(request, suggestion, at=at, given_category=given_category, force=force)
    return state


def _route(request: ServiceRequest, suggestion: Suggestion | None, *, at, given_category: Category | None,
           force: bool) -> str:
    refine = suggestion is None and given_category is None and at is None
    if suggestion is None and given_category is not None:
        # The category is given (a source label, an Open311 service_code): the place is all we need.
        subdistrict, community = resolve_place(request.address, f"{request.title} {request.description}")
        suggestion = Suggestion(None, None, None, subdistrict, community, None)
    elif suggestion is None:
        suggestion = suggest_many([(request.title, request.description, request.address)])[0]
    category = given_category or suggestion.category
    confidence = None if given_category else suggestion.confidence
    if category is not None:
        place_known = request.subdistrict_id is not None
        classify(request, category, at=at, confidence=confidence,
                 model_version=None if given_category else suggestion.model_version,
                 note=gettext_noop("来源数据标注") if given_category else gettext_noop("模型分类"),
                 subdistrict=None if place_known else suggestion.subdistrict,
                 community=None if place_known else suggestion.community)
    if category is suggestion.category and request.subdistrict_id == getattr(suggestion.subdistrict, "pk", None):
        match = suggestion.match  # already looked up for this category and place
    else:
        match = find_lead_unit(category, request.subdistrict) if category is not None else None
    threshold = settings.ZHILI_AUTO_DISPATCH_THRESHOLD
    if category is None:
        queue_for_dispatch(request, reason=gettext_noop("没有可用的分类模型，等待人工分类派单"), at=at)
    elif match is None:
        queue_for_dispatch(request, reason=recorded(gettext_noop("派单目录中没有“%(category)s”的承办单位"),
                                                    category=category.name), at=at, confidence=confidence)
    elif match.lead_unit.kind not in LEAD_UNIT_KINDS:
        # A catalogue rule naming the district or a community (an administrator's slip) must not
        # make intake fail: a dispatcher decides.
        queue_for_dispatch(request, reason=recorded(
            gettext_noop("派单目录为“%(category)s”指定的“%(unit)s”不能主办工单，等待人工派单"),
            category=category.name, unit=match.lead_unit.name), at=at, confidence=confidence)
    elif given_category is None and not force and (confidence or 0) < threshold:
        queue_for_dispatch(request, reason=recorded(gettext_noop("分类置信度 %(confidence).2f 低于自动派单阈值 %(threshold).2f"),
                                                    confidence=confidence or 0, threshold=threshold),
                           at=at, confidence=confidence)
    else:
        dispatch(request, match.lead_unit, at=at, confidence=confidence, rule_id=match.rule.pk,
                 note=recorded(gettext_noop("按派单目录自动派单：%(rule)s"), rule=match.rule))
    if refine:
        _enqueue_refinement(request)
    return request.state


# --- refinement by the worker's accurate model ---------------------------------------------------

def _enqueue_refinement(request: ServiceRequest) -> None:
    """After the commit, ask the worker to refine the order's category, when an accurate model
    is installed (checking reads one small file; the web server never loads that model)."""
    from zhili.routing import accurate

    if accurate.installed():
        from .tasks import refine_category

        transaction.on_commit(lambda: refine_category(request.pk))


def _routed_by_a_person(request: ServiceRequest) -> bool:
    """True once a person acted on the order after its intake (classified, queued, dispatched,
    merged …) or its lead unit accepted it: the refinement must not overrule people."""
    return request.accepted_at is not None or request.events.filter(seq__gt=1, actor__isnull=False).exists()


def refine_classification(request: ServiceRequest, category: Category, *, confidence: float,
                          model_version: str, at=None) -> RequestEvent:
    """复核分类: the worker's accurate model's first-level category for the order, recorded beside
    the fast model's intake decision in one event (``data``: "fast" and "accurate", each
    {category_code, category, confidence, model_version}; "agrees"; "applied"; "reason").

    The order changes only when the two disagree, the accurate confidence reaches
    ``ZHILI_REFINEMENT_THRESHOLD`` (``accurate.refinement_threshold``), no person has acted on
    the order since intake and its unit has not accepted it:
    - received or waiting for a dispatcher: the category is replaced;
    - dispatched by the system: the category is replaced and, when the catalogue names another
      lead unit for it, the order goes there with a deadline counted from now (the unit had not
      accepted it); no catalogue rule for the new category: only recorded.
    Afterwards an order still waiting for a dispatcher only because of a low fast confidence is
    dispatched when the accurate confidence reaches ``ZHILI_AUTO_DISPATCH_THRESHOLD``.
    Otherwise the event only records. Raises StaleRequest when the order changed meanwhile.
    """
    from zhili.routing.accurate import refinement_threshold

    moment = when(None, at)
    fast_event = request.events.filter(action=Action.CLASSIFY, actor__isnull=True).order_by("seq").last()
    fast = None
    if fast_event is not None:
        fast = {"category_code": fast_event.data.get("category_code"), "category": fast_event.data.get("category"),
                "confidence": fast_event.confidence, "model_version": fast_event.data.get("model_version")}
    current = request.category
    accurate = {"category_code": category.code, "category": category.full_name, "confidence": confidence,
                "model_version": model_version}
    first_level = current.ancestors_and_self()[-1] if current is not None else None
    agrees = first_level is not None and first_level.pk == category.pk
    data = {"fast": fast, "accurate": accurate, "agrees": agrees, "applied": False}
    changes, to_unit, match = {}, None, None
    threshold = refinement_threshold()
    if agrees:
        data["reason"] = gettext_noop("与受理时的分类一致")
    elif confidence < threshold:
        data["reason"] = recorded(gettext_noop("置信度 %(confidence).2f 低于改分类阈值 %(threshold).2f，仅记录"),
                                  confidence=confidence, threshold=threshold)
    elif request.state not in (State.RECEIVED, State.PENDING_DISPATCH, State.DISPATCHED) \
            or _routed_by_a_person(request):
        data["reason"] = gettext_noop("工单已由人工分类、派单或签收，仅记录")
    elif request.state == State.DISPATCHED:
        match = find_lead_unit(category, request.subdistrict)
        if match is None:
            data["reason"] = recorded(gettext_noop("派单目录中没有“%(category)s”的承办单位，仅记录"), category=category.name)
        elif match.lead_unit.kind not in LEAD_UNIT_KINDS:
            data["reason"] = recorded(gettext_noop("派单目录为“%(category)s”指定的单位不能主办，仅记录"),
                                      category=category.name)
        else:
            changes["category"] = category
            if match.lead_unit.pk != request.lead_unit_id:
                # The new unit gets the order by a system 改派 right after this event (its own
                # event: deadline facts, rollups and cards read it like any reassignment).
                data.update(dispatch_rule_id=match.rule.pk, lead_unit_before=request.lead_unit.name)
                to_unit = match.lead_unit
            data["reason"] = (recorded(gettext_noop("改分类并改派至 %(unit)s"), unit=match.lead_unit.name) if to_unit
                              else gettext_noop("改分类（承办单位不变）"))
    else:
        changes["category"] = category
        data["reason"] = gettext_noop("改分类")
    data["applied"] = bool(changes)
    if changes:
        note = recorded(gettext_noop("精确模型改分类：%(before)s → %(after)s（置信度 %(confidence).2f）"),
                        before=current.name if current else gettext_noop("无"), after=category.name,
                        confidence=confidence)
    else:
        note = recorded(gettext_noop("精确模型复核：%(category)s（置信度 %(confidence).2f）；%(reason)s"),
                        category=category.name, confidence=confidence, reason=data["reason"])
    with transaction.atomic():
        event = apply(request, Action.REFINE, None, at=moment, changes=changes, note=note, data=data,
                      confidence=confidence)
        if to_unit is not None:
            reassign(request, to_unit, actor=None, at=moment,
                     note=recorded(gettext_noop("精确模型复核改分类后按派单目录改派：%(rule)s"), rule=match.rule))
        auto = settings.ZHILI_AUTO_DISPATCH_THRESHOLD
        if (request.state == State.PENDING_DISPATCH and confidence >= auto and request.category_id == category.pk
                and not _routed_by_a_person(request)):
            match = find_lead_unit(category, request.subdistrict)
            if match is not None:
                dispatch(request, match.lead_unit, at=moment, confidence=confidence, rule_id=match.rule.pk,
                         note=recorded(gettext_noop("精确模型复核后按派单目录自动派单：%(rule)s"), rule=match.rule))
    return event
