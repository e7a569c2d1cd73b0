"""Direct unit prediction (text → responsible agency) as a second opinion beside the dispatch
catalogue. Evaluated on the Kaohsiung FAQ questions labelled with the answering agency
(data/kaohsiung-faq-agency/, Traditional Chinese, 33 agencies): the only public Chinese set
whose label is the responsible agency.

Model: TF-IDF character 1–3-grams + linear SVM; the ranking of its decision scores gives the
top-3 agencies.
"""

import numpy as np


def build_pipeline():
    """An untrained text → agency model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    from .text import no_spaces

    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=no_spaces)),
        ("clf", LinearSVC(C=0.5)),
    ])


def top_k(pipeline, texts: list[str], k: int = 3) -> list[list[str]]:
    """The ``k`` most likely agencies for each text, best first."""
    scores = pipeline.decision_function(texts)
    order = np.argsort(-scores, axis=1)[:, :k]
    return [[str(pipeline.classes_[i]) for i in row] for row in order]


def cross_validate(texts: list[str], labels: list[str], folds: int = 5, seed: int = 0) -> dict:
    """Stratified k-fold CV: {"macro_f1", "accuracy", "top3_accuracy", "n", "classes"}.

    Agencies with fewer examples than folds are kept (sklearn warns; they are scored all the same).
    """
    import warnings

    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    texts, labels = np.asarray(texts, dtype=object), np.asarray(labels, dtype=object)
    predicted = np.empty(len(labels), dtype=object)
    hits = np.zeros(len(labels), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels))
    for train, test in splits:
        model = build_pipeline().fit(list(texts[train]), list(labels[train]))
        ranked = top_k(model, list(texts[test]))
        predicted[test] = [r[0] for r in ranked]
        hits[test] = [label in r for label, r in zip(labels[test], ranked, strict=True)]
    return {"macro_f1": round(float(f1_score(labels, predicted, average="macro", zero_division=0)), 4),
            "accuracy": round(float(accuracy_score(labels, predicted)), 4),
            "top3_accuracy": round(float(hits.mean()), 4), "n": int(len(labels)),
            "classes": int(len(set(labels))), "folds": folds}
