"""Category classifier on the shipped data: Zhili's model beside the TF-IDF + linear SVM baseline.

Prints, for each model, stratified 5-fold CV on data/tipdm2020c/fj2_train_segmented.csv.xz
(macro-F1, accuracy, ms per single message) and the same models trained on all of it and tested
on fj2_sample_labeled (raw, unsegmented messages as they arrive). One JSON line per result.

Run from a clean clone:  make install && .venv/bin/python benchmarks/classifier.py
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("ZHILI_DATA_DIR", str(ROOT / "data"))

import django  # noqa: E402

django.setup()

from zhili.datafiles import data_path  # noqa: E402
from zhili.routing.evaluation import cross_validate, read_labelled, train_and_test  # noqa: E402


def main() -> None:
    texts, labels = read_labelled(data_path("tipdm2020c/fj2_train_segmented.csv"), "分词文本", "一级分类")
    sample = read_labelled(data_path("tipdm2020c/fj2_sample_labeled.csv"), "留言详情", "一级分类")
    for model in ("baseline", "fast"):
        started = time.perf_counter()
        result = cross_validate(texts, labels, model)
        result["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps({"evaluation": "5-fold CV on fj2_train_segmented", **result}, ensure_ascii=False))
        result = train_and_test(texts, labels, *sample, model)
        print(json.dumps({"evaluation": "train fj2_train_segmented → test fj2_sample_labeled (raw text)",
                          **{k: v for k, v in result.items() if k != "per_class"}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
