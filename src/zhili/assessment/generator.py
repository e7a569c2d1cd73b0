"""Synthetic requests for benchmarks and scale tests — NOT a path of the product.

``zhili generate-requests --count N --seed S`` writes N work orders and their full event logs in
bulk (PostgreSQL: COPY; SQLite: bulk_create in big batches), bypassing ``zhili.workflow`` for
speed. It writes the *same rows the workflow would*: every event has the seq, action, from/to
state, from/to unit, actor and data keys that ``zhili.workflow.actions`` writes for that step, and
each order's columns equal what its last event left (tests/test_assessment_generator.py replays
the rows against ``zhili.workflow.rules.TRANSITIONS`` and compares them with a real workflow
run). Orders get ``source="synthetic"`` so they can be told apart. Never run it on a production
database: it exists to fill a benchmark database (benchmarks/assessment_scale.py).

Distributions come from the data we ship (``data/tipdm2020c``): first-level categories from the
labels of the 7,368 training messages, titles and texts from the 494 labelled sample messages of
the same category, hour of day, weekday and month of year from the 10,437 messages' times;
places from the district's subdistricts and communities (weighted by communities); lead units
from the dispatch catalogue; outcomes (returns, reopens, follow-up answers) from per-unit
"quality" drawn once per seed.
"""

import bisect
import csv
import datetime as dt
import io
import json
import multiprocessing
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max

from zhili.datafiles import data_path, read_text
from zhili.organisation.models import Unit, UnitKind
from zhili.organisation.roles import Role
from zhili.requests.choices import (
    Action,
    Channel,
    DeclineReason,
    RequestType,
    Resolution,
    Satisfaction,
    State,
)
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.routing.dispatch import find_lead_unit
from zhili.taxonomy.models import Category
from zhili.workcalendar.service import LOCAL_TZ
from zhili.workflow.actions import compute_due_at

SOURCE = "synthetic"
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
# Shares of outcomes (of all orders) and of channels/types: plausible hotline figures.
DECLINE_SHARE = 0.02
RETURN_SHARE = 0.03
CHANNELS = [(Channel.PHONE, 60), (Channel.WEB, 18), (Channel.APP, 10), (Channel.WECHAT, 12)]
TYPES = [(RequestType.COMPLAINT, 50), (RequestType.HELP, 20), (RequestType.CONSULTATION, 20),
         (RequestType.SUGGESTION, 8), (RequestType.REPORT, 2)]
REPLIES = ["经调查核实，已安排工作人员现场处理，问题已解决，感谢您的监督。如有疑问请致电本单位。",
           "您好！您反映的问题已收悉，经现场核查，已责令相关责任方限期整改，目前已整改到位。",
           "经核实，该问题已协调有关部门处理完毕，我单位将持续跟踪，联系电话已告知诉求人。"]

REQUEST_COLUMNS = [
    "id", "number", "channel", "request_type", "title", "description", "address", "lat", "long", "subdistrict_id",
    "community_id", "category_id", "lead_unit_id", "state", "version", "received_at", "dispatched_at", "due_at",
    "accepted_at", "replied_at", "closed_at", "first_contacted_at", "promised_at", "extension_days_total",
    "pending_extension_days", "pending_extension_reason", "supervision_level", "red_cards", "red_carded_at",
    "yellow_carded_at", "return_count", "reopen_count", "decline_reason", "resolution", "knowledge_article_id",
    "followup_contacted", "followup_solved", "service_satisfaction", "result_satisfaction", "merged_into_id",
    "split_from_id", "requester_name", "requester_phone", "confidential", "source", "external_id", "votes_up",
    "votes_down", "created_at", "updated_at",
]
EVENT_COLUMNS = ["id", "request_id", "seq", "action", "actor_id", "actor_unit_id", "from_state", "to_state",
                 "from_unit_id", "to_unit_id", "note", "confidence", "data", "at"]


# --- distributions from the shipped data -----------------------------------------------------------

@dataclass
class Distributions:
    categories: list  # [(leaf Category, first-level name)]
    category_cum: list[float]
    texts: dict[str, list[tuple[str, str]]]  # first-level name → [(title, text)]
    hour_weights: list[float]
    weekday_weights: list[float]
    month_weights: list[float]
    places: list[tuple[int, int | None, str]]  # (subdistrict id, community id, community name)
    place_cum: list[float]
    actors: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)  # role → (user, unit)


def _rows(name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(read_text(data_path(f"tipdm2020c/{name}")))))


def load_distributions() -> Distributions:
    """Read the shipped files and the reference data. Raises when the taxonomy or district is
    not loaded (``zhili load-taxonomy``, ``zhili load-district lixia``)."""
    labels = Counter(r["一级分类"] for r in _rows("fj2_train_segmented.csv"))
    texts = defaultdict(list)
    for r in _rows("fj2_sample_labeled.csv"):
        texts[r["一级分类"]].append((r["留言主题"], r["留言详情"]))
    stamps = [r["留言时间"] for name in ("fj2_sample_labeled.csv", "fj2_test_unlabeled.csv",
                                        "fj3_messages_votes.csv", "fj4_messages_replies.csv") for r in _rows(name)]
    moments = [dt.datetime.fromisoformat(s) for s in stamps if s]
    hours, weekdays, months = Counter(m.hour for m in moments), Counter(m.weekday() for m in moments), \
        Counter(m.month for m in moments)
    first_level = {c.name: c for c in Category.objects.filter(level=1)}
    leaves = defaultdict(list)
    for leaf in Category.objects.filter(level=3, is_active=True).select_related("parent__parent"):
        leaves[leaf.parent.parent.name].append(leaf)
    categories, weights = [], []
    for name, n in labels.items():
        if name not in first_level or not texts.get(name):
            continue
        options = leaves.get(name) or [first_level[name]]
        for leaf in options:
            categories.append((leaf, name))
            weights.append(n / len(options))
    if not categories:
        raise RuntimeError("分类体系未载入：请先运行 zhili load-taxonomy")
    places, place_weights = [], []
    for sub in Unit.objects.filter(kind=UnitKind.SUBDISTRICT, is_active=True):
        communities = list(Unit.objects.filter(parent=sub, kind=UnitKind.COMMUNITY).values_list("id", "name"))
        for community_id, name in communities or [(None, sub.name)]:
            places.append((sub.pk, community_id, name))
            place_weights.append(1.0)
    if not places:
        raise RuntimeError("辖区未载入：请先运行 zhili load-district lixia")
    actors = {}
    from django.contrib.auth import get_user_model

    for role in (Role.OPERATOR, Role.DISPATCHER, Role.UNIT_LEADER):
        user = get_user_model().objects.filter(groups__name=role, is_active=True).order_by("id").first()
        unit = user.memberships.values_list("unit_id", flat=True).first() if user else None
        actors[role] = (user.pk if user else None, unit)
    return Distributions(categories, _cumulative(weights), dict(texts), [hours[h] + 1 for h in range(24)],
                         [weekdays[d] + 1 for d in range(7)], [months[m] + 1 for m in range(1, 13)],
                         places, _cumulative(place_weights), actors)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


# --- one order's life, as the workflow would write it ----------------------------------------------

@dataclass
class _Order:
    """The columns of one ServiceRequest being built, and its events."""

    row: dict
    events: list = field(default_factory=list)

    def step(self, action: str, at: dt.datetime, to_state: str | None = None, *, actor=(None, None), to_unit=None,
             note: str = "", confidence=None, data: dict | None = None, **changes) -> None:
        """Append the event ``engine.apply`` writes and apply the step's column changes."""
        from_state, from_unit = self.row["state"], self.row["lead_unit_id"]
        self.row.update(changes)
        if to_state is not None:
            self.row["state"] = to_state
        self.row["version"] += 1
        self.events.append([self.row["version"], action, actor[0], actor[1], from_state, self.row["state"],
                            from_unit, to_unit, note, confidence, data or {}, at])


class Generator:
    """Builds orders for a seed. ``now`` bounds the lives: steps after it do not happen yet."""

    def __init__(self, seed: int, start: dt.date, end: dt.date, now: dt.datetime | None = None,
                 dist: Distributions | None = None):
        self.random = random.Random(seed)
        self.seed = seed
        self.start, self.end = start, end
        self.now = now or dt.datetime.now(LOCAL_TZ)
        self.dist = dist or load_distributions()
        self._lead: dict = {}
        self._due: dict = {}
        self._quality: dict[int, float] = {}
        self.days, self.day_cum = self._days()

    def _days(self):
        days, weights = [], []
        day = self.start
        while day < self.end:
            days.append(day)
            weights.append(self.dist.month_weights[day.month - 1] * self.dist.weekday_weights[day.weekday()])
            day += DAY
        return days, _cumulative(weights)

    def quality(self, unit_id: int) -> float:
        """A unit's quality 0–1, fixed per seed (good units answer sooner and satisfy more)."""
        if unit_id not in self._quality:
            self._quality[unit_id] = random.Random(f"{self.seed}-{unit_id}").betavariate(5, 2)
        return self._quality[unit_id]

    def lead(self, category, subdistrict_id):
        key = (category.pk, subdistrict_id)
        if key not in self._lead:
            sub = Unit.objects.filter(pk=subdistrict_id).first()
            match = find_lead_unit(category, sub)
            self._lead[key] = (match.lead_unit.pk, match.lead_unit.name, match.rule.pk, str(match.rule)) \
                if match else None
        return self._lead[key]

    def due(self, category, moment: dt.datetime) -> tuple[dt.datetime, dict]:
        days, hours = category.effective_time_limit(settings.ZHILI_DEFAULT_TIME_LIMIT_DAYS)
        if hours:
            return compute_due_at(category, moment)
        key = (moment.astimezone(LOCAL_TZ).date(), days)
        if key not in self._due:
            self._due[key] = compute_due_at(category, moment)
        due, facts = self._due[key]
        return due, dict(facts)

    def received_times(self, count: int) -> list[dt.datetime]:
        r, d = self.random, self.dist
        hours = r.choices(range(24), weights=d.hour_weights, k=count)
        days = [self.days[bisect.bisect_left(self.day_cum, r.random() * self.day_cum[-1])] for _ in range(count)]
        moments = [dt.datetime.combine(day, dt.time(hour, r.randrange(60), r.randrange(60)), tzinfo=LOCAL_TZ)
                   for day, hour in zip(days, hours, strict=True)]
        return sorted(moments)

    def order(self, pk: int, index: int, received: dt.datetime) -> _Order:
        """One order with id ``pk`` received at ``received`` and its life up to ``now``."""
        r, d = self.random, self.dist
        category, name = d.categories[bisect.bisect_left(d.category_cum, r.random() * d.category_cum[-1])]
        title, text = r.choice(d.texts[name])
        sub, community, place = d.places[bisect.bisect_left(d.place_cum, r.random() * d.place_cum[-1])]
        channel = r.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        number = f"{settings.ZHILI_REQUEST_NUMBER_PREFIX}{received:%Y%m%d}-{pk:06d}"
        row = dict.fromkeys(REQUEST_COLUMNS)
        row.update(
            id=pk, number=number, channel=channel,
            request_type=r.choices([t for t, _ in TYPES], [w for _, w in TYPES])[0], title=title[:200],
            description=text, address=place, subdistrict_id=sub, community_id=community, state="",
            version=0, received_at=received, extension_days_total=0, pending_extension_reason="",
            supervision_level=0, red_cards=0, return_count=0, reopen_count=0, decline_reason="", resolution="",
            service_satisfaction="", result_satisfaction="", requester_name=f"G{r.randrange(10 ** 7):07d}",
            requester_phone="", confidential=False, source=SOURCE, external_id=f"S{self.seed}-{index:010d}",
            votes_up=0, votes_down=0, created_at=received, updated_at=received)
        order = _Order(row)
        order.step(Action.INTAKE, received, State.RECEIVED, data={"channel": channel, "source": SOURCE})
        self._life(order, category, received)
        order.row["updated_at"] = order.events[-1][-1]
        return order

    def _life(self, o: _Order, category, t: dt.datetime) -> None:  # noqa: C901 - one branch per step
        r, now, actors = self.random, self.now, self.dist.actors
        operator, dispatcher, leader = actors[Role.OPERATOR], actors[Role.DISPATCHER], actors[Role.UNIT_LEADER]
        if r.random() < DECLINE_SHARE:
            t += r.uniform(1, 30) * 60 * dt.timedelta(seconds=1)
            if t <= now:
                reason = r.choice(DeclineReason.values)
                o.step(Action.DECLINE, t, State.DECLINED, actor=operator, decline_reason=reason, closed_at=t,
                       data={"reason": reason, "reason_label": DeclineReason(reason).label})
            return
        confidence = round(r.uniform(0.6, 0.99), 4)
        t += dt.timedelta(seconds=r.randrange(1, 30))
        if t > now:
            return
        o.step(Action.CLASSIFY, t, confidence=confidence, note="模型分类", category_id=category.pk,
               data={"category_code": category.code, "category": category.full_name, "model_version": SOURCE})
        lead = self.lead(category, o.row["subdistrict_id"])
        if lead is None:
            o.step(Action.QUEUE_FOR_DISPATCH, t, State.PENDING_DISPATCH, confidence=confidence,
                   note=f"派单目录中没有“{category.name}”的承办单位")
            return
        unit, unit_name, rule_id, rule = lead
        due, facts = self.due(category, t)
        o.step(Action.DISPATCH, t, State.DISPATCHED, to_unit=unit, confidence=confidence,
               note=f"按派单目录自动派单：{rule}", lead_unit_id=unit, dispatched_at=t, due_at=due, accepted_at=None,
               yellow_carded_at=None, red_cards=0, red_carded_at=None,
               data={**facts, "due_at": due.isoformat(), "lead_unit": unit_name, "dispatch_rule_id": rule_id})
        q = self.quality(unit)
        t += dt.timedelta(hours=r.uniform(0.2, 30 * (1.2 - q)))
        if t > now:
            return
        o.step(Action.ACCEPT, t, State.IN_PROGRESS, accepted_at=t,
               data={"on_time": o.row["due_at"] is None or t <= o.row["due_at"]})
        if r.random() < RETURN_SHARE:
            t += dt.timedelta(hours=r.uniform(1, 20))
            if t > now:
                return
            o.step(Action.RETURN, t, State.RETURNED, actor=leader, note="非本单位职责，请改派",
                   return_count=o.row["return_count"] + 1, data={"working_days_after_dispatch": 1})
            t += dt.timedelta(hours=r.uniform(1, 8))
            if t > now:
                return
            other = self._other_unit(unit)
            due, facts = self.due(category, t)
            o.step(Action.REASSIGN, t, State.DISPATCHED, actor=dispatcher, to_unit=other[0], lead_unit_id=other[0],
                   dispatched_at=t, due_at=due, accepted_at=None, yellow_carded_at=None, red_cards=0,
                   red_carded_at=None, data={**facts, "due_at": due.isoformat(), "lead_unit": other[1]})
            unit, q = other[0], self.quality(other[0])
            t += dt.timedelta(hours=r.uniform(0.2, 24))
            if t > now:
                return
            o.step(Action.ACCEPT, t, State.IN_PROGRESS, accepted_at=t, data={"on_time": t <= o.row["due_at"]})
        for attempt in range(3):
            t += dt.timedelta(hours=r.uniform(0.5, 40 * (1.2 - q)))
            if t > now:
                return
            first = o.row["first_contacted_at"] is None
            o.step(Action.CONTACT, t, data={"first_contact": first}, **({"first_contacted_at": t} if first else {}))
            t += dt.timedelta(days=r.lognormvariate(0.6 + 1.2 * (1 - q), 0.7))
            if t > now:
                return
            o.step(Action.REPLY, t, State.REPLIED, note=r.choice(REPLIES), replied_at=t,
                   data={"on_time": o.row["due_at"] is None or t <= o.row["due_at"]})
            t += dt.timedelta(hours=r.uniform(1, 24))
            if t > now:
                return
            o.step(Action.APPROVE_REVIEW, t, State.AWAITING_FOLLOW_UP, actor=dispatcher)
            t += dt.timedelta(hours=r.uniform(2, 72))
            if t > now:
                return
            facts = self._answers(q)
            o.step(Action.FOLLOW_UP, t, actor=operator, followup_contacted=facts["contacted"],
                   followup_solved=facts["solved"], service_satisfaction=facts["service_satisfaction"],
                   result_satisfaction=facts["result_satisfaction"], data=facts)
            unhappy = facts["result_satisfaction"] == Satisfaction.DISSATISFIED
            if attempt < 2 and r.random() < (0.5 if unhappy else 0.02):
                t += dt.timedelta(hours=r.uniform(1, 48))
                if t > now:
                    return
                due, facts = self.due(category, t)
                o.step(Action.REOPEN, t, State.IN_PROGRESS, actor=dispatcher, to_unit=unit, note="诉求人不满意，重办",
                       due_at=due, reopen_count=o.row["reopen_count"] + 1, replied_at=None, closed_at=None,
                       resolution="", yellow_carded_at=None, red_cards=0, red_carded_at=None,
                       followup_contacted=None, followup_solved=None, service_satisfaction="",
                       result_satisfaction="", data={**facts, "due_at": due.isoformat()})
                continue
            t += dt.timedelta(hours=r.uniform(1, 24))
            if t > now:
                return
            o.step(Action.CLOSE, t, State.CLOSED, actor=operator, closed_at=t, resolution=Resolution.REPLIED)
            return

    def _answers(self, q: float) -> dict:
        r = self.random
        contacted = r.random() < 0.9 + 0.1 * q
        solved = r.random() < 0.45 + 0.5 * q
        good = 0.55 + 0.4 * q if solved else 0.25 * q

        def satisfaction(bonus: float) -> str:
            x = r.random()
            if x < min(good + bonus, 0.99):
                return Satisfaction.SATISFIED
            if x < min(good + bonus + 0.15, 0.995):
                return Satisfaction.BASICALLY_SATISFIED
            return Satisfaction.DISSATISFIED

        return {"contacted": contacted, "solved": solved, "service_satisfaction": satisfaction(0.1),
                "result_satisfaction": satisfaction(0.0)}

    def _other_unit(self, unit_id: int) -> tuple[int, str]:
        if not hasattr(self, "_departments"):
            self._departments = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True)
                                     .values_list("id", "name"))
        choices = [u for u in self._departments if u[0] != unit_id] or self._departments
        return self.random.choice(choices)


# --- writing ---------------------------------------------------------------------------------------------

def _reserve_ids(model, count: int) -> int:
    """The first of ``count`` consecutive free ids of ``model`` (PostgreSQL: taken from its
    sequence under an advisory lock, so parallel workers never overlap)."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [table])
            try:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s)", [sequence])
                first = cursor.fetchone()[0]
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
            finally:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [table])
        return first
    return (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _field(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return _escape(value)
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return _escape(json.dumps(value, ensure_ascii=False))
    return str(value)


_JSON: dict = {}


def _json(data: dict) -> str:
    """The escaped JSON text of an event's data; the few shapes a load repeats are cached."""
    key = tuple(data.items())
    text = _JSON.get(key)
    if text is None:
        if len(_JSON) > 500_000:
            _JSON.clear()
        text = _JSON[key] = _escape(json.dumps(data, ensure_ascii=False))
    return text


def _event_line(pk, request_id, seq, action, actor, actor_unit, from_state, to_state, from_unit, to_unit, note,
                confidence, data, at) -> str:
    """An event row in COPY's text format (the hot loop of a load: states and actions need no
    escaping, numbers none)."""
    return (f"{pk}\t{request_id}\t{seq}\t{action}\t{NULL if actor is None else actor}\t"
            f"{NULL if actor_unit is None else actor_unit}\t{from_state}\t{to_state}\t"
            f"{NULL if from_unit is None else from_unit}\t{NULL if to_unit is None else to_unit}\t"
            f"{_escape(note) if note else ''}\t{NULL if confidence is None else confidence}\t"
            f"{_json(data) if data else '{}'}\t{at.isoformat()}\n")


def _copy(table: str, columns: list[str], lines: list[str]) -> None:
    """COPY lines already in text format (much faster than adapting value by value)."""
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # noqa: S608 - fixed names
        for start in range(0, len(lines), 10_000):
            copy.write("".join(lines[start:start + 10_000]))


def _write(orders: list[_Order], first_event_id: int) -> int:
    request_rows = [[o.row[c] for c in REQUEST_COLUMNS] for o in orders]
    event_rows, pk = [], first_event_id
    for o in orders:
        for seq, action, actor, actor_unit, from_state, to_state, from_unit, to_unit, note, conf, data, at in o.events:
            event_rows.append([pk, o.row["id"], seq, action, actor, actor_unit, from_state, to_state, from_unit,
                               to_unit, note, conf, data, at])
            pk += 1
    if connection.vendor == "postgresql":
        _copy(ServiceRequest._meta.db_table, REQUEST_COLUMNS,
              ["\t".join(map(_field, row)) + "\n" for row in request_rows])
        _copy(RequestEvent._meta.db_table, EVENT_COLUMNS, [_event_line(*row) for row in event_rows])
    else:
        ServiceRequest.objects.bulk_create(
            [ServiceRequest(**dict(zip(REQUEST_COLUMNS, row, strict=True))) for row in request_rows], batch_size=2000)
        RequestEvent.objects.bulk_create(
            [RequestEvent(**dict(zip(EVENT_COLUMNS, row, strict=True))) for row in event_rows], batch_size=2000)
    return len(event_rows)


@dataclass
class GenerateResult:
    requests: int
    events: int
    seconds: float


def _bulk_load_session() -> None:
    """PostgreSQL, benchmark loads only: no per-row foreign-key triggers (the rows are consistent
    by construction; needs a superuser) and no wait for the WAL flush at each commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")


_worker: dict = {}


def _init_worker(seed, start, end, now, bulk_load) -> None:
    _worker["generator"] = Generator(seed, start, end, now)
    if bulk_load:
        _bulk_load_session()


def _write_batch(generator: Generator, offset: int, chunk: list[dt.datetime]) -> int:
    """Build and write one batch (one transaction). Its lives draw from a random stream of their
    own (seed, offset), so the result does not depend on which worker wrote it."""
    generator.random = random.Random(f"{generator.seed}:{offset}")
    with transaction.atomic():
        first = _reserve_ids(ServiceRequest, len(chunk))
        orders = [generator.order(first + i, offset + i, moment) for i, moment in enumerate(chunk)]
        return _write(orders, _reserve_ids(RequestEvent, sum(len(o.events) for o in orders)))


def _worker_batch(task) -> tuple[int, int]:
    offset, chunk = task
    return len(chunk), _write_batch(_worker["generator"], offset, chunk)


def generate(count: int, *, seed: int = 1, start: dt.date | None = None, end: dt.date | None = None,
             now: dt.datetime | None = None, batch: int = 20_000, workers: int = 1, bulk_load: bool = False,
             progress=None) -> GenerateResult:
    """Write ``count`` synthetic orders received between ``start`` and ``end`` (local dates,
    default: the three years before today) with their events up to ``now``. Deterministic for a
    seed and the same reference data (ids aside). ``workers`` > 1 (PostgreSQL) builds and writes
    batches in that many processes; ``bulk_load`` see ``_bulk_load_session``. ``progress(done)``
    after each batch."""
    started = time.monotonic()
    end = end or dt.date.today()
    start = start or end.replace(year=end.year - 3)
    now = now or dt.datetime.now(LOCAL_TZ)
    generator = Generator(seed, start, end, now)
    moments = [m for m in generator.received_times(count) if m <= now]  # none received in the future
    count = len(moments)
    tasks = [(offset, moments[offset:offset + batch]) for offset in range(0, count, batch)]
    done = events = 0
    if workers > 1 and connection.vendor == "postgresql":
        connections.close_all()  # each process opens its own
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_init_worker, initargs=(seed, start, end, now, bulk_load)) as pool:
            for n, written in pool.imap_unordered(_worker_batch, tasks):
                done, events = done + n, events + written
                if progress:
                    progress(done)
    else:
        if bulk_load and connection.vendor == "postgresql":
            _bulk_load_session()
        for offset, chunk in tasks:
            events += _write_batch(generator, offset, chunk)
            done += len(chunk)
            if progress:
                progress(done)
    return GenerateResult(count, events, time.monotonic() - started)
