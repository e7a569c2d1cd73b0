"""Possible duplicates at intake (并单 candidates, 国办函〔2025〕66号): the open requests most
likely about the same matter as a new one.

Score = cosine similarity of hashed character 2–3-gram TF-IDF vectors of title + text (0–1),
+ 0.1 when both name the same subdistrict, over requests received within ``window_days``
(default 90) before the new one. ``DuplicateIndex`` holds the vectors (pure, no database: the
evaluation on real near-duplicates uses it directly); ``find_duplicates`` keeps one index of
the open requests of the last ``HORIZON_DAYS`` per process and brings it up to date on each
call with two small indexed queries: new requests, and requests with new events (closed,
merged, declined, split → removed; reopened → added back). Requests that left the horizon are
evicted every few minutes. A suggestion costs a few milliseconds with 10,000 open requests.

New rows are read by id, but ids are not committed in order on PostgreSQL: a transaction that
took id 41 may commit after the one that took id 42. ``_IdCursor`` therefore remembers the ids
it skipped over ("gaps") and asks for them again on each call until ``OVERLAP_SECONDS`` after it
first missed them — a request (or event) written by a transaction shorter than that is never
missed. Every id is handled once (the index is deduplicated by id).
"""

import datetime as dt
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db.models import Max, Q
from django.utils import timezone

from zhili.requests.choices import State
from zhili.requests.models import RequestEvent, ServiceRequest

from .text import no_spaces

SAME_AREA_BONUS = 0.1
MIN_SCORE = 0.05
# What the intake page offers (find_duplicates): on the shipped near-duplicate groups of fj3
# (tests/fixtures/near_duplicates_fj3.csv, top 5 per query) a score of at least 0.15 keeps 92 % of
# the true duplicates and drops 53 % of the unrelated candidates (which sit at 0.10–0.15 and
# invite wrong merges); measured 2026-11-29.
OFFER_MIN_SCORE = 0.15
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
    """Vectors of requests, each id at most once (adding a known id again is ignored).

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
        self._known: set[int] | None = set()

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, request_id: int) -> bool:
        return request_id in self.known

    @property
    def known(self) -> set[int]:
        if self._known is None:
            self._known = set(self.ids.tolist())
        return self._known

    def _refit(self) -> None:
        document_frequency = np.bincount(self.counts.indices, minlength=self.counts.shape[1])
        self.idf = np.log((1 + len(self.ids)) / (1 + document_frequency)) + 1
        self.fitted_size = len(self.ids)
        self.matrix = self._weigh(self.counts)

    def _keep(self, mask: np.ndarray) -> int:
        """Keep the rows where ``mask`` is true; returns how many were dropped."""
        dropped = int(len(mask) - mask.sum())
        if not dropped:
            return 0
        rows = np.flatnonzero(mask)
        self.ids, self.received, self.areas = self.ids[rows], self.received[rows], self.areas[rows]
        self._known = None
        if not len(rows):
            self.counts = self.matrix = self.idf = None
            self.fitted_size = 0
            return dropped
        self.counts, self.matrix = self.counts[rows], self.matrix[rows]
        if len(self.ids) * 1.1 < self.fitted_size:  # shrunk by a tenth: the IDF follows, as when growing
            self._refit()
        return dropped

    def remove(self, ids) -> int:
        """Drop these requests (closed, merged …); unknown ids are ignored. Returns how many went."""
        ids = [i for i in ids if i in self.known]
        if not ids:
            return 0
        return self._keep(~np.isin(self.ids, np.asarray(ids, dtype=np.int64)))

    def evict_before(self, moment: dt.datetime) -> int:
        """Drop the requests received before ``moment``. Returns how many went."""
        if not len(self.ids):
            return 0
        return self._keep(self.received >= _utc_seconds(moment))

    def _tf(self, texts: list[str]):
        counts = self.vectorizer.transform(texts).astype(np.float64)
        counts.data = np.log1p(counts.data)
        return counts

    def _weigh(self, counts):
        from sklearn.preprocessing import normalize

        # float32: half the memory traffic of the scoring product (13 → 7 ms with 10,000 open
        # requests); scores need no more than 7 significant digits.
        return normalize(counts.multiply(self.idf).tocsr()).astype(np.float32)

    def add(self, ids: list[int], texts: list[str], received: list[dt.datetime], areas: list[int | None]) -> None:
        """Append requests: ids, compared texts (``text_of``), aware receive times, subdistrict ids.
        Ids already in the index (or repeated in the call) are skipped."""
        import scipy.sparse as sp

        known, fresh = self.known, []
        for i, request_id in enumerate(ids):
            if request_id not in known:
                known.add(request_id)
                fresh.append(i)
        if len(fresh) < len(ids):
            ids, texts = [ids[i] for i in fresh], [texts[i] for i in fresh]
            received, areas = [received[i] for i in fresh], [areas[i] for i in fresh]
        if not ids:
            return
        counts = self._tf(texts)
        self.counts = counts if self.counts is None else sp.vstack([self.counts, counts]).tocsr()
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.received = np.concatenate([self.received, np.array([_utc_seconds(r) for r in received])])
        self.areas = np.concatenate([self.areas, np.asarray([a or 0 for a in areas], dtype=np.int64)])
        if self.idf is None or len(self.ids) > self.fitted_size * 1.1:
            self._refit()
        else:
            self.matrix = sp.vstack([self.matrix, self._weigh(counts)]).tocsr()

    def query(self, text: str, *, received_at: dt.datetime, window_days: int, area: int | None = None,
              exclude_id: int | None = None, limit: int = 20,
              min_text_score: float = MIN_SCORE) -> list[tuple[int, float]]:
        """[(id, score)] of the best matches received in the window before ``received_at``,
        best first: the text similarity (0–1) plus ``SAME_AREA_BONUS`` for the same ``area``;
        only rows whose text similarity alone reaches ``min_text_score`` (default MIN_SCORE)."""
        if self.matrix is None or not text:
            return []
        # Sparse matrix × dense vector (csr_matvec): a sparse × sparse product of the same shapes
        # took ~28 ms with 10,000 rows, this ~7 (the dense query is 2**18 float32).
        query = self._weigh(self._tf([text])).toarray().ravel()
        scores = self.matrix @ query
        similar = scores >= max(min_text_score, MIN_SCORE)  # by the text alone, before the bonus
        if area:
            scores = scores + SAME_AREA_BONUS * (self.areas == area)
        start = _utc_seconds(received_at - dt.timedelta(days=window_days))
        in_window = (self.received >= start) & (self.received <= _utc_seconds(received_at))
        scores = np.where(similar & in_window & (self.ids != (exclude_id or -1)), scores, 0.0)
        top = np.argpartition(-scores, limit)[:limit] if len(scores) > limit else np.arange(len(scores))
        top = sorted(top, key=lambda i: -scores[i])
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0.0]


class _IdCursor:
    """The rows of a table not handled yet, by id, including rows committed out of id order.

    ``condition()`` selects ids above the highest seen and the "gaps": ids below it that were
    missing when a higher id was read (a transaction still open, or rolled back). ``saw(ids,
    started)`` records the ids a query returned; a gap is given up only by a query that started
    ``overlap`` seconds or more after the gap was found, so a row whose transaction took less
    than ``overlap`` is always read. At most ``MAX_GAPS`` gaps are kept (the newest).
    """

    MAX_GAPS = 500
    # When a process starts, the last ids of the table are checked for gaps too.
    INITIAL_IDS = 1000

    def __init__(self, overlap: float) -> None:
        self.overlap = overlap
        self.highest: int | None = None
        self.gaps: dict[int, float] = {}  # id → monotonic time it was found missing

    def start(self, queryset) -> None:
        """Begin after the current highest id of ``queryset``; its last INITIAL_IDS ids that are
        not (yet) visible become gaps."""
        top = queryset.aggregate(top=Max("pk"))["top"] or 0
        low = max(0, top - self.INITIAL_IDS)
        visible = set(queryset.filter(pk__gt=low).values_list("pk", flat=True))
        now = time.monotonic()
        self.gaps = {i: now for i in range(low + 1, top + 1) if i not in visible}
        self.highest = top

    def condition(self) -> Q:
        if not self.gaps:
            return Q(pk__gt=self.highest)
        return Q(pk__gt=self.highest) | Q(pk__in=sorted(self.gaps))

    def saw(self, ids: list[int], started: float) -> None:
        for i in ids:
            self.gaps.pop(i, None)
        top = max(ids, default=self.highest)
        if top > self.highest:
            returned = set(ids)
            now = time.monotonic()
            self.gaps.update((i, now) for i in range(self.highest + 1, top) if i not in returned)
            self.highest = top
        self.gaps = {i: t for i, t in self.gaps.items() if started - t < self.overlap}
        if len(self.gaps) > self.MAX_GAPS:
            self.gaps = dict(sorted(self.gaps.items())[-self.MAX_GAPS:])


_ROW = ("pk", "title", "description", "received_at", "subdistrict_id", "state")


class _Shared:
    """This process's index of the open requests of the last HORIZON_DAYS (see the module's
    docstring for how it is kept up to date)."""

    # How far back the shared index reaches; older requests are never duplicate candidates.
    HORIZON_DAYS = 120
    # A request or event whose transaction commits within this time after it took its id is
    # never missed (see _IdCursor); longer transactions are not expected from intake.
    OVERLAP_SECONDS = 600.0
    # How often requests that left the horizon are dropped (the query masks them meanwhile).
    EVICT_EVERY_SECONDS = 300.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self.index = DuplicateIndex()
        self.requests = _IdCursor(self.OVERLAP_SECONDS)
        self.events = _IdCursor(self.OVERLAP_SECONDS)
        self.evicted_at = 0.0

    def _add(self, rows, since: dt.datetime) -> None:
        rows = [r for r in rows if r[5] in _CANDIDATE_STATES and r[3] >= since and r[0] not in self.index]
        if rows:
            self.index.add([r[0] for r in rows], [text_of(r[1], r[2]) for r in rows], [r[3] for r in rows],
                           [r[4] for r in rows])

    def refresh(self, now: dt.datetime | None = None) -> DuplicateIndex:
        """Bring the index up to date (``now``: the present, for tests) and return it."""
        now = now or timezone.now()
        since = now - dt.timedelta(days=self.HORIZON_DAYS)
        with self.lock:
            if self.requests.highest is None:
                self.requests.start(ServiceRequest.objects.all())
                self.events.start(RequestEvent.objects.all())
                self._add(ServiceRequest.objects.filter(received_at__gte=since, state__in=_CANDIDATE_STATES)
                          .order_by("pk").values_list(*_ROW), since)
                self.evicted_at = time.monotonic()
                return self.index
            started = time.monotonic()
            rows = list(ServiceRequest.objects.filter(self.requests.condition()).order_by("pk").values_list(*_ROW))
            self.requests.saw([r[0] for r in rows], started)
            self._add(rows, since)
            # No ordering: the model's default (by the order's receipt) would join and sort.
            changed = list(RequestEvent.objects.filter(self.events.condition()).order_by()
                           .values_list("pk", "request_id"))
            self.events.saw([e[0] for e in changed], started)
            touched = {e[1] for e in changed} - {r[0] for r in rows}
            if touched:  # in chunks: PostgreSQL takes at most 65,535 parameters a statement
                ordered = sorted(touched)
                current = [row for i in range(0, len(ordered), 10_000) for row in ServiceRequest.objects.filter(
                    pk__in=ordered[i:i + 10_000]).values_list(*_ROW)]
                self.index.remove([r[0] for r in current if r[5] not in _CANDIDATE_STATES])
                self._add(current, since)  # e.g. reopened
            if started - self.evicted_at >= self.EVICT_EVERY_SECONDS:
                self.index.evict_before(since)
                self.evicted_at = started
            return self.index

    def query(self, text: str, **options) -> list[tuple[int, float]]:
        """``DuplicateIndex.query`` under the lock: ``refresh``, ``forget`` and eviction replace the
        index's arrays one after another, so a thread reading them meanwhile (gthread workers)
        would see arrays of different lengths."""
        with self.lock:
            return self.index.query(text, **options)

    def forget(self, ids) -> None:
        """Drop requests found no longer open at query time."""
        with self.lock:
            self.index.remove(ids)

    def reset(self) -> None:
        with self.lock:
            self._clear()


_shared = _Shared()


def find_duplicates(title: str, description: str, *, subdistrict_id: int | None = None,
                    received_at: dt.datetime | None = None, exclude_id: int | None = None,
                    window_days: int = 90, limit: int = 5) -> list[Candidate]:
    """The ``limit`` open requests most likely about the same matter, best first.

    Only requests received in the ``window_days`` before ``received_at`` (default now) and
    still open (not closed, declined, merged or split) are considered; a text similarity below
    ``OFFER_MIN_SCORE`` (0.15, before the same-subdistrict bonus) is not offered. Returns [] for
    an empty text.
    """
    text = text_of(title, description)
    if not text:
        return []
    _shared.refresh()
    matches = _shared.query(text, received_at=received_at or timezone.now(), window_days=window_days,
                            area=subdistrict_id, exclude_id=exclude_id, limit=limit * 4,
                            min_text_score=OFFER_MIN_SCORE)
    if not matches:
        return []
    rows = ServiceRequest.objects.filter(pk__in=[m[0] for m in matches], state__in=_CANDIDATE_STATES)
    found = {pk: (number, title) for pk, number, title in rows.values_list("pk", "number", "title")}
    if len(found) < len(matches):  # closed meanwhile (its event is read on the next refresh anyway)
        _shared.forget([m[0] for m in matches if m[0] not in found])
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
