"""How the fast model's character n-grams and C were chosen, without the evaluation folds: nested
CV on fj2_train_segmented. Outer: the stratified 5 folds of ``zhili evaluate-classifier``
(seed 0). Inner: 3-fold CV on each outer training part chooses among character 1–2 or 1–3-grams
× C 0.7, 1.5, 3 (uncalibrated linear SVMs on ``classifier.build_features``); the choice is fitted
on the outer training part and predicts the outer test fold. Prints each fold's choice and inner
scores, then the nested macro-F1 of the whole procedure (docs/routing.md). ≈ 10–20 minutes.

Run:  .venv/bin/python benchmarks/classifier_nested.py
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
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from zhili.datafiles import data_path  # noqa: E402
from zhili.routing import classifier  # noqa: E402
from zhili.routing.evaluation import read_labelled  # noqa: E402

CHARS = [(1, 2), (1, 3)]
CS = [0.7, 1.5, 3.0]


def main() -> None:
    texts, labels = read_labelled(data_path("tipdm2020c/fj2_train_segmented.csv"), "分词文本", "一级分类")
    y = np.array(labels)
    counts = {}  # hashing is stateless: count once per feature set, fit TF-IDF per fold
    for chars in CHARS:
        hashers = [p.steps[0][1] for _, p in classifier.build_features(chars).transformer_list]
        counts[chars] = [h.transform(texts) for h in hashers]

    def features(chars, train, test):
        blocks = [TfidfTransformer(sublinear_tf=True).fit(c[train]) for c in counts[chars]]
        return [sparse.hstack([b.transform(c[rows]) for b, c in zip(blocks, counts[chars], strict=True)]).tocsr()
                for rows in (train, test)]

    nested = np.empty(len(y), dtype=object)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y):
        inner = list(StratifiedKFold(3, shuffle=True, random_state=0).split(train, y[train]))
        found = {}
        for chars in CHARS:
            predicted = {c: np.empty(len(train), dtype=object) for c in CS}
            for fit, held in inner:
                x_fit, x_held = features(chars, train[fit], train[held])
                for c in CS:
                    predicted[c][held] = LinearSVC(C=c).fit(x_fit, y[train][fit]).predict(x_held)
            for c in CS:
                found[(chars, c)] = f1_score(y[train], predicted[c], average="macro")
        chars, c = max(found, key=found.get)
        x_train, x_test = features(chars, train, test)
        nested[test] = LinearSVC(C=c).fit(x_train, y[train]).predict(x_test)
        print("chosen", chars, c, {f"{k[0]} C{k[1]}": round(v, 4) for k, v in found.items()}, flush=True)
    print(f"nested macro-F1 {f1_score(y, nested, average='macro'):.4f}")


if __name__ == "__main__":
    main()
