"""The demo district's working day: real messages taken as today's calls and worked by the cast.

``make demo`` imports ~10,400 historical TipDM messages. Those are real, but they are old
(2010–2020) and none was ever followed up, so on their own every inbox is overdue, 解放路街道
(the demo's subdistrict handler ``jiefanglu``) has nothing to do, and 三率 are blank. This module
adds one day of work, through the same workflow calls the pages make (every step an event):

1. **Today's calls** — ``CALLS`` labelled sample messages (fj2_sample_labeled) are taken by the
   operator as phone calls, at Lixia addresses, and routed by the classifier and the dispatch
   catalogue. ``PROPERTY_CALLS`` messages about property management (物业) at addresses in
   解放路街道 are sent by the operator to the dispatcher, who dispatches them to the subdistrict as
   城乡建设 › 住房保障与房地产 › 物业服务 (属地, by the catalogue). Some are then accepted, and a few
   replied to, by the unit handlers of the cast.
2. **Follow-ups** — the ``FOLLOW_UPS`` most recently replied historical orders (fj4: messages
   with their official reply) are approved by the dispatcher and followed up by the operator,
   then closed; half of the dissatisfied ones are reopened by the supervisor instead.

The addresses, the follow-up answers and the choice of which orders are worked are SYNTHETIC
(seeded, reproducible); each such event carries the note ``演示数据``. Never run this on a real
district's database: it is refused unless the demo cast exists. Running it twice does nothing the
second time (the calls are marked with ``source=DEMO_SOURCE``).
"""

import csv
import io
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext, pgettext

from zhili.datafiles import data_path, read_text
from zhili.organisation.models import Unit, UnitKind
from zhili.requests.choices import Channel, RequestType, Satisfaction, State
from zhili.requests.models import ServiceRequest
from zhili.routing.suggest import resolve_place
from zhili.taxonomy.models import Category

from . import actions

DEMO_SOURCE = "demo-calls"
DEMO_NOTE = "演示数据"
SAMPLE = "tipdm2020c/fj2_sample_labeled.csv.xz"
HISTORICAL_REPLIES_SOURCE = "tipdm-fj4-replies"
CALLS = 60
PROPERTY_CALLS = 12
FOLLOW_UPS = 600
PROPERTY_PATH = ("城乡建设", "住房保障与房地产", "物业服务")
JIEFANGLU = "370102001"
# Share of a unit's new orders each handler accepts, and of those it also answers, today.
ACCEPT_SHARE = 0.5
REPLY_SHARE = 0.3
# Per-unit chance of a satisfied answer is drawn from this range (seeded), so rankings differ.
QUALITY_RANGE = (0.70, 0.97)
REOPEN_SHARE = 0.5  # of the dissatisfied follow-ups


class DemoActivityError(Exception):
    """The demo activity cannot run here (message in Chinese)."""


@dataclass
class ActivityReport:
    """What was done, in numbers of orders."""

    calls: int = 0
    property_calls: int = 0
    accepted: int = 0
    replied: int = 0
    followed_up: int = 0
    reopened: int = 0
    satisfaction: dict[str, int] = field(default_factory=dict)
    skipped: bool = False

    def __str__(self) -> str:
        if self.skipped:
            return gettext("演示活动已生成过，跳过")
        counts = pgettext("list separator", "，").join(f"{Satisfaction(k).label} {v}"
                                                     for k, v in sorted(self.satisfaction.items()))
        return gettext("演示活动：今日来电 %(calls)s 件（其中物业属地 %(property_calls)s 件派至解放路街道），"
                       "签收 %(accepted)s，答复 %(replied)s；历史工单回访 %(followed_up)s 件（%(counts)s），"
                       "重办 %(reopened)s 件") % {
            "calls": self.calls, "property_calls": self.property_calls, "accepted": self.accepted,
            "replied": self.replied, "followed_up": self.followed_up, "counts": counts, "reopened": self.reopened}


def _cast() -> dict:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["operator", "dispatcher", "supervisor", "zhujian", "jiaoti", "jiefanglu"])}
    if len(users) < 6:
        raise DemoActivityError("没有演示账号：请先运行 zhili create-demo-users（本命令只用于演示库）")
    return users


def _messages() -> list[dict]:
    rows = csv.DictReader(io.StringIO(read_text(data_path(SAMPLE))))
    return [r for r in rows if r.get("留言主题") and r.get("留言详情")]


def _addresses(rng: random.Random, count: int, subdistrict: Unit | None = None) -> list[str]:
    """Street-style addresses in Lixia communities (synthetic: community name + a building)."""
    communities = Unit.objects.filter(kind=UnitKind.COMMUNITY).select_related("parent")
    if subdistrict is not None:
        communities = communities.filter(parent=subdistrict)
    names = sorted((c.parent.name, c.name.removesuffix("社区居民委员会").removesuffix("居民委员会")) for c in communities)
    if not names:
        raise DemoActivityError("没有历下区的社区：请先运行 zhili load-district lixia")
    picks = [rng.choice(names) for _ in range(count)]
    return [f"历下区{sub}{com}社区{rng.randint(1, 30)}号楼" for sub, com in picks]


def _property_category() -> Category:
    category = Category.at_path(PROPERTY_PATH)
    if category is None:
        raise DemoActivityError(f"分类表中没有“{' › '.join(PROPERTY_PATH)}”：请先运行 zhili load-taxonomy")
    return category


def _take_calls(cast: dict, rng: random.Random, report: ActivityReport) -> list[ServiceRequest]:
    messages = _messages()
    property_msgs = [m for m in messages if "物业" in m["留言详情"]]
    others = [m for m in messages if "物业" not in m["留言详情"]]
    rng.shuffle(property_msgs)
    rng.shuffle(others)
    jiefanglu = Unit.objects.get(code=JIEFANGLU)
    property_category = _property_category()
    taken = []
    plan = ([(m, True) for m in property_msgs[:PROPERTY_CALLS]]
            + [(m, False) for m in others[:CALLS - min(PROPERTY_CALLS, len(property_msgs))]])
    addresses_jfl = _addresses(rng, len(plan), jiefanglu)
    addresses_any = _addresses(rng, len(plan))
    for i, (message, is_property) in enumerate(plan):
        address = addresses_jfl[i] if is_property else addresses_any[i]
        subdistrict, community = resolve_place(address, "") if is_property else (None, None)
        with transaction.atomic():
            request = actions.intake(
                title=message["留言主题"], description=message["留言详情"], actor=cast["operator"],
                channel=Channel.PHONE, request_type=RequestType.COMPLAINT, address=address,
                subdistrict=subdistrict, community=community, source=DEMO_SOURCE,
                external_id=f"fj2-sample-{message['留言编号']}",
            )
            if is_property:
                actions.queue_for_dispatch(request, actor=cast["operator"],
                                           reason=f"属地物业矛盾，请派单员派至街道（{DEMO_NOTE}）")
                actions.dispatch(request, jiefanglu, actor=cast["dispatcher"], category=property_category,
                                 note=f"物业服务属地处置（{DEMO_NOTE}）")
                report.property_calls += 1
            else:
                actions.route(request)
        taken.append(request)
        report.calls += 1
    return taken


def _work_new_orders(cast: dict, orders: list[ServiceRequest], rng: random.Random, report: ActivityReport) -> None:
    handlers = {}
    for username in ("zhujian", "jiaoti", "jiefanglu"):
        unit_id = cast[username].memberships.values_list("unit_id", flat=True).first()
        handlers[unit_id] = cast[username]
    for request in orders:
        request.refresh_from_db()
        handler = handlers.get(request.lead_unit_id)
        if handler is None or request.state != State.DISPATCHED or rng.random() >= ACCEPT_SHARE:
            continue
        actions.accept(request, actor=handler)
        report.accepted += 1
        if rng.random() < REPLY_SHARE:
            actions.reply(request, f"已联系诉求人并现场核实，正在协调相关责任方处理。（{DEMO_NOTE}）", actor=handler)
            report.replied += 1


def _follow_up_history(cast: dict, rng: random.Random, report: ActivityReport) -> None:
    orders = list(ServiceRequest.objects.filter(source=HISTORICAL_REPLIES_SOURCE, state=State.REPLIED)
                  .order_by("-replied_at", "-pk")[:FOLLOW_UPS])
    quality = {}
    for request in orders:
        p = quality.setdefault(request.lead_unit_id, rng.uniform(*QUALITY_RANGE))
        draw = rng.random()
        if draw < p:
            service = result = Satisfaction.SATISFIED
        elif draw < p + (1 - p) / 2:
            service, result = Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED
        else:
            service, result = Satisfaction.BASICALLY_SATISFIED, Satisfaction.DISSATISFIED
        solved = result != Satisfaction.DISSATISFIED
        with transaction.atomic():
            actions.approve_review(request, actor=cast["dispatcher"], note=DEMO_NOTE)
            actions.follow_up(request, actor=cast["operator"], contacted=True, solved=solved,
                              service_satisfaction=service, result_satisfaction=result, note=DEMO_NOTE)
            if result == Satisfaction.DISSATISFIED and rng.random() < REOPEN_SHARE:
                actions.reopen(request, actor=cast["supervisor"], note=f"回访不满意，重新办理（{DEMO_NOTE}）")
                report.reopened += 1
            else:
                actions.close(request, actor=cast["operator"], note=DEMO_NOTE)
        report.followed_up += 1
        report.satisfaction[result] = report.satisfaction.get(result, 0) + 1


def run(seed: int = 2026) -> ActivityReport:
    """Add the demo's day of work (see the module docstring), in one transaction: all of it or,
    after an error, nothing (so a re-run starts afresh). Returns the counts; does nothing
    (``skipped``) when it ran before. Raises DemoActivityError when the demo cast, the district
    or the taxonomy is missing."""
    report = ActivityReport()
    if ServiceRequest.objects.filter(source=DEMO_SOURCE).exists():
        report.skipped = True
        return report
    cast = _cast()
    rng = random.Random(seed)
    with transaction.atomic():
        orders = _take_calls(cast, rng, report)
        _work_new_orders(cast, orders, rng, report)
        _follow_up_history(cast, rng, report)
    return report
