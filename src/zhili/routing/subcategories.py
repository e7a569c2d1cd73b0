"""Second- and third-level suggestions within a first-level category.

There are no labels below level one, so the ranking is by resemblance: each third-level node
has a profile — its own name, its second-level parent's name, and the texts of requests that
people filed under it (dispatcher corrections) — and the message is compared with every profile
under the chosen first-level category by cosine similarity of character 1–2-grams (names are
short, so bigrams carry the meaning: "物业服务" matches "物业公司不作为"). Scores are turned
into a ranking with shares that sum to 1 (``confidence``). A second-level node scores as its
best child.
"""

import threading
import time
from dataclasses import dataclass

import numpy as np

from zhili.taxonomy.models import Category

from .text import no_spaces

_CACHE_TTL = 300.0
# Name matches weigh more than the (long, noisy) texts of corrected examples.
NAME_WEIGHT = 3


@dataclass(frozen=True)
class Ranked:
    """A category and its share of the resemblance among its siblings (0–1)."""

    category: Category
    confidence: float


def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char", ngram_range=(1, 2), n_features=2**16, alternate_sign=False,
                             norm="l2", preprocessor=no_spaces)


class _Profiles:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.by_first: dict[int, tuple[list[Category], object]] = {}
        self.vectorizer = _vectorizer()

    def get(self, first: Category):
        if time.monotonic() - self.loaded_at > _CACHE_TTL:
            with self.lock:
                self.by_first = {}
                self.loaded_at = time.monotonic()
        if first.pk not in self.by_first:
            self.by_first[first.pk] = self._build(first)
        return self.by_first[first.pk]

    def _build(self, first: Category):
        from .models import CategoryCorrection

        leaves = list(Category.objects.filter(parent__parent=first, is_active=True).select_related("parent"))
        examples: dict[int, list[str]] = {}
        for leaf_id, text in CategoryCorrection.objects.filter(corrected__in=leaves).values_list("corrected_id", "text"):
            examples.setdefault(leaf_id, []).append(text[:200])
        profiles = [" ".join([leaf.name] * NAME_WEIGHT + [leaf.parent.name] + examples.get(leaf.pk, []))
                    for leaf in leaves]
        return leaves, (self.vectorizer.transform(profiles) if leaves else None)


_profiles = _Profiles()


def rank(text: str, first: Category, limit: int = 5) -> tuple[list[Ranked], list[Ranked]]:
    """(second-level ranking, third-level ranking) under ``first`` for ``text``, best first,
    at most ``limit`` each. Both empty when the text shares nothing with any node."""
    leaves, matrix = _profiles.get(first)
    if not leaves or not no_spaces(text):
        return [], []
    scores = (matrix @ _profiles.vectorizer.transform([text]).T).toarray().ravel()
    if scores.max() <= 0:
        return [], []
    shares = scores / scores.sum()
    order = np.argsort(-scores)
    third = [Ranked(leaves[i], round(float(shares[i]), 3)) for i in order[:limit] if scores[i] > 0]
    best_by_parent: dict[int, tuple[Category, float]] = {}
    for i in order:
        parent = leaves[i].parent
        if scores[i] > 0 and parent.pk not in best_by_parent:
            best_by_parent[parent.pk] = (parent, float(scores[i]))
    total = sum(score for _, score in best_by_parent.values())
    second = [Ranked(parent, round(score / total, 3)) for parent, score in best_by_parent.values()][:limit]
    return second, third


def invalidate() -> None:
    """Rebuild the profiles on next use (after corrections or taxonomy edits)."""
    _profiles.loaded_at = 0.0
