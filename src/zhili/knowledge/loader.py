"""Loading knowledge-base articles from a CSV (columns 标题, 分类, 提供单位, 内容).

``load_articles(path, demo=False)`` creates the articles that are new (matched by title),
updates those whose text, category or unit changed, and never deletes or deactivates one.
Running it twice changes nothing the second time. ``demo=True`` marks every body with
``DEMO_NOTE`` so demo answers are never mistaken for verified ones.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from zhili.datafiles import read_text
from zhili.organisation.models import Unit
from zhili.taxonomy.models import Category

from .models import KnowledgeArticle

COLUMNS = ("标题", "分类", "提供单位", "内容")
DEMO_FILE = Path(__file__).resolve().parent / "fixtures" / "knowledge_demo.csv"
DEMO_NOTE = "（演示内容：由 Zhili 开发者根据公开规定编写，未经主管部门核实，具体以最新公布为准。）"


@dataclass
class LoadResult:
    """How many articles a load created, changed, and found as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _category(path: str, row_number: int) -> Category | None:
    """The category named by "一级/二级/三级" (names from the top), or None for an empty cell."""
    names = [n.strip() for n in path.split("/") if n.strip()]
    if not names:
        return None
    node = Category.at_path(names)
    if node is None:
        raise ValueError(f"第 {row_number} 行：分类“{path}”不存在（请先运行 zhili load-taxonomy）")
    return node


def _unit(code: str, row_number: int) -> Unit | None:
    """The unit with that code, or None for an empty cell."""
    code = code.strip()
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValueError(f"第 {row_number} 行：单位代码“{code}”不存在（请先运行 zhili load-district）")
    return unit


@transaction.atomic
def load_articles(path: Path | str, *, demo: bool = False) -> LoadResult:
    """Load the file (see the module docstring). Raises ValueError in Chinese, naming the row,
    for a missing column, an empty title or body, an unknown category or unit; nothing is
    stored then (one transaction)."""
    rows = list(csv.DictReader(io.StringIO(read_text(path))))
    if rows:
        missing = [c for c in COLUMNS if c not in rows[0]]
        if missing:
            raise ValueError(f"知识库文件缺少列：{'、'.join(missing)}")
    result = LoadResult()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        title = (row["标题"] or "").strip()
        body = (row["内容"] or "").strip()
        if not title or not body:
            raise ValueError(f"第 {number} 行：标题和内容不能为空")
        if demo and DEMO_NOTE not in body:
            body = f"{body}\n{DEMO_NOTE}"
        fields = {"body": body, "category": _category(row["分类"] or "", number),
                  "owner_unit": _unit(row["提供单位"] or "", number)}
        article = KnowledgeArticle.objects.filter(title=title[:200]).first()
        if article is None:
            KnowledgeArticle.objects.create(title=title[:200], **fields)
            result.created += 1
        elif any(getattr(article, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(article, name, value)
            article.save()
            result.updated += 1
        else:
            result.unchanged += 1
    return result
