"""Measuring a category model: train on one file, predict another (or stratified k-fold CV).

Shape of a result: {"macro_f1": float, "accuracy": float, "ms_per_message": float, "n": int,
"per_class": {label: {"precision", "recall", "f1", "support"}}, "model": name}.
``ms_per_message`` is the mean time to classify one message alone (single-message calls, as
the live suggestion and the worker do), on this process's cores; for the accurate model it
includes embedding the message (never read from the embedding cache).
"""

import csv
import io
import time
from collections import Counter
from pathlib import Path

from zhili.datafiles import UnreadableFile, read_text

from . import accurate, classifier

# fast: decides every order at intake; accurate: the worker's refinement (embeddings + TF-IDF);
# baseline: the published TF-IDF + linear SVM.
MODELS = {"fast": classifier.build_pipeline, "accurate": accurate.build_pipeline,
          "baseline": classifier.baseline_pipeline}


class EvaluationInputError(ValueError):
    """A file or column that cannot be used (message in Chinese)."""


def read_labelled(path: Path | str, text_column: str, label_column: str, *, need_labels: bool = True):
    """(texts, labels) from a CSV (optionally .xz/.gz). Rows with an empty text are skipped."""
    try:
        rows = list(csv.DictReader(io.StringIO(read_text(path))))
    except UnreadableFile as exc:
        raise EvaluationInputError(str(exc)) from None
    except UnicodeDecodeError:
        raise EvaluationInputError(f"文件不是 UTF-8 编码：{path}") from None
    except csv.Error as exc:
        raise EvaluationInputError(f"CSV 格式错误（{exc}）：{path}") from None
    if not rows:
        raise EvaluationInputError(f"文件没有数据：{path}")
    for column in (text_column, label_column) if need_labels else (text_column,):
        if column not in rows[0]:
            raise EvaluationInputError(f"{Path(path).name} 缺少列“{column}”；文件的列为：{'、'.join(rows[0])}")
    rows = [r for r in rows if (r[text_column] or "").strip() and (not need_labels or (r[label_column] or "").strip())]
    return [r[text_column] for r in rows], [r.get(label_column, "") for r in rows]


def scores(truth: list[str], predicted: list[str]) -> dict:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "per_class": {label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                              "support": int(s)}
                      for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)},
    }


def time_single(pipeline, texts: list[str], limit: int = 200) -> float:
    """Mean milliseconds to classify one message alone, over up to ``limit`` messages (50 for
    the accurate model, whose embedding cache is switched off for the measurement)."""
    if "cache_dir" in pipeline.get_params():
        pipeline.set_params(cache_dir=None)
        limit = min(limit, 50)
    sample = texts[:limit]
    predict = pipeline.predict_proba if hasattr(pipeline, "predict_proba") else pipeline.predict
    predict(sample[:1])  # warm-up (jieba's dictionary, caches)
    started = time.perf_counter()
    for text in sample:
        predict([text])
    return round((time.perf_counter() - started) * 1000 / max(len(sample), 1), 3)


def train_and_test(train_texts, train_labels, test_texts, test_labels, model: str = "fast") -> dict:
    """Fit ``model`` on the training set and score it on the test set."""
    pipeline = MODELS[model]()
    pipeline.fit(train_texts, train_labels)
    predicted = list(pipeline.predict(test_texts))
    return {**scores(list(test_labels), predicted), "ms_per_message": time_single(pipeline, list(test_texts)),
            "n": len(test_texts), "model": model}


def check_folds(labels, folds: int) -> None:
    """EvaluationInputError unless 2 ≤ ``folds`` ≤ the size of the smallest class."""
    smallest = min(Counter(labels).values()) if labels else 0
    if folds < 2:
        raise EvaluationInputError(f"交叉验证的折数 --folds 至少为 2（收到 {folds}）")
    if folds > smallest:
        raise EvaluationInputError(f"交叉验证的折数 --folds 为 {folds}，但最小的分类只有 {smallest} 条数据："
                                   f"折数不能超过 {smallest}")


def cross_validate(texts, labels, model: str = "fast", folds: int = 5, seed: int = 0) -> dict:
    """Stratified k-fold CV: every message is predicted by a model that did not see it.
    Raises EvaluationInputError for an unusable number of folds (``check_folds``)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    check_folds(labels, folds)
    predicted = list(cross_val_predict(MODELS[model](), texts, labels,
                                       cv=StratifiedKFold(folds, shuffle=True, random_state=seed)))
    pipeline = MODELS[model]().fit(texts[: len(texts) // 2], labels[: len(labels) // 2])
    return {**scores(list(labels), predicted), "ms_per_message": time_single(pipeline, list(texts)),
            "n": len(texts), "model": model, "folds": folds}
