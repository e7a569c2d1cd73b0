"""Hotspots (热点, domain.md §6): requests about the same matter, grouped and ranked by heat.

Method (trained here, on the requests of the window; nothing is downloaded):

1. The window: the requests received in the ``ZHILI_HOTSPOT_WINDOW_DAYS`` days up to the end of
   the month analysed.
2. Text: title (twice, it names the matter) + the first 200 characters of the text + the
   address, as TF-IDF over character 2–3-grams (Chinese needs no word segmentation this way;
   n-grams in more than 30 % of the messages are dropped as boilerplate).
3. Grouping: two messages are linked when their cosine similarity is ≥
   ``ZHILI_HOTSPOT_SIMILARITY`` (radius nearest neighbours) and they are not placed in two
   different subdistricts; linked messages form groups (connected components). Groups whose
   centroids are ≥ ``ZHILI_HOTSPOT_MERGE_SIMILARITY`` alike are merged, repeatedly, and so
   are groups naming the same place (a 小区, road, school …) whose centroids are at least
   ``PLACE_MERGE_SIMILARITY`` alike (the same matter told in different words).
4. A group is a hotspot when at least ``ZHILI_HOTSPOT_MIN_PEOPLE`` different people wrote
   (a requester is known by phone, else name; an anonymous message counts as one person).
5. Heat (``formulas.heat_index``): per person, their heaviest message weighed by recency
   (half-life ``ZHILI_HOTSPOT_HALF_LIFE_DAYS`` before the month's end) and up-votes.
6. For each: time range, place (the place named most often, else the subdistrict), people,
   up-votes and a one-line description (the title nearest the group's centre).

``find_hotspots(period)`` computes and stores a month's run (``HotspotRun``); ``top(period)``
reads it, computing it first when missing.
"""

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import transaction
from django.db.models.functions import Substr
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import normalize

from zhili.requests.models import ServiceRequest
from zhili.requests.privacy import mask_text

from . import formulas
from .models import Hotspot, HotspotRun
from .periods import Period
from .rollups import category_levels

PLACE_MERGE_SIMILARITY = 0.25
KEEP = 20  # hotspots stored per month
MAX_MERGE_ROUNDS = 10

_SUFFIX = (r"(?:小区|新城|花园|家园|公寓|大厦|广场|公园|商城|中心|苑|学校|小学|中学|幼儿园|学院|大学|医院|"
           r"市场|社区|新村|村|大道|大街|路(?![口段灯面边上])|街(?!道))")
_PLACE = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9·]{1,9}?" + _SUFFIX)
# Leading parts that are not the place itself: administrative names and verbs of the request.
_LEADING = re.compile(r"^(?:[A-Z]\d*[省市区县]|[\u4e00-\u9fa5]{2,3}[省市县](?![场民政])|[\u4e00-\u9fa5]{2,3}区(?![域])"
                      r"|[\u4e00-\u9fa5]{2,4}?(?:街道|镇|乡)|关于|投诉|举报|反映|反应|咨询|建议|请求|请问|希望|要求|请|在|对|把|给)")
_NOT_A_NAME = re.compile(r"街道|[我你他她您这那该其今现]|关于|有关|一处|附近|旁边|对面|周边|以及|还有|反[映应]")
_BAD_START = set("市县区省镇乡的了是有在和与及或等于道0123456789一二三四五六七八九十号栋期")
_GENERIC = {"小区", "社区", "学校", "医院", "市场", "公园", "广场", "马路", "新村", "大道", "老小区", "城中村"}


def place_names(text: str) -> set[str]:
    """Candidate names of places in a text: every tail of 3–12 characters of each "…小区 / …路 /
    …学校" phrase ("A市万家丽南路丽发新城居民区" → {"万家丽南路", "家丽南路", …, "丽发新城", "发新城"}).
    A group's place is then the longest candidate most of its messages share (``_dominant_place``)."""
    names = set()
    for match in _PLACE.finditer(text):
        phrase = match.group(0)
        while True:
            stripped = _LEADING.sub("", phrase, count=1)
            if stripped == phrase:
                break
            phrase = stripped
        for start in range(max(len(phrase) - 12, 0), len(phrase) - 2):
            tail = phrase[start:]
            if tail[0] not in _BAD_START and tail not in _GENERIC and not _NOT_A_NAME.search(tail):
                names.add(tail)
    return names


@dataclass
class _Message:
    pk: int
    title: str
    text: str
    person: str
    votes_up: int
    votes_down: int
    at: dt.datetime
    subdistrict: int | None
    subdistrict_name: str
    category: int | None


def _messages(low: dt.datetime, high: dt.datetime) -> list[_Message]:
    rows = (ServiceRequest.objects.filter(received_at__gte=low, received_at__lt=high)
            .annotate(head=Substr("description", 1, 200))
            .values_list("id", "title", "head", "address", "requester_phone", "requester_name", "votes_up",
                         "votes_down", "received_at", "subdistrict_id", "subdistrict__name", "category_id")
            .order_by("received_at", "id"))
    return [_Message(pk, title, f"{title}。{title}。{head} {address}", phone or (f"name:{name}" if name else f"#{pk}"),
                     up, down, at, sub, sub_name or "", category)
            for pk, title, head, address, phone, name, up, down, at, sub, sub_name, category in rows]


def _merge_by_centroid(labels: np.ndarray, vectors, threshold: float) -> np.ndarray:
    for _ in range(MAX_MERGE_ROUNDS):
        _, labels = np.unique(labels, return_inverse=True)
        k = labels.max() + 1
        membership = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
        centroids = normalize(membership @ vectors)
        merged, new = connected_components(sp.csr_matrix((centroids @ centroids.T) >= threshold), directed=False)
        if merged == k:
            break
        labels = new[labels]
    return labels


def _merge_by_place(labels: np.ndarray, vectors, messages: list[_Message]) -> np.ndarray:
    """Merge groups that share a place name and whose centroids are alike."""
    _, labels = np.unique(labels, return_inverse=True)
    members = defaultdict(list)
    for i, label in enumerate(labels):
        members[label].append(i)
    by_place = defaultdict(list)
    for label, idx in members.items():
        for place in _shared_places([messages[i] for i in idx]):
            by_place[place].append(label)
    k = labels.max() + 1
    membership = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    centroids = normalize(membership @ vectors)
    parent = list(range(k))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group_labels in by_place.values():
        for a in group_labels:
            for b in group_labels:
                if a < b and (centroids[a] @ centroids[b].T)[0, 0] >= PLACE_MERGE_SIMILARITY:
                    parent[find(b)] = find(a)
    return np.array([find(label) for label in labels])


def _shared_places(group: list[_Message]) -> dict[str, int]:
    """Place names shared by at least two messages of the group and a third of them (for a single
    message: the places it names) → count."""
    counts: Counter = Counter()
    for message in group:
        counts.update(place_names(message.title) or place_names(message.text[:120]))
    needed = 1 if len(group) == 1 else max(2, -(-len(group) // 3))
    return {name: n for name, n in counts.items() if n >= needed}


def _dominant_place(group: list[_Message]) -> str:
    """The longest of the place names shared by the most messages of the group, or ""."""
    shared = _shared_places(group) if len(group) > 1 else {}
    return max((n, len(name), name) for name, n in shared.items())[2] if shared else ""


def group_messages(messages: list[_Message]) -> list[list[int]]:
    """Indices of the messages grouped by matter (every message in exactly one group)."""
    if len(messages) < 2:
        return [[i] for i in range(len(messages))]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=2, max_df=0.3, sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform([m.text for m in messages])
    except ValueError:  # every n-gram pruned: nothing in common
        return [[i] for i in range(len(messages))]
    link = settings.ZHILI_HOTSPOT_SIMILARITY
    graph = NearestNeighbors(metric="cosine", radius=1 - link, algorithm="brute").fit(vectors) \
        .radius_neighbors_graph(vectors, mode="connectivity").tocoo()
    places = np.array([m.subdistrict or 0 for m in messages])
    a, b = places[graph.row], places[graph.col]
    keep = (a == 0) | (b == 0) | (a == b)
    graph = sp.csr_matrix((graph.data[keep], (graph.row[keep], graph.col[keep])), shape=graph.shape)
    _, labels = connected_components(graph, directed=False)
    labels = _merge_by_centroid(labels, vectors, settings.ZHILI_HOTSPOT_MERGE_SIMILARITY)
    labels = _merge_by_place(labels, vectors, messages)
    groups = defaultdict(list)
    for i, label in enumerate(labels):
        groups[label].append(i)
    return list(groups.values())


def _central(group: list[_Message]) -> _Message:
    """The message nearest the group's centre: its title shares most character bigrams with the
    others' (its title is the group's one-line description)."""
    if len(group) == 1:
        return group[0]
    grams = [Counter(m.title[i:i + 2] for i in range(len(m.title) - 1)) for m in group]
    total = sum(grams, Counter())
    best = max(range(len(group)), key=lambda i: (sum(min(c, total[g] - c) for g, c in grams[i].items()), -len(group[i].title)))
    return group[best]


def find_hotspots(period: Period) -> HotspotRun:
    """Compute and store the hotspots of ``period`` (a month): replaces the month's earlier run."""
    high = period.bounds()[1]
    low = high - dt.timedelta(days=settings.ZHILI_HOTSPOT_WINDOW_DAYS)
    messages = _messages(low, high)
    half_life = settings.ZHILI_HOTSPOT_HALF_LIFE_DAYS
    levels = category_levels()
    candidates = []
    for idx in group_messages(messages):
        group = [messages[i] for i in idx]
        by_person = defaultdict(list)
        for m in group:
            age = (high - m.at).total_seconds() / 86400
            by_person[m.person].append(formulas.message_heat(age, m.votes_up, m.votes_down, half_life))
        if len(by_person) < settings.ZHILI_HOTSPOT_MIN_PEOPLE:
            continue
        subdistricts = Counter(m.subdistrict_name for m in group if m.subdistrict_name)
        categories = Counter(levels.get(m.category, (None,))[0] for m in group if m.category)
        group.sort(key=lambda m: (m.at, m.pk))
        central = _central(group)
        candidates.append({
            "heat": formulas.heat_index(by_person), "description": mask_text(central.title)[:200],
            "place": (_dominant_place(group) or (subdistricts.most_common(1)[0][0] if subdistricts else ""))[:100],
            "category1_id": categories.most_common(1)[0][0] if categories else None,
            "requests": len(group), "people": len(by_person), "votes_up": sum(m.votes_up for m in group),
            "first_at": group[0].at, "last_at": group[-1].at,
            "subdistricts": "、".join(name for name, _ in subdistricts.most_common(3))[:200],
            "representative_id": central.pk, "member_ids": [m.pk for m in group],
        })
    candidates.sort(key=lambda c: (-c["heat"], -c["people"], c["first_at"]))
    with transaction.atomic():
        HotspotRun.objects.filter(month=period.start).delete()
        run = HotspotRun.objects.create(
            month=period.start, window_start=low, window_end=high, analysed=len(messages),
            parameters={"window_days": settings.ZHILI_HOTSPOT_WINDOW_DAYS, "half_life_days": half_life,
                        "similarity": settings.ZHILI_HOTSPOT_SIMILARITY,
                        "merge_similarity": settings.ZHILI_HOTSPOT_MERGE_SIMILARITY,
                        "min_people": settings.ZHILI_HOTSPOT_MIN_PEOPLE})
        Hotspot.objects.bulk_create([Hotspot(run=run, rank=i + 1, **c) for i, c in enumerate(candidates[:KEEP])])
    return run


def window_size(period: Period) -> int:
    high = period.bounds()[1]
    low = high - dt.timedelta(days=settings.ZHILI_HOTSPOT_WINDOW_DAYS)
    return ServiceRequest.objects.filter(received_at__gte=low, received_at__lt=high).count()


def top(period: Period, n: int = 5, *, inline_limit: int | None = None) -> list[Hotspot]:
    """The ``n`` hottest matters of a month. A month without a stored run is computed now when its
    window holds at most ``inline_limit`` requests (None: always); a larger one is marked
    "deferred" (an empty run, ``parameters["deferred"]``) for the worker or ``zhili
    find-hotspots`` to compute, and gives [] until then."""
    run = HotspotRun.objects.filter(month=period.start).first()
    if run is None or (inline_limit is None and run.parameters.get("deferred")):
        size = window_size(period) if inline_limit is not None else 0
        if inline_limit is not None and size > inline_limit:
            high = period.bounds()[1]
            HotspotRun.objects.get_or_create(month=period.start, defaults={
                "window_start": high - dt.timedelta(days=settings.ZHILI_HOTSPOT_WINDOW_DAYS), "window_end": high,
                "analysed": 0, "parameters": {"deferred": True, "requests": size}})
            return []
        run = find_hotspots(period)
    return list(run.hotspots.select_related("category1", "run").order_by("rank")[:n])


def is_deferred(period: Period) -> bool:
    """True while a month's hotspots wait for the worker (too many requests to compute in a page)."""
    return HotspotRun.objects.filter(month=period.start, parameters__deferred=True).exists()


def members(hotspot: Hotspot, n: int) -> list[tuple[str, str]]:
    """(number, title with phone and ID numbers masked) of the first ``n`` requests of a hotspot, in time order."""
    ids = hotspot.member_ids[:n]
    found = {pk: (number, mask_text(title)) for pk, number, title in
                 ServiceRequest.objects.filter(pk__in=ids).values_list("id", "number", "title")}
    return [found[pk] for pk in ids if pk in found]
