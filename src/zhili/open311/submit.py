"""POST /requests: a new request through Open311 takes the same path as a phone call.

``file_request(client, form, idempotency_key)`` validates the form, then — in one transaction —
records the submission, calls ``workflow.actions.intake`` (channel "api") and
``workflow.actions.route`` (the posted ``service_code`` is the category, instead of the
classifier's suggestion; place, dispatch catalogue and deadline as for a phone call).

Idempotency: the ``Idempotency-Key`` header, or without one ``device_id``/``account_id`` with the
posted fields, names the submission. A retry with the same key returns the first answer and
files nothing; the same key with other fields is refused (400). Two identical POSTs at the same
moment meet at the unique (client, key) row: one files, the other waits and replays.

History extension (clients with ``may_import_history`` only, else 403): ``requested_datetime``,
``agency_responsible`` (unit code or name), ``status`` (open/closed), ``updated_datetime`` and
``status_notes`` (the closing reply), ``external_id``: an order from another system is entered
with its own dates — intake and dispatch to that unit at ``requested_datetime``; if closed, the
unit accepts and replies at ``updated_datetime``. All steps are the workflow's system steps.
"""

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from zhili.organisation.models import Unit
from zhili.requests.choices import Channel, RequestType, State
from zhili.requests.privacy import mask_text
from zhili.taxonomy.models import Category
from zhili.workflow import actions
from zhili.workflow.engine import batched
from zhili.workflow.errors import WorkflowError

from . import services
from .errors import Open311Error, bad_request, forbidden
from .models import ApiClient, Submission
from .queries import check_jurisdiction, parse_w3c

MAX_DESCRIPTION = 4000  # GeoReport v2
MAX_KEY = 200
HISTORY_FIELDS = ("requested_datetime", "agency_responsible", "status", "updated_datetime", "status_notes",
                  "external_id")


@dataclass
class Draft:
    """A validated POST, ready for intake."""

    category: Category
    description: str
    title: str
    address: str = ""
    lat: Decimal | None = None
    long: Decimal | None = None
    requester_name: str = ""
    requester_phone: str = ""
    request_type: str = RequestType.COMPLAINT
    media_url: str = ""
    account_id: str = ""
    device_id: str = ""
    history: dict = field(default_factory=dict)


@dataclass
class Receipt:
    """The answer to a POST: ``items`` as Open311 renders them; ``replayed`` for a retry."""

    items: list[dict]
    replayed: bool = False


def _value(form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _coordinate(text: str, name: str, limit: int, problems: list) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not -limit <= value <= limit:
        problems.append((f"{name} must be a number from -{limit} to {limit} (WGS84)",
                         f"{name} 应为 -{limit} 到 {limit} 之间的数字（WGS84）"))
        return None
    return value.quantize(Decimal("0.000001"))


def parse(client: ApiClient, form) -> Draft:
    """Validate a posted form (dict-like of strings). Raises Open311Error: 404 for another
    jurisdiction, 403 for history fields without permission, else 400 listing every problem."""
    check_jurisdiction(form)
    problems: list[tuple[str, str]] = []
    code = _value(form, "service_code")
    category = None
    if not code:
        problems.append(("service_code is required", "缺少 service_code（服务代码）"))
    else:
        category = services.published_category(code)
        if category is None:
            problems.append((f"service_code {code!r} not found", f"没有服务代码“{code}”"))
    lat_text, long_text = _value(form, "lat"), _value(form, "long")
    address, address_id = _value(form, "address_string"), _value(form, "address_id")
    lat = long = None
    if lat_text or long_text:
        if not (lat_text and long_text):
            problems.append(("lat and long must be given together", "lat 与 long 须同时提供"))
        else:
            lat = _coordinate(lat_text, "lat", 90, problems)
            long = _coordinate(long_text, "long", 180, problems)
    elif not (address or address_id):
        problems.append(("a location is required: lat and long, address_string or address_id",
                         "须提供位置：lat 与 long、address_string 或 address_id"))
    if len(address) > 300:
        problems.append(("address_string is longer than 300 characters", "address_string 超过 300 个字符"))
    description = _value(form, "description")
    if len(description) > MAX_DESCRIPTION:
        problems.append((f"description is longer than {MAX_DESCRIPTION} characters",
                         f"description 超过 {MAX_DESCRIPTION} 个字符"))
    request_type = _value(form, f"attribute[{services.ATTRIBUTE_REQUEST_TYPE}]") or RequestType.COMPLAINT
    if request_type not in RequestType.values:
        problems.append((f"attribute[request_type] must be one of {', '.join(RequestType.values)}",
                         "attribute[request_type] 不是有效的诉求类型"))
    media_url = _value(form, "media_url")
    if media_url and (len(media_url) > 500 or not media_url.lower().startswith(("http://", "https://"))):
        problems.append(("media_url must be an http(s) URL of at most 500 characters",
                         "media_url 应为不超过 500 个字符的 http(s) 地址"))
    for name, limit in (("account_id", 100), ("device_id", 100), ("first_name", 50), ("last_name", 50),
                        ("phone", 24), ("email", 254)):
        if len(_value(form, name)) > limit:
            problems.append((f"{name} is longer than {limit} characters", f"{name} 超过 {limit} 个字符"))
    history = _history(client, form, problems) if any(_value(form, n) for n in HISTORY_FIELDS) else {}
    if problems:
        raise bad_request(*problems)
    if not description:  # Open311 makes it optional; intake needs a text
        description = f"{category.name}（{address or '未填写地址'}）"
    first, last = _value(form, "first_name"), _value(form, "last_name")
    return Draft(
        # The title shows in every list and export: a phone number written into the text is masked there.
        category=category, description=description, title=mask_text(" ".join(description.split()))[:30],
        address=address or address_id, lat=lat, long=long,
        requester_name=(last + first) if _is_chinese(last + first) else " ".join(p for p in (first, last) if p),
        requester_phone=_value(form, "phone"), request_type=request_type, media_url=media_url,
        account_id=_value(form, "account_id"), device_id=_value(form, "device_id"), history=history,
    )


def _is_chinese(name: str) -> bool:
    return bool(name) and all("\u4e00" <= ch <= "\u9fff" or ch == "·" for ch in name)


def _history(client: ApiClient, form, problems: list) -> dict:
    """The history extension's fields, checked (see the module docstring)."""
    if not client.may_import_history:
        raise forbidden("this api_key may not send history fields (requested_datetime, agency_responsible, "
                        "status, updated_datetime, status_notes, external_id)",
                        "该 api_key 无权导入历史工单")
    history: dict = {}
    now = timezone.now()
    for name in ("requested_datetime", "updated_datetime"):
        text = _value(form, name)
        if text:
            try:
                history[name] = parse_w3c(text, name)
            except Open311Error as exc:
                problems.extend(exc.messages)
                continue
            if history[name] > now:
                problems.append((f"{name} is in the future", f"{name} 晚于当前时间"))
    status = _value(form, "status").lower()
    if status and status not in ("open", "closed"):
        problems.append(("status must be open or closed", "status 只能是 open 或 closed"))
    history["status"] = status or "open"
    agency = _value(form, "agency_responsible")
    if agency:
        unit = Unit.objects.filter(Q(code=agency) | Q(name=agency), is_active=True).first()
        if unit is None:
            problems.append((f"agency_responsible {agency!r} is not a unit", f"没有承办单位“{agency}”"))
        history["unit"] = unit
    requested = history.get("requested_datetime")
    updated = history.get("updated_datetime")
    if requested and updated and updated < requested:
        problems.append(("updated_datetime is before requested_datetime", "updated_datetime 早于 requested_datetime"))
    history["status_notes"] = _value(form, "status_notes")
    external_id = _value(form, "external_id")
    if len(external_id) > 64:
        problems.append(("external_id is longer than 64 characters", "external_id 超过 64 个字符"))
    history["external_id"] = external_id or None
    return history


def fingerprint(form) -> str:
    """SHA-256 of the posted fields except the api_key (the same retry gives the same digest)."""
    items = form.lists() if hasattr(form, "lists") else ((k, [v]) for k, v in form.items())
    payload = sorted((k, sorted(str(v) for v in values)) for k, values in items if k != "api_key")
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def idempotency_key(header: str, form) -> str | None:
    """The key of this POST: the header, else ``auto:`` + the fields' digest when the client sent a
    device_id or account_id, else None (no deduplication). 400 for a header over 200 characters."""
    header = (header or "").strip()
    if header:
        if len(header) > MAX_KEY:
            raise bad_request((f"Idempotency-Key is longer than {MAX_KEY} characters",
                               f"Idempotency-Key 超过 {MAX_KEY} 个字符"))
        return header
    if _value(form, "device_id") or _value(form, "account_id"):
        return "auto:" + fingerprint(form)
    return None


def _replay(submission: Submission, digest: str) -> Receipt:
    if submission.fingerprint != digest:
        raise bad_request(("Idempotency-Key was already used with different fields",
                           "该 Idempotency-Key 已用于内容不同的提交"))
    return Receipt(items=submission.response, replayed=True)


def _notice(request) -> str:
    if request.state == State.DISPATCHED and request.due_at:
        return (f"已受理，已派单至{request.lead_unit.name}，办理时限至"
                f"{timezone.localtime(request.due_at):%Y-%m-%d %H:%M}")
    if request.state == State.PENDING_DISPATCH:
        return "已受理，等待人工派单"
    return f"已受理（{State(request.state).label}）"


def _file(client: ApiClient, draft: Draft) -> object:
    """Intake and route (or, for history, dispatch and close) through the workflow."""
    history = draft.history
    at = history.get("requested_datetime")
    with batched():  # intake and the steps after it: the order written once, its events in one INSERT
        return _file_steps(client, draft, history, at)


def _file_steps(client: ApiClient, draft: Draft, history: dict, at) -> object:
    request = actions.intake(
        title=draft.title, description=draft.description, at=at, channel=Channel.API,
        request_type=draft.request_type, address=draft.address, lat=draft.lat, long=draft.long,
        requester_name=draft.requester_name, requester_phone=draft.requester_phone,
        source=f"open311:{client.name}"[:50], external_id=history.get("external_id"),
        event_data={"open311_client": client.name, "service_code": draft.category.code},
    )
    unit = history.get("unit")
    if unit is not None:
        actions.dispatch(request, unit, at=at, category=draft.category, note="历史工单：按原承办机构派单")
    else:
        actions.route(request, at=at, given_category=draft.category, force=bool(history))
    if history.get("status") == "closed":
        # A past matter, closed in the other system: its unit's reply (when it has a unit), then
        # 历史归档, as `import-requests --history` does — never a reply waiting for the hotline's
        # review or an order in the dispatcher's queue, never in the 三率 (docs/open311.md).
        actions.record_past_handling(request, at=request.received_at,
                                     closed_at=history.get("updated_datetime") or request.received_at,
                                     reply_text=history.get("status_notes") or "已办结")
    return request


@contextlib.contextmanager
def one_transaction():
    """One transaction for a whole POST, with no savepoints inside it.

    A POST is all or nothing: any error inside (a workflow refusal, a unique key taken by a
    concurrent POST) leaves the block and rolls everything back; nothing inside catches an error
    and goes on. So the savepoints of the workflow's nested ``atomic`` blocks (intake, classify,
    dispatch and the event each open one) are never rolled back to, and would cost 10 of the
    POST's ~20 statements: here nested blocks behave as ``atomic(savepoint=False)`` — an error in
    one marks the whole transaction for rollback. Only this thread's connection is affected, and
    only inside the block; it takes effect on PostgreSQL (Django's SQLite backend decides on
    savepoints without this flag). Nesting is safe (the previous value is restored).

    Raises TransactionManagementError when the block ends with the transaction marked for
    rollback although no error left it (code inside caught a database error and went on):
    without savepoints the outer block would then roll back silently, and the POST would answer
    201 for a request that was never stored.
    """
    with transaction.atomic():
        connection = transaction.get_connection()
        features = connection.features
        had_own = "uses_savepoints" in features.__dict__
        previous = features.__dict__.get("uses_savepoints")
        features.uses_savepoints = False
        try:
            yield
            if connection.needs_rollback:
                raise TransactionManagementError("Open311 提交中途出错但未抛出异常，整笔提交已回滚")
        finally:
            if had_own:
                features.uses_savepoints = previous
            else:
                del features.uses_savepoints  # back to the backend's own (class) value


def file_request(client: ApiClient, form, header_key: str = "") -> Receipt:
    """POST /requests (see the module docstring). Returns the Receipt; raises Open311Error
    (400, 403, 404) when the form is refused — then nothing is stored."""
    key = idempotency_key(header_key, form)
    digest = fingerprint(form)
    if key is not None:
        found = Submission.objects.filter(client=client, idempotency_key=key).first()
        if found is not None:
            return _replay(found, digest)
    draft = parse(client, form)
    submission = Submission(client=client, idempotency_key=key, fingerprint=digest, account_id=draft.account_id,
                            device_id=draft.device_id, media_url=draft.media_url)
    try:
        with one_transaction():
            if key is not None:
                # Claim the key first: a concurrent POST with the same key waits here until this
                # one commits, then replays it (instead of filing the request a second time).
                submission.save(force_insert=True)
            request = _file(client, draft)
            submission.service_request = request
            submission.response = [{"service_request_id": request.number, "token": str(submission.token),
                                    "service_notice": _notice(request), "account_id": draft.account_id}]
            if key is None:  # nothing to claim: one INSERT with the answer
                submission.save(force_insert=True)
            else:
                submission.save(update_fields=["service_request", "response"])
    except IntegrityError:
        # The same key committed by a concurrent POST (or the history's external_id already stored).
        found = Submission.objects.filter(client=client, idempotency_key=key).first() if key else None
        if found is None:
            raise bad_request(("this request was already filed (external_id)", "该工单已导入（external_id 重复）")) from None
        return _replay(found, digest)
    except WorkflowError as exc:
        raise bad_request((exc.message, exc.message)) from None
    return Receipt(items=submission.response)
