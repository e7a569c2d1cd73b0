"""Possible duplicates at intake (并单 candidates, 国办函〔2025〕66号): the open requests most
likely about the same matter as a new one.

Score = cosine similarity of hashed character 2–3-gram TF-IDF vectors of title + text (0–1),
+ 0.1 when both name the same subdistrict, over requests received within ``window_days``
(default 90) before the new one. ``DuplicateIndex`` holds the vectors (pure, no database: the
evaluation on real near-duplicates uses it directly); ``find_duplicates`` keeps one index of
recent requests per process, extends it with new rows on each call (one indexed query) and
keeps only those still open, so a suggestion costs a few milliseconds with 10,000 open requests.
"""

import datetime as dt
import threading
from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from zhili.requests.choices import State
from zhili.requests.models import ServiceRequest

from .text import no_spaces

SAME_AREA_BONUS = 0.1
MIN_SCORE = 0.05
_CANDIDATE_STATES = [State.RECEIVED, State.PENDING_DISPATCH, State.DISPATCHED, State.RETURNED, State.IN_PROGRESS,
                     State.REPLIED, State.AWAITING_FOLLOW_UP]


@dataclass(frozen=True)
class Candidate:
    """A possible duplicate: the request's id and number, its title, and the score (0–1.1)."""

    request_id: int
    number: str
    title: str
    score: float


def text_of(title: str, description: str) -> str:
    """What is compared: title and text without spaces, at most 600 characters."""
    return no_spaces(f"{title}{description}")[:600]


def _utc_seconds(moment: dt.datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(dt.UTC).replace(tzinfo=None), "s")


class DuplicateIndex:
    """Vectors of requests in the order they were added (ids must increase).

    Weights are sublinear TF × IDF, the IDF learned from the indexed requests themselves (so
    the phrases every letter shares — "尊敬的领导" — count for little); it is refitted whenever
    the index has grown by a tenth since the last fit.
    """

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.vectorizer = HashingVectorizer(analyzer="char", ngram_range=(2, 3), n_features=2**18,
                                            alternate_sign=False, norm=None)
        self.ids = np.zeros(0, dtype=np.int64)
        self.received = np.zeros(0, dtype="datetime64[s]")
        self.areas = np.zeros(0, dtype=np.int64)
        self.counts = None  # sublinear term frequencies, one row per request
        self.matrix = None  # TF-IDF, rows normalised
        self.idf = None
        self.fitted_size = 0

    def __len__(self) -> int:
        return len(self.ids)

    def _tf(self, texts: list[str]):
        counts = self.vectorizer.transform(texts).astype(np.float64)
        counts.data = np.log1p(counts.data)
        return counts

    def _weigh(self, counts):
        from sklearn.preprocessing import normalize

        return normalize(counts.multiply(self.idf).tocsr())

    def add(self, ids: list[int], texts: list[str], received: list[dt.datetime], areas: list[int | None]) -> None:
        """Append requests: ids, compared texts (``text_of``), aware receive times, subdistrict ids."""
        import scipy.sparse as sp

        if not ids:
            return
        counts = self._tf(texts)
        self.counts = counts if self.counts is None else sp.vstack([self.counts, counts]).tocsr()
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.received = np.concatenate([self.received, np.array([_utc_seconds(r) for r in received])])
        self.areas = np.concatenate([self.areas, np.asarray([a or 0 for a in areas], dtype=np.int64)])
        if self.idf is None or len(self.ids) > self.fitted_size * 1.1:
            document_frequency = np.bincount(self.counts.indices, minlength=self.counts.shape[1])
            self.idf = np.log((1 + len(self.ids)) / (1 + document_frequency)) + 1
            self.fitted_size = len(self.ids)
            self.matrix = self._weigh(self.counts)
        else:
            self.matrix = sp.vstack([self.matrix, self._weigh(counts)]).tocsr()

    def query(self, text: str, *, received_at: dt.datetime, window_days: int, area: int | None = None,
              exclude_id: int | None = None, limit: int = 20) -> list[tuple[int, float]]:
        """[(id, score)] of the best matches received in the window before ``received_at``,
        best first, scores ≥ MIN_SCORE."""
        if self.matrix is None or not text:
            return []
        scores = (self.matrix @ self._weigh(self._tf([text])).T).toarray().ravel()
        if area:
            scores = scores + SAME_AREA_BONUS * (self.areas == area)
        start = _utc_seconds(received_at - dt.timedelta(days=window_days))
        in_window = (self.received >= start) & (self.received <= _utc_seconds(received_at))
        scores = np.where(in_window & (self.ids != (exclude_id or -1)), scores, 0.0)
        top = np.argpartition(-scores, limit)[:limit] if len(scores) > limit else np.arange(len(scores))
        top = sorted(top, key=lambda i: -scores[i])
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] >= MIN_SCORE]


class _Shared:
    """This process's index of recent requests, extended by id."""

    # How far back the shared index reaches; older requests are never duplicate candidates.
    HORIZON_DAYS = 120

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index = DuplicateIndex()
        self.max_id = 0

    def refresh(self) -> DuplicateIndex:
        with self.lock:
            since = timezone.now() - dt.timedelta(days=self.HORIZON_DAYS)
            rows = list(ServiceRequest.objects.filter(pk__gt=self.max_id, received_at__gte=since).order_by("pk")
                        .values_list("pk", "title", "description", "received_at", "subdistrict_id"))
            if rows:
                self.index.add([r[0] for r in rows], [text_of(r[1], r[2]) for r in rows], [r[3] for r in rows],
                               [r[4] for r in rows])
                self.max_id = rows[-1][0]
            return self.index

    def reset(self) -> None:
        with self.lock:
            self.index, self.max_id = DuplicateIndex(), 0


_shared = _Shared()


def find_duplicates(title: str, description: str, *, subdistrict_id: int | None = None,
                    received_at: dt.datetime | None = None, exclude_id: int | None = None,
                    window_days: int = 90, limit: int = 5) -> list[Candidate]:
    """The ``limit`` open requests most likely about the same matter, best first.

    Only requests received in the ``window_days`` before ``received_at`` (default now) and
    still open (not closed, declined, merged or split) are considered; scores below 0.05 are
    dropped. Returns [] for an empty text.
    """
    text = text_of(title, description)
    if not text:
        return []
    index = _shared.refresh()
    matches = index.query(text, received_at=received_at or timezone.now(), window_days=window_days,
                          area=subdistrict_id, exclude_id=exclude_id, limit=limit * 4)
    if not matches:
        return []
    rows = ServiceRequest.objects.filter(pk__in=[m[0] for m in matches], state__in=_CANDIDATE_STATES)
    found = {pk: (number, title) for pk, number, title in rows.values_list("pk", "number", "title")}
    return [Candidate(pk, found[pk][0], found[pk][1], round(min(score, 1.1), 3))
            for pk, score in matches if pk in found][:limit]


def evaluate(messages: list[dict], groups: dict[str, list[str]], *, window_days: int = 90, k: int = 5) -> dict:
    """Precision of the duplicate finder on hand-checked groups of real messages.

    ``messages``: rows with 留言编号, 留言主题, 留言详情, 留言时间 (the pool, e.g. all of fj3);
    ``groups``: group name → message ids about the same matter. Each grouped message asks with
    its text only (not its title, since the groups were first found by title) for the top ``k``
    earlier-or-same-window messages. Returns {"precision_at_k": mean of relevant/k,
    "precision_at_k_attainable": mean of relevant/min(k, |group|-1), "precision_at_1", "queries"}.
    """
    from zhili.imports.importer import parse_datetime

    index = DuplicateIndex()
    by_id = {}
    for number, row in enumerate(messages, start=1):
        by_id[row["留言编号"]] = number
    order = sorted(messages, key=lambda r: by_id[r["留言编号"]])
    index.add([by_id[r["留言编号"]] for r in order], [text_of(r["留言主题"], r["留言详情"]) for r in order],
              [parse_datetime(r["留言时间"]) for r in order], [None] * len(order))
    times = {by_id[r["留言编号"]]: parse_datetime(r["留言时间"]) for r in messages}
    texts = {by_id[r["留言编号"]]: r["留言详情"] for r in messages}
    p_k, p_attainable, p_1 = [], [], []
    for members in groups.values():
        ids = {by_id[m] for m in members if m in by_id}
        for query_id in ids:
            # Both directions of the window: a later duplicate is found when it arrives.
            latest = max(times[i] for i in ids)
            hits = index.query(text_of("", texts[query_id]), received_at=latest, window_days=window_days,
                               exclude_id=query_id, limit=k)[:k]
            relevant = sum(1 for hit_id, _ in hits if hit_id in ids)
            p_k.append(relevant / k)
            p_attainable.append(relevant / min(k, len(ids) - 1))
            p_1.append(1.0 if hits and hits[0][0] in ids else 0.0)
    return {"precision_at_k": round(float(np.mean(p_k)), 4), "k": k,
            "precision_at_k_attainable": round(float(np.mean(p_attainable)), 4),
            "precision_at_1": round(float(np.mean(p_1)), 4), "queries": len(p_k), "groups": len(groups),
            "window_days": window_days}
