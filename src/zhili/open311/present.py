"""How a work order and its events look to the public through Open311.

Never returned: the requester's name, phone or email, and confidential orders at all. Phone-like
numbers (mobile, landline, ID card) and the requester's own name are masked inside public texts,
because callers and operators sometimes write them into the description.

Status: GeoReport v2 knows only ``open`` and ``closed``. An order is ``closed`` once the unit
has answered the requester (replied, awaiting follow-up, closed) or it was ended otherwise
(declined, merged, split); a send-back or a reopen makes it ``open`` again. Our exact state is in
``status_notes`` in Chinese ("办理中", "已答复待审核" …).
"""

import re

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from zhili.requests.choices import Action, DeclineReason, Resolution, State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.requests.privacy import mask_text

from .models import Submission

CLOSED_STATES = frozenset({State.REPLIED, State.AWAITING_FOLLOW_UP, State.CLOSED, State.DECLINED,
                           State.MERGED, State.SPLIT})
OPEN_STATES = frozenset(State.values) - CLOSED_STATES

# Events published in the updates feed, with whether their note is public (the unit's answer to
# the requester is; internal notes — return reasons, supervision remarks — are not).
PUBLIC_EVENTS = {
    Action.INTAKE: False, Action.DISPATCH: False, Action.REASSIGN: False, Action.FORCE_DISPATCH: False,
    Action.ACCEPT: False, Action.CONTACT: False, Action.APPROVE_EXTENSION: False,
    Action.INTERIM_REPLY: True, Action.REPLY: True, Action.RESOLVE_AT_INTAKE: True, Action.DECLINE: False,
    Action.SEND_BACK: False, Action.APPROVE_REVIEW: False, Action.REOPEN: False, Action.CLOSE: False,
    Action.MERGE: False, Action.SPLIT: False,
}

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def status_of(state: str) -> str:
    """"open" or "closed" (see the module docstring)."""
    return "closed" if state in CLOSED_STATES else "open"


def w3c(moment) -> str:
    """An aware datetime as W3C/ISO 8601 in Asia/Shanghai, e.g. 2026-11-29T10:00:00+08:00; "" for None."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def public_text(text: str, requester_name: str = "") -> str:
    """``text`` with phone and ID numbers masked and the requester's name replaced by its mask
    (``privacy.mask_text``), without the characters XML cannot hold."""
    return _XML_INVALID.sub("", mask_text(text, requester_name))


def public_requests():
    """Orders the public may read: not confidential; with what a row shows, in one query."""
    last_event = RequestEvent.objects.filter(request=OuterRef("pk")).order_by("-seq").values("at")[:1]
    media = Submission.objects.filter(service_request=OuterRef("pk")).exclude(media_url="").values("media_url")[:1]
    return (ServiceRequest.objects.filter(confidential=False)
            .select_related("category", "lead_unit", "merged_into")
            .annotate(last_event_at=Subquery(last_event), open311_media_url=Subquery(media)))


def status_notes(request: ServiceRequest) -> str:
    """Our state in Chinese, with the decline reason or the primary order when there is one;
    历史归档 for a past matter a history import closed (not handled here: not 已办结)."""
    if request.state == State.CLOSED and request.resolution == Resolution.ARCHIVED:
        return str(Resolution.ARCHIVED.label)
    notes = State(request.state).label
    if request.state == State.DECLINED and request.decline_reason:
        notes += f"：{DeclineReason(request.decline_reason).label}"
    elif request.state == State.MERGED and request.merged_into_id:
        notes += f"：并入 {request.merged_into.number}"
    return notes


def as_open311(request: ServiceRequest) -> dict:
    """One item of GET /requests (``request`` from ``public_requests()``)."""
    return {
        "service_request_id": request.number,
        "status": status_of(request.state),
        "status_notes": status_notes(request),
        "service_name": request.category.name if request.category_id else "",
        "service_code": request.category.code if request.category_id else "",
        "description": public_text(request.description, request.requester_name),
        "agency_responsible": request.lead_unit.name if request.lead_unit_id else "",
        "service_notice": "",
        "requested_datetime": w3c(request.received_at),
        "updated_datetime": w3c(getattr(request, "last_event_at", None) or request.updated_at),
        "expected_datetime": w3c(request.due_at),
        "address": public_text(request.address, request.requester_name),
        "address_id": "",
        "zipcode": "",
        "lat": float(request.lat) if request.lat is not None else None,
        "long": float(request.long) if request.long is not None else None,
        "media_url": getattr(request, "open311_media_url", None) or "",
    }


def update_description(event: RequestEvent) -> str:
    """What the updates feed says about one event, in Chinese."""
    label = Action(event.action).label
    if event.action in (Action.DISPATCH, Action.REASSIGN, Action.FORCE_DISPATCH) and event.to_unit_id:
        return f"{label}：{event.to_unit.name}"
    if event.action == Action.DECLINE:
        return f"{label}：{event.data.get('reason_label', '')}".rstrip("：")
    if event.action == Action.MERGE:
        return f"{label}：{event.data.get('primary', '')}".rstrip("：")
    if event.action == Action.APPROVE_EXTENSION and event.data.get("due_at"):
        return f"{label}：办理时限延长 {event.data.get('working_days')} 个工作日"
    if PUBLIC_EVENTS.get(event.action) and event.note:
        return f"{label}：{public_text(event.note, event.request.requester_name)}"
    return label


def as_update(event: RequestEvent) -> dict:
    """One item of GET /servicerequestupdates (FixMyStreet's extension)."""
    return {
        "update_id": str(event.pk),
        "service_request_id": event.request.number,
        "status": status_of(event.to_state or event.from_state),
        "updated_datetime": w3c(event.at),
        "description": update_description(event),
        "media_url": "",
    }
