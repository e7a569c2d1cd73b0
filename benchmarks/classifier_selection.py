"""How the accurate category model was chosen: stratified 5-fold CV (seed 0) on the first N
messages of fj2_train_segmented whose embedding is cached, the same folds for every option,
uncalibrated linear SVMs (the shipped models add Platt calibration). Prints one line per option,
best first. See docs/routing.md for the figures.

Run after the embeddings are cached (`zhili train-classifier --model accurate`, or
benchmarks/classifier.py):  .venv/bin/python benchmarks/classifier_selection.py [N]
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("ZHILI_DATA_DIR", str(ROOT / "data"))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from zhili.datafiles import data_path  # noqa: E402
from zhili.routing import classifier, embeddings  # noqa: E402
from zhili.routing.evaluation import read_labelled  # noqa: E402


def main() -> None:
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else None
    texts, labels = read_labelled(data_path("tipdm2020c/fj2_train_segmented.csv"), "分词文本", "一级分类")
    texts, labels = texts[:limit], np.array(labels[:limit])
    vectors = embeddings.cached_embed(texts, embeddings.default_cache_dir())
    hashers = [pipeline.steps[0][1] for _, pipeline in classifier.build_features().transformer_list]
    counts = [hasher.transform(texts) for hasher in hashers]  # stateless; TF-IDF is fitted per fold
    predicted: dict[str, np.ndarray] = {}

    def keep(name, test, values):
        predicted.setdefault(name, np.empty(len(labels), dtype=object))[test] = values

    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        blocks = [TfidfTransformer(sublinear_tf=True).fit(c[train]) for c in counts]
        x_train = sparse.hstack([b.transform(c[train]) for b, c in zip(blocks, counts, strict=True)]).tocsr()
        x_test = sparse.hstack([b.transform(c[test]) for b, c in zip(blocks, counts, strict=True)]).tocsr()
        svm = LinearSVC(C=0.7).fit(x_train, labels[train])
        scores = svm.decision_function(x_test)
        keep("fast features, SVM C 0.7", test, svm.classes_[scores.argmax(1)])
        lr = LogisticRegression(C=10.0, max_iter=2000).fit(vectors[train], labels[train])
        keep("embedding alone, LR C 10", test, lr.predict(vectors[test]))
        embedding_svm = LinearSVC(C=1.0).fit(vectors[train], labels[train])
        fused = scores + 0.3 * embedding_svm.decision_function(vectors[test])
        keep("late fusion 0.3", test, svm.classes_[fused.argmax(1)])
        for weight in (1.0, 1.5, 2.0):
            z_train = sparse.hstack([x_train, sparse.csr_matrix(vectors[train] * weight)]).tocsr()
            z_test = sparse.hstack([x_test, sparse.csr_matrix(vectors[test] * weight)]).tocsr()
            for c in (1.0, 2.0):
                model = LinearSVC(C=c).fit(z_train, labels[train])
                keep(f"concatenation × {weight}, C {c}", test, model.predict(z_test))
    results = {name: f1_score(labels, values.astype(str), average="macro") for name, values in predicted.items()}
    for name, value in sorted(results.items(), key=lambda item: -item[1]):
        print(f"{value:.4f}  {name}  (n={len(texts)})")


if __name__ == "__main__":
    main()
