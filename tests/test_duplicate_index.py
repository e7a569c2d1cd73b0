"""The per-process duplicate index (``zhili.routing.duplicates``): rows committed out of id order
are not missed, rows are indexed once, and rows that left the window or were closed, merged or
declined are evicted."""

import datetime as dt

import pytest
from django.db.models import Max
from django.utils import timezone

from zhili.organisation.models import Unit
from zhili.requests.models import ServiceRequest
from zhili.routing import duplicates
from zhili.routing.duplicates import DuplicateIndex, text_of

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
TEXTS = ["解放路小区门口路灯一个月不亮，晚上很危险", "某小学违规收取补课费用，请教育局查处", "龙洞街道工地夜间施工噪音扰民"]


def indexed(request_id) -> bool:
    return request_id in duplicates._shared.index.ids.tolist()


def store(pk=None, received_at=None, text="解放路小区门口路灯不亮，晚上很危险，请修理。"):
    """A request row written directly (as a late-committing transaction would leave it)."""
    return ServiceRequest.objects.create(pk=pk, title="路灯", description=text,
                                         received_at=received_at or timezone.now())


# --- the index itself (no database) -------------------------------------------------------------

def test_removing_rows_keeps_vectors_aligned_with_their_ids():
    index = DuplicateIndex()
    index.add([1, 2, 3], [text_of("", t) for t in TEXTS], [NOW] * 3, [None] * 3)
    assert index.remove([2, 99]) == 1
    assert index.ids.tolist() == [1, 3] and 2 not in index
    best = index.query(text_of("", TEXTS[2]), received_at=NOW, window_days=90)
    assert best[0][0] == 3 and best[0][1] > 0.9
    assert [i for i, _ in index.query(text_of("", TEXTS[1]), received_at=NOW, window_days=90)] == []


def test_an_id_is_indexed_once():
    index = DuplicateIndex()
    index.add([1, 2], [text_of("", t) for t in TEXTS[:2]], [NOW] * 2, [None] * 2)
    index.add([2, 3, 3], [text_of("", t) for t in (TEXTS[1], TEXTS[2], TEXTS[2])], [NOW] * 3, [None] * 3)
    assert index.ids.tolist() == [1, 2, 3]
    assert index.matrix.shape[0] == index.counts.shape[0] == 3


def test_rows_received_before_a_moment_are_evicted():
    index = DuplicateIndex()
    index.add([1, 2, 3], [text_of("", t) for t in TEXTS], [NOW - dt.timedelta(days=d) for d in (200, 10, 1)],
              [None] * 3)
    assert index.evict_before(NOW - dt.timedelta(days=120)) == 1
    assert index.ids.tolist() == [2, 3]
    assert index.evict_before(NOW) == 2 and len(index) == 0 and index.query("路灯", received_at=NOW,
                                                                            window_days=90) == []


# --- the shared index over the database ---------------------------------------------------------

@pytest.mark.django_db
def test_a_row_committed_after_a_higher_id_is_not_missed():
    """GIVEN the index is up to date, WHEN id N+10 is visible before id N+5 (N+5's transaction
    committed later, as happens on PostgreSQL), THEN N+5 is still read on a later call."""
    duplicates._shared.refresh()
    top = ServiceRequest.objects.aggregate(top=Max("pk"))["top"] or 0
    later = store(pk=top + 10)
    duplicates._shared.refresh()
    assert indexed(later.pk)
    earlier = store(pk=top + 5, text="龙洞街道工地夜间施工噪音扰民，凌晨还在施工。")
    duplicates._shared.refresh()
    assert indexed(earlier.pk)
    found = duplicates.find_duplicates("工地噪音", "龙洞街道工地夜间施工噪音扰民，凌晨两点还在施工。")
    assert earlier.pk in [c.request_id for c in found]


@pytest.mark.django_db
def test_rows_are_indexed_once_however_often_they_are_read(make_request):
    for _ in range(3):
        make_request()
        duplicates._shared.refresh()
    ids = duplicates._shared.index.ids.tolist()
    assert len(ids) == len(set(ids)) >= 3


@pytest.mark.django_db
def test_rows_that_left_the_window_are_evicted(monkeypatch):
    now = timezone.now()
    old = store(received_at=now - dt.timedelta(days=100))
    duplicates._shared.refresh(now)
    assert indexed(old.pk)
    monkeypatch.setattr(duplicates._Shared, "EVICT_EVERY_SECONDS", 0.0)
    duplicates._shared.refresh(now + dt.timedelta(days=30))
    assert not indexed(old.pk)


@pytest.mark.django_db
def test_merged_and_declined_requests_are_evicted(make_request, user):
    primary, duplicate, declined = make_request(), make_request(), make_request()
    duplicates._shared.refresh()
    assert all(indexed(r.pk) for r in (primary, duplicate, declined))
    from zhili.workflow import actions

    actions.merge(duplicate, primary, actor=user("operator"))
    actions.decline(declined, "repeated", actor=user("operator"))
    duplicates._shared.refresh()
    assert indexed(primary.pk)
    assert not indexed(duplicate.pk) and not indexed(declined.pk)


def test_queries_from_other_threads_never_see_a_half_updated_index():
    """gthread workers: one thread queries while another adds and removes rows. Without the
    shared lock around the query, arrays of different lengths meet (ValueError) in about a
    second; with it, every query succeeds."""
    import random
    import threading
    import time

    from zhili.routing import duplicates

    now = dt.datetime.now(dt.UTC)
    words = ["路灯", "噪音", "施工", "物业", "停车", "垃圾", "学校", "收费", "供暖", "漏水"]
    rng = random.Random(1)

    def text():
        return "".join(rng.choice(words) for _ in range(8))

    shared = duplicates._Shared()
    shared.index.add(list(range(1, 2001)), [text() for _ in range(2000)], [now] * 2000, [1] * 2000)
    errors, stop, next_id = [], time.monotonic() + 2.0, [2001]

    def writer():
        while time.monotonic() < stop:
            ids = list(range(next_id[0], next_id[0] + 20))
            next_id[0] += 20
            with shared.lock:
                shared.index.add(ids, ["物业收费" for _ in ids], [now] * 20, [1] * 20)
            shared.forget(ids[:10])

    def reader():
        while time.monotonic() < stop:
            try:
                shared.query("物业收费噪音", received_at=now, window_days=90, area=1, limit=20)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db
def test_the_intake_offers_near_duplicates_but_not_weak_matches(make_request):
    """GIVEN an open order about a school's fees and one about broken street lights, WHEN a call about
    square-dance noise comes in, THEN nothing is offered (its best match scores under
    OFFER_MIN_SCORE), while a second call about the same school's fees is offered the first."""
    jiefanglu = Unit.objects.get(code="370102001")
    fees = make_request("小学乱收费", "解放路街道某小学要求家长缴纳额外的辅导费和资料费。", subdistrict=jiefanglu)
    make_request("小区路灯不亮", "小区内路灯坏了很久，晚上出行不便，影响居民休息。", subdistrict=jiefanglu)
    noise = duplicates.find_duplicates("广场舞噪音扰民", "小区广场上每晚跳广场舞，音响声音太大，影响休息。")
    weak = duplicates._shared.query(text_of("广场舞噪音扰民", "小区广场上每晚跳广场舞，音响声音太大，影响休息。"),
                                    received_at=timezone.now(), window_days=90, limit=5)
    assert weak and all(score < duplicates.OFFER_MIN_SCORE for _, score in weak)  # found, but weak
    assert noise == []
    # In the same subdistrict too: the bonus for the place does not lift a weak text over the bar.
    assert duplicates.find_duplicates("广场舞噪音扰民", "小区广场上每晚跳广场舞，音响声音太大，影响休息。",
                                      subdistrict_id=jiefanglu.pk) == []
    same = duplicates.find_duplicates("学校乱收费", "解放路街道某小学要求家长交辅导费和资料费，请查处。")
    assert [c.request_id for c in same][:1] == [fees.pk] and same[0].score >= duplicates.OFFER_MIN_SCORE
