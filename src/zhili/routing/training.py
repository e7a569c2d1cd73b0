"""Training the category model from the shipped data plus dispatchers' corrections, and the
periodic retraining that runs only when there is something new to learn (Paperless' habit)."""

import logging

from django.db.models import Max

from zhili.datafiles import data_path

from . import classifier
from .evaluation import read_labelled
from .models import CategoryCorrection

logger = logging.getLogger("zhili.routing")

BASE_DATA = "tipdm2020c/fj2_train_segmented.csv"


def correction_examples() -> tuple[list[str], list[str], int]:
    """(texts, first-level labels, highest correction id) from every stored correction."""
    texts, labels, last = [], [], 0
    for correction in CategoryCorrection.objects.select_related("corrected__parent__parent").order_by("pk"):
        texts.append(correction.text)
        labels.append(correction.corrected.ancestors_and_self()[-1].name)
        last = correction.pk
    return texts, labels, last


def train_category_model(path=None, text_column: str = "分词文本", label_column: str = "一级分类",
                         limit: int | None = None) -> str:
    """Train on the base file and every correction; install it as current. Returns the version.

    The metadata records the base file's hash and the last correction id learned from.
    Raises EvaluationInputError for an unusable file, ValueError for fewer than two classes.
    """
    source = path or data_path(BASE_DATA)
    texts, labels = read_labelled(source, text_column, label_column)
    if limit:
        texts, labels = texts[:limit], labels[:limit]
    extra_texts, extra_labels, last_correction = correction_examples()
    return classifier.train(texts + extra_texts, labels + extra_labels, data_hash=classifier.hash_file(source),
                            metadata={"n_corrections": len(extra_texts), "last_correction_id": last_correction})


def retrain_if_changed() -> str | None:
    """Retrain when corrections arrived since the current model was trained (or no model exists).
    Returns the new version, or None when nothing changed."""
    latest = CategoryCorrection.objects.aggregate(m=Max("pk"))["m"] or 0
    current = classifier.current_metadata()
    if classifier.current_version() and current.get("last_correction_id", 0) >= latest:
        return None
    version = train_category_model()
    logger.warning("分类模型已重新训练：%s（修正样本至 #%s）", version, latest)
    return version
