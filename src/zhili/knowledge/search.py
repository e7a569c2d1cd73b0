"""Finding knowledge-base answers for a call being taken (直办, JN 23, BJ 11).

``search_articles(words=…, title=…, category_codes=…)`` runs **one** query, ranked by the database:

- ``words``: what the operator typed in the knowledge search box, split on spaces; an article
  must contain every word, in its title or its body;
- ``title``: the call's title; its Chinese two-character pieces ("供暖", "公积") that are not
  filler ("咨询", "请问", …) are looked up in article titles, so "咨询今年供暖时间" finds
  "济南市供暖期" before the operator searches at all;
- ``category_codes``: the categories the classifier suggests; an article filed under one of
  them, under an ancestor of one, or elsewhere under the same first-level category, is
  offered too (in that order of preference).

The knowledge base is small (hundreds of articles), so a LIKE per term is cheap; the number
of terms is capped (``MAX_TITLE_TERMS``) to keep the query short.
"""

import re
from dataclasses import dataclass

from django.db.models import Case, ExpressionWrapper, F, IntegerField, Q, Value, When

from .models import KnowledgeArticle

MAX_TITLE_TERMS = 12
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
    """An article and why it is offered: ``score`` (higher is better, see ``search_articles``) and ``reasons``
    (Chinese, e.g. ["标题含“供暖”", "同分类"])."""

    article: KnowledgeArticle
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
    title piece in the article's title +2 each, the exact suggested category +4, an ancestor
    of it +2, another category under the same first level +1. Ties go to the most recently
    reviewed article, then the title.
    """
    searched = split_words(words)
    pieces = [] if searched else title_terms(title)
    codes = [c for c in category_codes if c]
    if not (searched or pieces or codes):
        return []
    # Every ancestor of a suggested category: "0302" offers articles filed under "03" too.
    ancestors = {code[:n] for code in codes for n in range(2, len(code), 2)}
    first_levels = sorted({code[:2] for code in codes})
    condition = Q()
    for word in searched:
        condition &= Q(title__icontains=word) | Q(body__icontains=word)
    if not searched:
        for piece in pieces:
            condition |= Q(title__icontains=piece)
        for prefix in first_levels:
            condition |= Q(category__code__startswith=prefix)
    # The score is computed by the database, so the best ``limit`` come back however many match.
    score = Value(10 * len(searched))
    for piece in pieces:
        score += Case(When(title__icontains=piece, then=Value(2)), default=Value(0))
    if codes:
        category = [When(category__code__in=codes, then=Value(4))]
        if ancestors:
            category.append(When(category__code__in=sorted(ancestors), then=Value(2)))
        category += [When(category__code__startswith=prefix, then=Value(1)) for prefix in first_levels]
        score += Case(*category, default=Value(0))
    rows = (KnowledgeArticle.objects.filter(condition, is_active=True)
            .annotate(score=ExpressionWrapper(score, output_field=IntegerField()))
            .select_related("category", "owner_unit")
            .order_by("-score", F("reviewed_at").desc(nulls_last=True), "title")[:limit])
    return [ArticleHit(article, article.score, _reasons(article, searched, pieces, codes, ancestors))
            for article in rows]


def _reasons(article: KnowledgeArticle, searched, pieces, codes, ancestors) -> tuple[str, ...]:
    """Why an article is offered, in Chinese (shown beside it)."""
    reasons = []
    if searched:
        reasons.append("含检索词")
    matched = [p for p in pieces if p in article.title]
    if matched:
        reasons.append("标题含“" + "”“".join(matched[:3]) + "”")
    code = article.category.code if article.category else ""
    if code and code in codes:
        reasons.append("建议分类")
    elif code and code in ancestors:
        reasons.append("上级分类")
    elif code and code[:2] in {c[:2] for c in codes}:
        reasons.append("同类")
    return tuple(reasons)
