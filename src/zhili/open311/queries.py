"""The read calls of Open311: service list and definition, requests, one request, tokens, updates.

Each function takes the query parameters (a dict-like of strings; an empty value is the same as
an absent one) and returns the plain data to render, or raises Open311Error (400/404).
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import dateparse, timezone

from zhili.inputs import PLAUSIBLE_YEARS
from zhili.requests.models import RequestEvent

from . import present, services
from .errors import bad_request, not_found
from .models import Submission

MAX_SPAN = dt.timedelta(days=90)  # GeoReport v2: start_date..end_date spans at most 90 days
MAX_PAGE_SIZE = 1000  # GeoReport v2: at most 1000 requests by default
MAX_IDS = 1000
# Years a date parameter may name: the range every interface uses (zhili.inputs).
YEARS = PLAUSIBLE_YEARS


def param(query, name: str) -> str:
    """A parameter's stripped value; "" when absent or empty."""
    return (query.get(name) or "").strip()


def check_jurisdiction(query) -> None:
    """404 when a jurisdiction_id is given and is not ours (``ZHILI_OPEN311_JURISDICTION_ID``)."""
    given = param(query, "jurisdiction_id")
    if given and given != settings.ZHILI_OPEN311_JURISDICTION_ID:
        raise not_found(f"jurisdiction_id {given!r} not found", f"没有辖区“{given}”")


def parse_w3c(value: str, name: str) -> dt.datetime:
    """A W3C datetime (2010-01-01T00:00:00Z, an offset, or a date alone = 00:00 Asia/Shanghai),
    aware. 400 naming ``name`` when it is not one, or when its year is outside ``YEARS`` (year 1
    or 9999 overflow once the 90-day span or a time zone is applied; the pages' date filters
    accept the same years)."""
    try:
        moment = dateparse.parse_datetime(value)
        if moment is None:
            day = dateparse.parse_date(value)
            moment = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise bad_request((f"{name} must be a W3C datetime, e.g. 2026-01-01T00:00:00+08:00",
                           f"{name} 应为 W3C 时间格式，如 2026-01-01T00:00:00+08:00"))
    if moment.year not in YEARS:  # checked before any time-zone arithmetic, which could overflow
        raise bad_request((f"{name} must be between the years {YEARS.start} and {YEARS.stop - 1}",
                           f"{name} 应在 {YEARS.start} 年到 {YEARS.stop - 1} 年之间"))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def date_range(query) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of the request: both given, one given (the other 90 days away), or the last
    90 days. 400 when end is before start or the span exceeds 90 days."""
    start_text, end_text = param(query, "start_date"), param(query, "end_date")
    start = parse_w3c(start_text, "start_date") if start_text else None
    end = parse_w3c(end_text, "end_date") if end_text else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise bad_request(("end_date is before start_date", "end_date 早于 start_date"))
    if end - start > MAX_SPAN:
        raise bad_request(("start_date to end_date may not span more than 90 days",
                           "start_date 到 end_date 不能超过 90 天"))
    return start, end


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    def slice(self, queryset):
        offset = (self.number - 1) * self.size
        return queryset[offset:offset + self.size]


def page_of(query) -> Page:
    """``page`` (from 1) and ``page_size`` (1–1000, default 1000): the pagination extension."""
    values = {}
    for name, default, limit in (("page", 1, 10**6), ("page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)):
        text = param(query, name)
        if not text:
            values[name] = default
            continue
        if not text.isdigit() or not 1 <= int(text) <= limit:
            raise bad_request((f"{name} must be a whole number from 1 to {limit}",
                               f"{name} 应为 1 到 {limit} 之间的整数"))
        values[name] = int(text)
    return Page(values["page"], values["page_size"])


def comma_list(query, name: str) -> list[str]:
    return [item.strip() for item in param(query, name).split(",") if item.strip()]


# --- services ------------------------------------------------------------------------------------

def service_list(query) -> list[dict]:
    """GET /services."""
    check_jurisdiction(query)
    return [services.service(c) for c in services.published_categories()]


def service_definition(query, service_code: str) -> dict:
    """GET /services/{service_code}: 404 for a code that is not a published service."""
    check_jurisdiction(query)
    category = services.published_category(service_code)
    if category is None:
        raise not_found(f"service_code {service_code!r} not found", f"没有服务代码“{service_code}”")
    return services.definition(category)


# --- requests ------------------------------------------------------------------------------------

def request_list(query) -> list[dict]:
    """GET /requests with every filter of the standard (see docs/open311.md), newest first."""
    check_jurisdiction(query)
    page = page_of(query)
    rows = present.public_requests()
    ids = comma_list(query, "service_request_id")
    if ids:  # overrides every other filter
        if len(ids) > MAX_IDS:
            raise bad_request((f"at most {MAX_IDS} service_request_id values",
                               f"service_request_id 最多 {MAX_IDS} 个"))
        rows = rows.filter(number__in=ids)
    else:
        start, end = date_range(query)
        rows = rows.filter(received_at__gte=start, received_at__lte=end)
        codes = comma_list(query, "service_code")
        if codes:
            rows = rows.filter(category__code__in=codes)
        statuses = {s.lower() for s in comma_list(query, "status")}
        if statuses - {"open", "closed"}:
            raise bad_request(("status must be open or closed (comma-separated)", "status 只能是 open 或 closed"))
        if statuses == {"open"}:
            rows = rows.filter(state__in=present.OPEN_STATES)
        elif statuses == {"closed"}:
            rows = rows.filter(state__in=present.CLOSED_STATES)
    return [present.as_open311(r) for r in page.slice(rows.order_by("-received_at", "-id"))]


def one_request(query, service_request_id: str) -> list[dict]:
    """GET /requests/{id} (and /request/{id}): a list with one item; 404 when unknown or not public."""
    check_jurisdiction(query)
    row = present.public_requests().filter(number=service_request_id).first()
    if row is None:
        raise not_found(f"service_request_id {service_request_id!r} not found",
                        f"没有工单“{service_request_id}”")
    return [present.as_open311(row)]


def token(query, token_text: str) -> list[dict]:
    """GET /tokens/{token}: the request a POST's token stands for; 404 when unknown."""
    check_jurisdiction(query)
    try:
        value = uuid.UUID(token_text)
    except ValueError:
        value = None
    submission = (Submission.objects.filter(token=value).select_related("service_request").first()
                  if value else None)
    if submission is None or submission.service_request is None:
        raise not_found(f"token {token_text!r} not found", f"没有令牌“{token_text}”")
    return [{"service_request_id": submission.service_request.number, "token": str(submission.token)}]


def request_updates(query) -> list[dict]:
    """GET /servicerequestupdates?start_date&end_date: public events in the range, oldest first."""
    check_jurisdiction(query)
    start, end = date_range(query)
    page = page_of(query)
    events = (RequestEvent.objects
              .filter(at__gte=start, at__lte=end, action__in=list(present.PUBLIC_EVENTS),
                      request__confidential=False)
              .select_related("request", "to_unit")
              .order_by("at", "id"))
    return [present.as_update(e) for e in page.slice(events)]

