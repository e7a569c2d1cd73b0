"""The first-level category classifier: a replaceable, versioned artefact (style.md, Paperless).

Shape: ``predict(texts) -> list[Prediction | None]``; ``None`` when no model is installed or the
artefact cannot be loaded ("no model → no suggestion", never an error at intake).

Model: hashed TF-IDF of words (jieba) and character n-grams + a calibrated linear SVM
(``build_pipeline``), whose probability is the confidence compared with
``ZHILI_AUTO_DISPATCH_THRESHOLD``.

Artefacts live in ``settings.ZHILI_MODEL_DIR/category/``: ``<version>.skops`` (skops format,
loaded only with the types this module trusts) and ``<version>.json`` (metadata: training-data
hash, metrics, created at); ``current`` names the version in use and is replaced atomically.
"""

import datetime as dt
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger("zhili.routing")

# Types a category artefact may contain; anything else in a file is refused at load.
TRUSTED_TYPES = [
    "sklearn.feature_extraction.text.HashingVectorizer",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.preprocessing._label.LabelEncoder",
    "zhili.routing.text.word_ngrams",
    "zhili.routing.text.no_spaces",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.tuple",
]


@dataclass(frozen=True)
class Prediction:
    """A suggested first-level category name, its probability (0–1), and the model version."""

    label: str
    confidence: float
    model_version: str


# Character n-gram range and SVM regularisation of the fast model, chosen by nested CV on
# fj2_train_segmented (benchmarks/classifier_nested.py, docs/routing.md): every outer fold chose
# 1–2-grams, four of five C 3, among 1–2/1–3-grams × C 0.7/1.5/3. CV macro-F1 0.9235 → 0.9273, fewer
# n-grams to hash: 4.8 instead of 7.5 ms of CPU for a raw message.
CHAR_NGRAMS = (1, 2)
FAST_C = 3.0


def build_features(char_ngrams: tuple[int, int] = CHAR_NGRAMS):
    """Hashed TF-IDF features: words and word pairs (jieba, or the given segmentation) plus
    character n-grams (``char_ngrams``, default 1–2) of the text without spaces; 2^17 buckets
    each, so the artefact holds no vocabulary (small file, millisecond load). Each block is
    L2-normalised (sublinear tf)."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    from .text import no_spaces, word_ngrams

    def hashed(**kwargs):
        return Pipeline([("hash", HashingVectorizer(n_features=2**17, alternate_sign=False, norm=None, **kwargs)),
                         ("tfidf", TfidfTransformer(sublinear_tf=True))])

    return FeatureUnion([
        ("words", hashed(analyzer=word_ngrams)),
        ("chars", hashed(analyzer="char", ngram_range=tuple(char_ngrams), preprocessor=no_spaces)),
    ])


def build_pipeline(C: float = FAST_C):
    """An untrained model: ``build_features`` + a linear SVM whose scores are calibrated into
    probabilities (Platt scaling, 3-fold), so the confidence means what the threshold assumes.
    Stratified 5-fold CV on fj2_train_segmented: see ``zhili evaluate-classifier`` and
    benchmarks/classifier.py for the figures."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    return Pipeline([
        ("features", build_features()),
        # ensemble=False: one SVM fitted on all data, calibrated on 3-fold predictions (one model to
        # keep, not three: a third of the file and of the prediction time).
        ("clf", CalibratedClassifierCV(LinearSVC(C=C), cv=3, method="sigmoid", ensemble=False)),
    ])


def baseline_pipeline():
    """The published baseline for comparison: TF-IDF (word vocabulary) + linear SVM."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    from .text import words

    return Pipeline([("tfidf", TfidfVectorizer(analyzer=words, sublinear_tf=True)), ("clf", LinearSVC())])


def model_dir() -> Path:
    return Path(settings.ZHILI_MODEL_DIR) / "category"


def train(texts: list[str], labels: list[str], *, data_hash: str = "", metrics: dict | None = None,
          metadata: dict | None = None) -> str:
    """Fit a model on (texts, labels), save it as a new version and make it current.

    Returns the version string (UTC timestamp). Raises ValueError when fewer than two classes
    are given.
    """
    if len(set(labels)) < 2:
        raise ValueError("训练数据至少需要两个分类")
    pipeline = build_pipeline()
    pipeline.fit(list(texts), labels)
    version = new_version()
    save(pipeline, version, describe(version, texts, list(pipeline.classes_), data_hash, metrics, metadata))
    return version


def new_version() -> str:
    """A version name: the UTC time to the microsecond (sorts in training order)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def describe(version: str, texts, classes: list, data_hash: str, metrics: dict | None, extra: dict | None) -> dict:
    """The metadata written beside an artefact."""
    return {
        "version": version,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "training_data_sha256": data_hash,
        "n_training_examples": len(texts),
        "classes": [str(c) for c in classes],
        "metrics": metrics or {},
        **(extra or {}),
    }


def save(pipeline, version: str, metadata: dict) -> None:
    """Write the artefact and its metadata, then point ``current`` at it (atomic rename)."""
    _loaded.save(pipeline, version, metadata)


def hash_file(path: Path | str) -> str:
    """SHA-256 of a file's bytes (the training-data hash in the metadata)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ArtefactStore:
    """Versioned artefacts of one model in ``ZHILI_MODEL_DIR/<name>/`` and the one in use by this
    process, reloaded when ``current`` points elsewhere.

    ``get()`` returns (model, version), or (None, None) without a ``current`` pointer or when the
    artefact cannot be loaded: a corrupted file, or one holding a type outside ``trusted``, is
    refused (logged once per version), never an error for the caller.
    """

    def __init__(self, name: str, trusted: list[str], label: str) -> None:
        self.name, self.trusted, self.label = name, trusted, label
        self.lock = threading.Lock()
        self.reset()

    def directory(self) -> Path:
        return Path(settings.ZHILI_MODEL_DIR) / self.name

    def reset(self) -> None:
        self.version: str | None = None
        self.pipeline = None
        self.metadata: dict = {}
        self.failed_version: str | None = None

    def installed(self) -> bool:
        """True when a ``current`` pointer exists (reads one small file; loads nothing)."""
        return (self.directory() / "current").is_file()

    def save(self, model, version: str, metadata: dict) -> None:
        """Write ``<version>.skops`` and ``<version>.json``, then replace ``current`` atomically."""
        import skops.io as sio

        directory = self.directory()
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{version}.skops.tmp"
        sio.dump(model, tmp)
        os.replace(tmp, directory / f"{version}.skops")
        tmp = directory / f".{version}.json.tmp"
        tmp.write_text(json.dumps(metadata, ensure_ascii=False, indent=2), "utf-8")
        os.replace(tmp, directory / f"{version}.json")
        pointer = directory / ".current.tmp"
        pointer.write_text(version, "utf-8")
        os.replace(pointer, directory / "current")
        self.reset()

    def get(self):
        directory = self.directory()
        try:
            version = (directory / "current").read_text("utf-8").strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None, None
        if version == self.version:
            return self.pipeline, self.version
        if version == self.failed_version:
            return None, None
        with self.lock:
            try:
                import skops.io as sio

                path = directory / f"{version}.skops"
                untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in self.trusted]
                if untrusted:
                    raise ValueError(f"模型文件包含不受信任的类型：{untrusted}")
                self.pipeline = sio.load(path, trusted=self.trusted)
                metadata_path = directory / f"{version}.json"
                self.metadata = json.loads(metadata_path.read_text("utf-8")) if metadata_path.exists() else {}
                self.version = version
            except Exception:  # a corrupted or foreign artefact must never break intake
                logger.exception("%s %s 无法载入，不提供分类建议", self.label, version)
                self.failed_version = version
                self.pipeline, self.version = None, None
                return None, None
        return self.pipeline, self.version


_loaded = ArtefactStore("category", TRUSTED_TYPES, "分类模型")


def current_version() -> str | None:
    """The version of the model in use, or None without a (loadable) model."""
    return _loaded.get()[1]


def current_metadata() -> dict:
    _loaded.get()
    return dict(_loaded.metadata)


def predict(texts: list[str]) -> list[Prediction | None]:
    """The most probable first-level category for each text, with its probability.

    Returns a list as long as ``texts``; every item is None when no model is available.
    """
    if not texts:
        return []
    pipeline, version = _loaded.get()
    if pipeline is None:
        return [None] * len(texts)
    probabilities = pipeline.predict_proba(list(texts))
    classes = pipeline.classes_
    best = probabilities.argmax(axis=1)
    return [Prediction(str(classes[i]), float(row[i]), version) for i, row in zip(best, probabilities, strict=True)]
