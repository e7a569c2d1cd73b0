"""Reply quality (答复质量): a score for every official reply (a REPLY event), explained by its parts,
so a reviewer can read the weakest first.

score = w₁ × relevance + w₂ × completeness + w₃ × timeliness (``formulas.reply_quality``; weights
``ZHILI_REPLY_QUALITY_WEIGHTS``, default 0.4 / 0.4 / 0.2), each part 0–1:

- **relevance** — does the reply answer *this* message? Cosine similarity of message (title + text)
  and reply as TF-IDF vectors of (hashed) character 2–3-grams, with the weights learnt here from
  the shipped TipDM replies (``data/tipdm2020c/fj4_messages_replies``: 2,816 messages and
  their official answers); similarity ``ZHILI_REPLY_RELEVANCE_FULL`` or more counts as fully
  relevant (``formulas.relevance_score``).
- **completeness** — the parts a good reply has (JN 24: the result of the handling, to the caller),
  each found by a pattern and weighted as in ``CHECKS``: greeting, investigation, concrete
  measure, result, time, contact, legal basis. A reply shorter than ``SHORT_REPLY`` characters
  keeps only its share of the length.
- **timeliness** — working days on the work calendar from the message to the reply
  (``working_days_between``), scored by ``formulas.timeliness_score`` (full within the 5-day
  limit of JN 24, half at the end of the longest extension).

``assess_replies()`` scores the replies not yet scored (idempotent); ``weakest(period)`` and
``summary(period)`` read the scores.
"""

import csv
import functools
import io
import re
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext, gettext_lazy
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import normalize

from zhili.datafiles import data_path, read_text
from zhili.requests.choices import Action
from zhili.requests.models import RequestEvent
from zhili.workcalendar.service import working_days_between

from . import formulas, rollups
from .models import DailyActivity, ReplyReview
from .periods import Period

METHOD = "reply-v1"
SHORT_REPLY = 50
BATCH = 500
TRAINING_FILE = "tipdm2020c/fj4_messages_replies.csv"


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    weight: float
    pattern: re.Pattern


CHECKS = [
    Check("greeting", gettext_lazy("称呼问候"), 0.10, re.compile(r"您好|你好|网友|尊敬的|先生|女士|市民")),
    Check("investigation", gettext_lazy("调查核实"), 0.20,
          re.compile(r"调查|核实|核查|查实|排查|走访|现场|实地|了解到|经查")),
    Check("measure", gettext_lazy("具体措施"), 0.25,
          re.compile(r"(?:已|将|立即|马上|责令|要求|督促|安排|组织|派出|协调|约谈).{0,12}?"
                     r"(?:整改|处理|清理|维修|修复|拆除|查处|处罚|协调|解决|落实|更换|疏通|整治|约谈|制止|关停|取缔|"
                     r"补偿|发放|退还|安装|施工|治理|监管|执法|巡查)")),
    Check("result", gettext_lazy("办理结果"), 0.20,
          re.compile(r"已(?:经)?.{0,8}?(?:完成|解决|整改到位|整改完毕|恢复|办结|处理完毕|清理完毕|修复|拆除|到位|落实|"
                     r"退还|发放|安装|开通)|目前.{0,15}?(?:已|正常|恢复)")),
    Check("time", gettext_lazy("时间节点"), 0.10,
          re.compile(r"\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d+个?工作日|(?:预计|计划|争取|力争).{0,15}?(?:前|内|底|完成)")),
    Check("contact", gettext_lazy("联系方式"), 0.10, re.compile(r"电话|联系人|热线|咨询|\d{3,4}-\d{7,8}|\d{7,8}|1[3-9]\d{9}")),
    Check("basis", gettext_lazy("政策依据"), 0.05,
          re.compile(r"(?:根据|依据|按照|依照).{0,30}?(?:规定|条例|办法|政策|文件|法|标准|通知|意见)")),
]
assert abs(sum(c.weight for c in CHECKS) - 1.0) < 1e-9
LABELS = {c.code: c.label for c in CHECKS}


def completeness(reply: str) -> tuple[float, list[str]]:
    """(0–1, codes of the missing parts) for a reply text."""
    text = reply or ""
    missing = [c.code for c in CHECKS if not c.pattern.search(text)]
    score = sum(c.weight for c in CHECKS if c.code not in missing)
    if len(text) < SHORT_REPLY:
        score *= len(text) / SHORT_REPLY
    return score, missing


@functools.lru_cache(maxsize=1)
def _vectorizer():
    """Character 2–3-gram TF-IDF whose weights are learnt from the shipped messages and replies
    (hashed n-grams: no vocabulary to build, deterministic, a second to train)."""
    rows = list(csv.DictReader(io.StringIO(read_text(data_path(TRAINING_FILE)))))
    corpus = [f"{r['留言主题']} {r['留言详情']}" for r in rows] + [r["答复意见"] for r in rows]
    hashing = HashingVectorizer(analyzer="char", ngram_range=(2, 3), n_features=2 ** 20, alternate_sign=False,
                                norm=None, dtype=np.float32)
    return make_pipeline(hashing, TfidfTransformer(sublinear_tf=True).fit(hashing.transform(corpus)))


def similarities(messages: list[str], replies: list[str]) -> list[float]:
    """Cosine similarity of each message with its reply (0–1)."""
    if not messages:
        return []
    vectorizer = _vectorizer()
    a = normalize(vectorizer.transform(messages))
    b = normalize(vectorizer.transform(replies))
    return [float(x) for x in np.asarray(a.multiply(b).sum(axis=1)).ravel()]


def assess_replies(period: Period | None = None, limit: int | None = None) -> int:
    """Score every REPLY event (of ``period``, when given) without a review, at most ``limit``.
    Returns how many were scored."""
    weights = settings.ZHILI_REPLY_QUALITY_WEIGHTS
    full_at = settings.ZHILI_REPLY_RELEVANCE_FULL
    limit_days = settings.ZHILI_DEFAULT_TIME_LIMIT_DAYS
    done = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        pending = RequestEvent.objects.filter(action=Action.REPLY)
        if period is not None:
            low, high = period.bounds()
            pending = pending.filter(at__gte=low, at__lt=high)
        events = list(pending.exclude(pk__in=ReplyReview.objects.values("event_id"))
                      .select_related("request").order_by("id")[:size])
        if not events:
            break
        sims = similarities([f"{e.request.title} {e.request.description}" for e in events], [e.note for e in events])
        reviews = []
        for event, similarity in zip(events, sims, strict=True):
            days = working_days_between(event.request.received_at, event.at)
            relevance = formulas.relevance_score(similarity, full_at)
            complete, missing = completeness(event.note)
            timely = formulas.timeliness_score(days, limit_days)
            reviews.append(ReplyReview(
                event_id=event.pk, request_id=event.request_id, unit_id=event.from_unit_id, replied_at=event.at,
                working_days=days, similarity=similarity, relevance=relevance, completeness=complete,
                timeliness=timely, score=formulas.reply_quality(relevance, complete, timely, weights),
                missing=missing, method=METHOD))
        with transaction.atomic():
            ReplyReview.objects.bulk_create(reviews, ignore_conflicts=True)
        done += len(events)
    return done


def unscored(period: Period) -> int:
    """How many replies of the period have no review yet: the replies the rollup counted minus
    the reviews (two small reads, whatever the size of the event log)."""
    rollups.refresh()
    replied = DailyActivity.objects.filter(day__gte=period.start, day__lt=period.end).aggregate(
        n=Sum("replied"))["n"] or 0
    return max(0, replied - _in(period).count())


def ensure(period: Period, inline_limit: int | None) -> None:
    """Score the period's replies now when at most ``inline_limit`` are waiting (None: all);
    larger backlogs are left to the worker (``zhili assess-replies``)."""
    waiting = unscored(period)
    if waiting and (inline_limit is None or waiting <= inline_limit):
        assess_replies(period)


def _in(period: Period):
    low, high = period.bounds()
    return ReplyReview.objects.filter(replied_at__gte=low, replied_at__lt=high)


def weakest(period: Period, n: int = 20) -> list[ReplyReview]:
    """The ``n`` lowest-scored replies of the period, weakest first (see ``ensure``)."""
    return list(_in(period).select_related("request", "unit", "event").order_by("score", "event_id")[:n])


def summary(period: Period) -> dict:
    """{"replies", "score", "relevance", "completeness", "timeliness" (means 0–1 or None),
    "within_limit" (share replied within the limit), "by_unit": [{"unit", "replies", "score"}],
    "missing": {label: share of replies lacking it}} over the replies scored so far."""
    reviews = _in(period)
    limit_days = settings.ZHILI_DEFAULT_TIME_LIMIT_DAYS
    totals = reviews.aggregate(replies=Count("id"), score=Avg("score"), relevance=Avg("relevance"),
                               completeness=Avg("completeness"), timeliness=Avg("timeliness"),
                               within=Count("id", filter=Q(working_days__lte=limit_days)))
    n = totals["replies"]
    missing_counts = dict.fromkeys(LABELS, 0)
    for missing in reviews.values_list("missing", flat=True):
        for code in missing or []:
            if code in missing_counts:
                missing_counts[code] += 1
    by_unit = [{"unit": row["unit__short_name"] or row["unit__name"] or gettext("（无单位）"), "replies": row["n"],
                "score": row["score"]}
               for row in reviews.values("unit__name", "unit__short_name").annotate(n=Count("id"), score=Avg("score"))
               .order_by("score", "unit__name")]
    return {"replies": n, "score": totals["score"], "relevance": totals["relevance"],
            "completeness": totals["completeness"], "timeliness": totals["timeliness"],
            "within_limit": formulas.ratio(totals["within"], n), "by_unit": by_unit,
            "missing": {str(LABELS[code]): formulas.ratio(count, n) for code, count in missing_counts.items()}}
