"""Rollups of the event log, refreshed incrementally from a watermark (architecture.md: "every
number a leader sees is computed from the event log (or rollups built from it)").

Two rollups:

- ``DailyActivity`` — day × unit × category × subdistrict → event counts (``formulas.Counts``).
  A refresh recomputes, from the event log, every *day* touched by the events since the
  watermark; recomputing a day is idempotent, so a day can be recomputed any number of times.
- ``RequestCell`` — received month × state × lead unit × category × subdistrict → number of
  orders, for ``stats.totals()``; the state of a closed order archived by a history import is
  ``archived`` (``counted_state``), so it is never counted as handled (已办结). Each order's cell is remembered (``RequestCellMember``); a
  refresh moves the orders named by the new events from their old cell to their current one.

The watermark is the last event id read. PostgreSQL may commit a lower id after a higher one, so
ids below the watermark that were not there yet are kept as *gaps* and looked for again at the
next refresh (a rolled-back id is forgotten after ``GAP_TTL``).

Who refreshes: every reader (``refresh()`` costs one indexed query when nothing is new), the
worker every ``ZHILI_ROLLUP_INTERVAL_MINUTES``, and ``zhili refresh-rollups [--rebuild]``.
Concurrent refreshes wait for each other (a row lock on ``RollupState``).
"""

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Q, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from zhili.requests.choices import Action, Resolution, State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.taxonomy.models import Category
from zhili.workcalendar.service import LOCAL_TZ

from .formulas import Counts
from .models import DailyActivity, RequestCell, RequestCellMember, RollupState
from .periods import local_day, month_start

logger = logging.getLogger("zhili.assessment")

STATE = "events"
GAP_TTL = dt.timedelta(minutes=30)
MAX_GAPS = 10_000
# More new events than this and a refresh rebuilds everything instead (a bulk load).
REBUILD_ABOVE = 2_000_000
CHUNK = 2_000

# The actions DailyActivity counts; for these two the unit is the one the order went *to*.
COUNTED = [Action.INTAKE, Action.DISPATCH, Action.REASSIGN, Action.ACCEPT, Action.REPLY, Action.RETURN,
           Action.REOPEN, Action.FOLLOW_UP, Action.CLOSE, Action.RED_CARD]
TO_UNIT = [Action.DISPATCH, Action.REASSIGN]
# Steps that may change an order's category or place (before dispatch, or the worker's
# refinement before the unit accepts).
PLACE_OR_CATEGORY = [Action.CLASSIFY, Action.DISPATCH, Action.REFINE]


# Counts column → condition on an event. Follow-up columns count valid follow-ups only (the
# latest of their order in their month), in a query of their own.
CONDITIONS: dict[str, Q] = {
    "received": Q(action=Action.INTAKE),
    "dispatched": Q(action__in=TO_UNIT),
    "accepted": Q(action=Action.ACCEPT),
    "accepted_on_time": Q(action=Action.ACCEPT, data__on_time=True),
    "replied": Q(action=Action.REPLY),
    "replied_on_time": Q(action=Action.REPLY, data__on_time=True),
    "returned": Q(action=Action.RETURN),
    "reopened": Q(action=Action.REOPEN),
    "closed": Q(action=Action.CLOSE),
    "red_carded": Q(action=Action.RED_CARD),
}
FOLLOW_UP_CONDITIONS: dict[str, Q] = {
    "followed_up": Q(),
    "contacted": Q(data__contacted=True),
    "solved": Q(data__solved=True),
    "result_satisfied": Q(data__result_satisfaction="satisfied"),
    "result_basic": Q(data__result_satisfaction="basically_satisfied"),
    "result_dissatisfied": Q(data__result_satisfaction="dissatisfied"),
    "service_satisfied": Q(data__service_satisfaction="satisfied"),
    "service_basic": Q(data__service_satisfaction="basically_satisfied"),
    "service_dissatisfied": Q(data__service_satisfaction="dissatisfied"),
}
assert set(CONDITIONS) | set(FOLLOW_UP_CONDITIONS) == set(Counts.names())


@dataclass
class RefreshResult:
    events: int = 0
    days: int = 0
    requests: int = 0
    seconds: float = 0.0
    rebuilt: bool = False


# --- categories ------------------------------------------------------------------------------------

def category_levels() -> dict[int, tuple[int | None, int | None]]:
    """category id → (its first-level id, its second-level id or None)."""
    rows = {pk: (level, parent) for pk, level, parent in Category.objects.values_list("id", "level", "parent_id")}
    levels: dict[int, tuple[int | None, int | None]] = {}
    for pk in rows:
        chain, node = [], pk
        while node is not None and node in rows:
            chain.append(node)
            node = rows[node][1]
        chain.reverse()  # [level 1, level 2, level 3]
        levels[pk] = (chain[0], chain[1] if len(chain) > 1 else None)
    return levels


# --- writing many rows --------------------------------------------------------------------------------

def insert_rows(model, fields: list[str], rows) -> None:
    """Insert plain tuples fast: COPY on PostgreSQL, executemany elsewhere (rollup rows only; no
    model logic runs for them)."""
    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            batch: list = []
            sql = (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the model
                   f"VALUES ({', '.join(['%s'] * len(columns))})")
            for row in rows:
                batch.append(row)
                if len(batch) >= 5_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


DAILY_FIELDS = ["day", "unit", "category1", "category2", "subdistrict", *Counts.names()]
MEMBER_FIELDS = ["request_id", "month", "state", "lead_unit_id", "category1_id", "subdistrict_id"]


def _daily_rows(rows: dict[tuple, Counts]):
    names = Counts.names()
    for key, counts in rows.items():
        yield (*key, *(getattr(counts, n) for n in names))


# --- DailyActivity ------------------------------------------------------------------------------------

def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(start, dt.time(), tzinfo=LOCAL_TZ),
            dt.datetime.combine(end, dt.time(), tzinfo=LOCAL_TZ))


def aggregate_days(start: dt.date, end: dt.date, levels=None) -> dict[tuple, Counts]:
    """The DailyActivity rows of local days start ≤ day < end, computed from the event log:
    {(day, unit id, category1 id, category2 id, subdistrict id): Counts}. Zero rows are left out."""
    levels = category_levels() if levels is None else levels
    low, high = _bounds(start, end)
    events = RequestEvent.objects.filter(at__gte=low, at__lt=high).annotate(
        day=TruncDate("at", tzinfo=LOCAL_TZ),
        unit=Case(When(action__in=TO_UNIT, then=F("to_unit_id")), default=F("from_unit_id")),
        category=F("request__category_id"), place=F("request__subdistrict_id"))
    later_follow_up = (RequestEvent.objects
                       .filter(request_id=OuterRef("request_id"), action=Action.FOLLOW_UP, seq__gt=OuterRef("seq"))
                       .annotate(month=TruncMonth("at", tzinfo=LOCAL_TZ))
                       .filter(month=OuterRef("event_month")))
    queries = [
        (events.filter(action__in=[a for a in COUNTED if a != Action.FOLLOW_UP]), CONDITIONS),
        (events.filter(action=Action.FOLLOW_UP).annotate(event_month=TruncMonth("at", tzinfo=LOCAL_TZ))
         .filter(~Exists(later_follow_up)), FOLLOW_UP_CONDITIONS),
    ]
    result: dict[tuple, Counts] = defaultdict(Counts)
    for queryset, conditions in queries:
        rows = (queryset.values("day", "unit", "category", "place")
                .annotate(**{name: Count("id", filter=condition) for name, condition in conditions.items()})
                .order_by())
        for row in rows.iterator(chunk_size=10_000):
            day = row["day"]
            if isinstance(day, str):  # SQLite may hand back text
                day = dt.date.fromisoformat(day[:10])
            c1, c2 = levels.get(row["category"], (None, None)) if row["category"] else (None, None)
            counts = result[(day, row["unit"], c1, c2, row["place"])]
            for name in conditions:
                setattr(counts, name, getattr(counts, name) + row[name])
    return {k: v for k, v in result.items() if any(v.as_dict().values())}


def _write_days(start: dt.date, end: dt.date, levels) -> None:
    rows = aggregate_days(start, end, levels)
    DailyActivity.objects.filter(day__gte=start, day__lt=end).delete()
    insert_rows(DailyActivity, DAILY_FIELDS, _daily_rows(rows))


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days → [start, end) runs of consecutive days, never crossing a month boundary (the
    follow-up rule is per month, and a month is the unit of work of a rebuild)."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] and day.day != 1:
            runs[-1][1] = day + dt.timedelta(days=1)
        else:
            runs.append([day, day + dt.timedelta(days=1)])
    return [(a, b) for a, b in runs]


def _dirty_days(new_events: list[tuple]) -> set[dt.date]:
    """The days whose DailyActivity rows the new events change: their own days; every day of an
    order whose category or place was (re)set; every follow-up day of an order followed up
    again (an earlier follow-up in the same month stops being valid)."""
    days = {local_day(at) for _, _, action, at in new_events if action in COUNTED}
    whole = {request_id for _, request_id, action, _ in new_events if action in PLACE_OR_CATEGORY}
    followed = {request_id for _, request_id, action, _ in new_events if action == Action.FOLLOW_UP}
    for ids, actions in ((whole, COUNTED), (followed - whole, [Action.FOLLOW_UP])):
        ids = sorted(ids)
        for i in range(0, len(ids), CHUNK):
            for at in RequestEvent.objects.filter(request_id__in=ids[i:i + CHUNK], action__in=actions) \
                    .values_list("at", flat=True):
                days.add(local_day(at))
    return days


# --- RequestCell --------------------------------------------------------------------------------------

ARCHIVED = Resolution.ARCHIVED.value


def counted_state(state: str, resolution: str) -> str:
    """The state an order is counted under in the totals: its state, but ``archived`` for a
    closed order that a history import archived (历史归档: never handled in Zhili, so not 已办结)."""
    return ARCHIVED if state == State.CLOSED and resolution == Resolution.ARCHIVED else state


def _cell_keys(request_ids: list[int], levels) -> dict[int, tuple]:
    keys = {}
    for i in range(0, len(request_ids), CHUNK):
        for pk, state, resolution, unit, category, place, received in ServiceRequest.objects.filter(
                pk__in=request_ids[i:i + CHUNK]).values_list(
                "id", "state", "resolution", "lead_unit_id", "category_id", "subdistrict_id", "received_at"):
            keys[pk] = (month_start(local_day(received)), counted_state(state, resolution), unit,
                        levels.get(category, (None, None))[0] if category else None, place)
    return keys


def _move_cells(request_ids: list[int], levels) -> None:
    """Count each order in its current cell (and no longer in its old one)."""
    old: dict[int, tuple] = {}
    for i in range(0, len(request_ids), CHUNK):
        for member in RequestCellMember.objects.filter(request_id__in=request_ids[i:i + CHUNK]):
            old[member.request_id] = member.key()
    new = _cell_keys(request_ids, levels)
    delta: Counter = Counter()
    for pk, key in new.items():
        if old.get(pk) != key:
            delta[key] += 1
            if pk in old:
                delta[old[pk]] -= 1
    delta = Counter({k: v for k, v in delta.items() if v})
    if delta:
        cells = {}
        for cell in RequestCell.objects.filter(month__in={k[0] for k in delta}):
            cells[(cell.month, cell.state, cell.lead_unit_id, cell.category1_id, cell.subdistrict_id)] = cell
        changed, created = [], []
        for key, d in delta.items():
            if key in cells:
                cells[key].requests += d
                changed.append(cells[key])
            else:
                month, state, unit, category1, place = key
                created.append(RequestCell(month=month, state=state, lead_unit_id=unit, category1_id=category1,
                                           subdistrict_id=place, requests=d))
        RequestCell.objects.bulk_update(changed, ["requests"], batch_size=CHUNK)
        RequestCell.objects.bulk_create(created, batch_size=CHUNK)
        RequestCell.objects.filter(pk__in=[c.pk for c in changed if c.requests == 0]).delete()
    members = [RequestCellMember(request_id=pk, month=k[0], state=k[1], lead_unit_id=k[2], category1_id=k[3],
                                 subdistrict_id=k[4]) for pk, k in new.items() if old.get(pk) != k]
    RequestCellMember.objects.bulk_create(
        members, batch_size=CHUNK, update_conflicts=True, unique_fields=["request_id"],
        update_fields=["month", "state", "lead_unit_id", "category1_id", "subdistrict_id"])


def _rebuild_cells(levels) -> None:
    RequestCellMember.objects.all().delete()
    RequestCell.objects.all().delete()
    counts: Counter = Counter()
    months: dict = {}
    last = 0
    while True:  # by id ranges: a batch is read whole before it is written (one connection)
        batch = list(ServiceRequest.objects.filter(pk__gt=last).order_by("pk").values_list(
            "id", "state", "resolution", "lead_unit_id", "category_id", "subdistrict_id", "received_at")[:100_000])
        if not batch:
            break
        members = []
        for pk, state, resolution, unit, category, place, received in batch:
            day = received.astimezone(LOCAL_TZ).date()
            month = months.get(day)
            if month is None:
                month = months[day] = day.replace(day=1)
            key = (month, counted_state(state, resolution), unit, levels.get(category, (None, None))[0] if category else None, place)
            counts[key] += 1
            members.append((pk, *key))
        insert_rows(RequestCellMember, MEMBER_FIELDS, members)
        last = batch[-1][0]
    insert_rows(RequestCell, ["month", "state", "lead_unit", "category1", "subdistrict", "requests"],
                [(*key, n) for key, n in counts.items()])


# --- refresh ---------------------------------------------------------------------------------------------

def _tune_for_bulk() -> None:
    """PostgreSQL: room for the hash joins of a rebuild (this transaction only)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")


def _tune_for_small() -> None:
    """PostgreSQL: no JIT compilation for the small queries of an incremental refresh (it costs
    more than the queries themselves)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _locked_state() -> RollupState:
    RollupState.objects.get_or_create(name=STATE)
    return RollupState.objects.select_for_update().get(name=STATE)


def refresh() -> RefreshResult:
    """Bring both rollups up to date with the event log. Returns what was done.

    Cost: one indexed query when nothing is new; otherwise proportional to the new events and
    the days they touch. Above ``REBUILD_ABOVE`` new events it rebuilds instead.
    """
    started = time.monotonic()
    with transaction.atomic():
        state = _locked_state()
        top = RequestEvent.objects.aggregate(top=Max("id"))["top"] or 0
        if top <= state.last_event_id and not state.gaps:
            return RefreshResult(seconds=time.monotonic() - started)
        if top - state.last_event_id > REBUILD_ABOVE:
            return _rebuild(state, top, started)
        _tune_for_small()
        gap_ids = [int(k) for k in state.gaps]
        new_events = list(RequestEvent.objects.filter(
            Q(id__gt=state.last_event_id, id__lte=top) | Q(id__in=gap_ids)
        ).values_list("id", "request_id", "action", "at"))
        levels = category_levels()
        days = _dirty_days(new_events)
        for start, end in _runs(days):
            _write_days(start, end, levels)
        request_ids = sorted({request_id for _, request_id, _, _ in new_events})
        _move_cells(request_ids, levels)
        state.gaps = _gaps(state, top, {event_id for event_id, *_ in new_events})
        state.last_event_id = max(top, state.last_event_id)
        state.refreshed_at = timezone.now()
        state.save()
    return RefreshResult(len(new_events), len(days), len(request_ids), time.monotonic() - started)


def _gaps(state: RollupState, top: int, seen: set[int]) -> dict[str, str]:
    now = timezone.now()
    gaps = {}
    for key, first in state.gaps.items():
        if int(key) not in seen and now - dt.datetime.fromisoformat(first) < GAP_TTL:
            gaps[key] = first
    if top - state.last_event_id > len(seen):
        for event_id in range(state.last_event_id + 1, top + 1):
            if event_id not in seen and len(gaps) < MAX_GAPS:
                gaps[str(event_id)] = now.isoformat()
    return gaps


def rebuild() -> RefreshResult:
    """Recompute both rollups from the whole event log (after a bulk load, or to repair)."""
    started = time.monotonic()
    with transaction.atomic():
        state = _locked_state()
        top = RequestEvent.objects.aggregate(top=Max("id"))["top"] or 0
        return _rebuild(state, top, started)


def _rebuild(state: RollupState, top: int, started: float) -> RefreshResult:
    levels = category_levels()
    DailyActivity.objects.all().delete()
    span = RequestEvent.objects.filter(id__lte=top).aggregate(first=Min("at"), last=Max("at"))
    days = 0
    if span["first"] is not None:
        first, last = local_day(span["first"]), local_day(span["last"]) + dt.timedelta(days=1)
        _tune_for_bulk()
        insert_rows(DailyActivity, DAILY_FIELDS, _daily_rows(aggregate_days(first, last, levels)))
        days = (last - first).days
    _rebuild_cells(levels)
    state.last_event_id, state.gaps, state.refreshed_at = top, {}, timezone.now()
    state.save()
    requests = RequestCellMember.objects.count()
    return RefreshResult(top, days, requests, time.monotonic() - started, rebuilt=True)
