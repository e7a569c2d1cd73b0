"""Finding knowledge-base answers for a call being taken (直办, JN 23, BJ 11).

``search_articles(words=…, title=…, category_codes=…)`` runs **one** query and ranks in Python:

- ``words``: what the operator typed in the knowledge search box, split on spaces; an article
  must contain every word, in its title or its body;
- ``title``: the call's title; its Chinese two-character pieces ("供暖", "公积") that are not
  filler ("咨询", "请问", …) are looked up in article titles, so "咨询今年供暖时间" finds
  "济南市供暖期" before the operator searches at all;
- ``category_codes``: the categories the classifier suggests; an article filed under one of
  them, under an ancestor of one, or below a suggested second-level category, is offered too
  (in that order of preference).

The query reads a few short columns of at most ``MAX_CANDIDATES`` matching articles (their
text cut to ``EXCERPT_CHARS``), strong matches (title, exact category) first; the title pieces
are one regular expression (``MAX_TITLE_TERMS`` at most), so the query is built and run in
about a millisecond on every keystroke.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Substr
from django.utils.translation import gettext, pgettext

from .models import KnowledgeArticle

MAX_TITLE_TERMS = 12
MAX_CANDIDATES = 300
EXCERPT_CHARS = 500
MAX_WORDS = 6
# Two-character pieces that say nothing about the matter (how callers start a sentence).
FILLER = frozenset([
    "咨询", "请问", "询问", "反映", "投诉", "举报", "求助", "建议", "表扬", "问题", "情况", "如何", "怎么", "怎样", "什么", "为何",
    "为什么", "哪里", "能否", "是否", "可以", "希望", "要求", "请求", "我们", "你们", "他们", "这个", "那个", "一下", "现在", "目前",
    "今年", "明年", "去年", "时候", "时间", "有关", "关于", "相关", "办理", "处理", "解决", "市民", "来电", "来电人", "本人", "家里",
    "小区", "附近", "门口", "一直", "已经", "没有", "不能", "不是", "还是", "的是",
])
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_FILLER_RE = re.compile("|".join(sorted(FILLER, key=len, reverse=True)))


@dataclass(frozen=True)
class ArticleHit:
    """An article as the intake page lists it, and why it is offered: ``score`` (higher is
    better, see ``search_articles``) and ``reasons`` (in the active language, e.g. ("标题含“供暖”", "建议分类")).
    ``excerpt`` is the text's first ``EXCERPT_CHARS`` characters (``truncated`` when longer)."""

    pk: int
    title: str
    excerpt: str
    truncated: bool
    category: str
    unit: str
    reviewed_at: dt.date | None
    score: int
    reasons: tuple[str, ...]


def title_terms(title: str, limit: int = MAX_TITLE_TERMS) -> list[str]:
    """Distinct two-character Chinese pieces of ``title`` that are not filler, in order.

    "咨询今年供暖开始时间" → ["供暖", "暖开", "开始"] (filler words are cut out first).
    """
    terms: list[str] = []
    runs = [part for run in _CJK_RUN.findall(title or "") for part in _FILLER_RE.split(run)]
    for run in runs:
        for i in range(len(run) - 1):
            piece = run[i:i + 2]
            if piece not in FILLER and piece not in terms:
                terms.append(piece)
    return terms[:limit]


def split_words(text: str) -> list[str]:
    """The search box's words: split on spaces and punctuation, at most ``MAX_WORDS``."""
    return [w for w in re.split(r"[\s,，;；、。.]+", (text or "").strip()) if w][:MAX_WORDS]


def search_articles(*, words: str = "", title: str = "", category_codes: list[str] | tuple = (),
                    limit: int = 5) -> list[ArticleHit]:
    """Active articles for a call, best first (see the module docstring); one query.

    Score: every search word found +10 (an article missing one of them is not offered), a
    title piece in the article's title +3 each (the caller's own words beat the classifier's
    guess), the exact suggested category +3, an ancestor of it +2, a category below a
    suggested second-level one +1. Ties go to the most recently reviewed article, then the title.
    """
    searched = split_words(words)
    pieces = [] if searched else title_terms(title)
    codes = {c for c in category_codes if c}
    if not (searched or pieces or codes):
        return []
    # Every ancestor of a suggested category: "0302" offers articles filed under "03" too.
    ancestors = {code[:n] for code in codes for n in range(2, len(code), 2)} - codes
    seconds = sorted({code for code in codes if len(code) == 4})
    condition, strong = Q(), Q()
    for word in searched:
        condition &= Q(title__icontains=word) | Q(body__icontains=word)
    if not searched:
        if pieces:  # one regular expression, not a LIKE per piece: the ORM builds it in microseconds
            strong |= Q(title__iregex="|".join(re.escape(piece) for piece in pieces))
        if codes:
            strong |= Q(category__code__in=sorted(codes))
            condition |= Q(category__code__in=sorted(ancestors))
        for code in seconds:
            condition |= Q(category__code__startswith=code)
        condition |= strong
    # A title match or the exact category first, so the cap never drops one for a weaker match.
    first = Case(When(strong, then=Value(0)), default=Value(1)) if strong else Value(0)
    rows = (KnowledgeArticle.objects.filter(condition, is_active=True)
            .annotate(excerpt=Substr("body", 1, EXCERPT_CHARS + 1))
            .order_by(first, F("reviewed_at").desc(nulls_last=True), "pk")
            .values_list("pk", "title", "excerpt", "category__code", "category__name", "owner_unit__name",
                         "owner_unit__short_name", "reviewed_at")[:MAX_CANDIDATES])
    hits = []
    for pk, article_title, excerpt, code, category, unit, unit_short, reviewed_at in rows:
        score, reasons = 10 * len(searched), [gettext("含检索词")] if searched else []
        matched = [p for p in pieces if p in article_title]
        if matched:
            score += 3 * len(matched)
            # "标题含“供暖”“暖开”": the separator closes one quoted word and opens the next.
            words = pgettext("between quoted words", "”“").join(matched[:3])
            reasons.append(gettext("标题含“%(words)s”") % {"words": words})
        for points, reason, found in ((3, gettext("建议分类"), code in codes), (2, gettext("上级分类"), code in ancestors),
                                      (1, gettext("同类"), bool(code) and code[:4] in seconds)):
            if found:
                score += points
                reasons.append(reason)
                break
        if score:
            hits.append(ArticleHit(pk, article_title, excerpt[:EXCERPT_CHARS], len(excerpt) > EXCERPT_CHARS,
                                   category or "", unit_short or unit or "", reviewed_at, score, tuple(reasons)))
    hits.sort(key=lambda h: (-h.score, -(h.reviewed_at.toordinal() if h.reviewed_at else 0), h.title))
    return hits[:limit]
