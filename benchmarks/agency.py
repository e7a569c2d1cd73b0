"""Direct unit prediction on the Kaohsiung FAQ set: stratified 5-fold CV, macro-F1 and top-3.

Run from a clean clone:  make install && .venv/bin/python benchmarks/agency.py
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("ZHILI_DATA_DIR", str(ROOT / "data"))

import django  # noqa: E402

django.setup()

from zhili.datafiles import data_path  # noqa: E402
from zhili.routing.agency import cross_validate  # noqa: E402
from zhili.routing.evaluation import read_labelled  # noqa: E402

if __name__ == "__main__":
    texts, labels = read_labelled(data_path("kaohsiung-faq-agency/kaohsiung_faq_agency_train.csv"),
                                  "CaseContent", "OrganName")
    print(json.dumps({"evaluation": "5-fold CV on kaohsiung_faq_agency_train", **cross_validate(texts, labels)},
                     ensure_ascii=False))
