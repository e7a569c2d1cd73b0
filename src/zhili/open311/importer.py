"""Loading another city's 311 records through our own Open311 POST (the history extension).

NYC 311 exports (``data/nyc311/``, portal CSV headers or Socrata API names — both are read) are
mapped row by row to an Open311 form by a small mapping CSV (``kind,value,target,target_name``):
``complaint_type`` → our service code, ``agency`` → our unit code, ``*`` as each kind's default.
Each form is POSTed with ``Idempotency-Key: nyc311:<unique key>`` — a re-run files nothing twice —
either to a running server (``url``) or in process through the same view (no server needed).
The server does the rest: validation, the workflow's intake, dispatch to the mapped unit, and for
closed rows the unit's acceptance and reply at the recorded times.
"""

import csv
import datetime as dt
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from zhili.datafiles import open_binary, read_text

NYC_TZ = ZoneInfo("America/New_York")
_NYC_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S")

# (status, parsed JSON body, replayed?) for one POST of (form, idempotency key).
Poster = Callable[[dict, str], tuple[int, object, bool]]


class MappingError(ValueError):
    """The mapping file is unusable; the message is Chinese."""


@dataclass
class Mapping:
    """complaint type → service code and agency → unit code, each with a ``*`` default."""

    services: dict[str, str]
    units: dict[str, str]

    def service_for(self, complaint_type: str) -> str:
        return self.services.get(complaint_type.strip().lower(), self.services["*"])

    def unit_for(self, agency: str) -> str:
        return self.units.get(agency.strip().lower(), self.units["*"])


def load_mapping(path: Path | str) -> Mapping:
    """Read the mapping CSV. Raises MappingError without a ``*`` row of each kind or with another kind."""
    rows = list(csv.DictReader(io.StringIO(read_text(path))))
    services, units = {}, {}
    for number, row in enumerate(rows, start=2):
        kind, value, target = (row.get(k, "").strip() for k in ("kind", "value", "target"))
        if kind == "complaint_type":
            services[value.lower()] = target
        elif kind == "agency":
            units[value.lower()] = target
        else:
            raise MappingError(f"映射文件第 {number} 行：kind 应为 complaint_type 或 agency，而不是“{kind}”")
    if "*" not in services or "*" not in units:
        raise MappingError("映射文件须为 complaint_type 和 agency 各写一行默认值（value 为 *）")
    return Mapping(services, units)


def nyc_time(text: str) -> dt.datetime | None:
    """A NYC 311 timestamp (local New York time, either export's format) as an aware datetime."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in _NYC_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=NYC_TZ)
        except ValueError:
            continue
    raise ValueError(f"无法识别的时间“{text}”")


def read_nyc(path: Path | str) -> Iterator[dict]:
    """Rows of a NYC 311 CSV (optionally .xz/.gz) with headers normalised to Socrata's names."""
    with open_binary(path) as fh, io.TextIOWrapper(fh, encoding="utf-8-sig") as text:
        for row in csv.DictReader(text):
            yield {k.strip().lower().replace(" ", "_"): (v or "").strip() for k, v in row.items() if k}


def to_open311(row: dict, mapping: Mapping) -> tuple[dict, str]:
    """(Open311 form, idempotency key) for one NYC row. Raises ValueError for an unreadable date."""
    created = nyc_time(row.get("created_date", ""))
    closed = nyc_time(row.get("closed_date", "")) or nyc_time(row.get("resolution_action_updated_date", ""))
    complaint = row.get("complaint_type", "")
    descriptor = row.get("descriptor", "")
    place = row.get("location_type", "")
    description = f"{complaint}: {descriptor}" + (f" ({place})" if place else "")
    street = row.get("incident_address") or " & ".join(
        s for s in (row.get("intersection_street_1"), row.get("intersection_street_2")) if s)
    address = ", ".join(s for s in (street, row.get("city") or row.get("borough"), row.get("incident_zip", "")
                                    .removesuffix(".0")) if s) or "New York City"
    is_closed = row.get("status", "").lower() == "closed"
    form = {
        "service_code": mapping.service_for(complaint),
        "agency_responsible": mapping.unit_for(row.get("agency", "")),
        "description": description[:4000],
        "address_string": address[:300],
        "requested_datetime": created.isoformat() if created else "",
        "status": "closed" if is_closed else "open",
        "external_id": f"nyc311:{row.get('unique_key', '')}",
    }
    if row.get("latitude") and row.get("longitude"):
        form["lat"], form["long"] = row["latitude"], row["longitude"]
    if is_closed:
        form["updated_datetime"] = closed.isoformat() if closed else ""
        form["status_notes"] = row.get("resolution_description", "") or "Closed"
    return form, f"nyc311:{row.get('unique_key', '')}"


def http_poster(url: str, api_key: str, timeout: float = 30.0) -> Poster:
    """POST forms to ``url`` (…/open311/v2/requests.json) over HTTP."""

    def post(form: dict, key: str) -> tuple[int, object, bool]:
        body = urllib.parse.urlencode({**form, "api_key": api_key}).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 - the operator's URL
            "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                replayed = response.headers.get("Idempotent-Replayed") == "true"
                return response.status, json.loads(response.read()), replayed
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"[]"), False

    return post


def in_process_poster(api_key: str) -> Poster:
    """POST forms through our own Open311 view in this process (the whole request path, no server)."""
    from django.test import Client

    client = Client()

    def post(form: dict, key: str) -> tuple[int, object, bool]:
        response = client.post("/open311/v2/requests.json", urllib.parse.urlencode({**form, "api_key": api_key}),
                               content_type="application/x-www-form-urlencoded", headers={"Idempotency-Key": key})
        return response.status_code, response.json(), response.headers.get("Idempotent-Replayed") == "true"

    return post


@dataclass
class ImportReport:
    created: int = 0
    replayed: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, unique key, errors)
    numbers: dict[str, str] = field(default_factory=dict)  # unique key → our service_request_id


def import_nyc(path: Path | str, mapping: Mapping, post: Poster, limit: int | None = None) -> ImportReport:
    """POST every row (or the first ``limit``) of a NYC 311 file; returns what happened to each."""
    report = ImportReport()
    for line, row in enumerate(read_nyc(path), start=2):
        if limit is not None and line - 1 > limit:
            break
        unique_key = row.get("unique_key", "")
        try:
            form, key = to_open311(row, mapping)
        except ValueError as exc:
            report.refused.append((line, unique_key, str(exc)))
            continue
        status, body, replayed = post(form, key)
        if status in (200, 201) and isinstance(body, list) and body:
            report.numbers[unique_key] = body[0]["service_request_id"]
            if replayed:
                report.replayed += 1
            else:
                report.created += 1
        else:
            errors = "; ".join(e.get("description", "") for e in body) if isinstance(body, list) else str(body)
            report.refused.append((line, unique_key, f"{status} {errors}"))
    return report
