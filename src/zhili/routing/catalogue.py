"""Loading the dispatch catalogue (派单目录) from a CSV.

Columns: 一级分类, 二级分类, 三级分类 (a category path; empty trailing levels mean the rule
covers the whole branch), 主办单位 (a unit code, or 属地 for a territorial rule), 说明.
Idempotent: a rule is matched by (category, no area) and updated only when it differs.
"""

import csv
import io
from pathlib import Path

from django.db import transaction

from zhili.datafiles import read_text
from zhili.organisation.models import Unit
from zhili.taxonomy.models import Category

from .models import DispatchRule

TERRITORIAL = "属地"


@transaction.atomic
def load_catalogue(path: Path | str) -> dict[str, int]:
    """Create or update one district-wide rule per row. Returns counts {created, updated, unchanged}.

    Raises ValueError in Chinese naming the row and column when a category path or unit code is
    unknown; nothing is stored then.
    """
    rows = list(csv.DictReader(io.StringIO(read_text(path))))
    categories = {}
    for c in Category.objects.select_related("parent", "parent__parent"):
        categories[tuple(n.name for n in reversed(c.ancestors_and_self()))] = c
    units = {u.code: u for u in Unit.objects.all()}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for number, row in enumerate(rows, start=2):
        names = tuple(n.strip() for n in (row.get("一级分类"), row.get("二级分类"), row.get("三级分类")) if n and n.strip())
        category = categories.get(names)
        if category is None:
            raise ValueError(f"{Path(path).name} 第 {number} 行 分类列：分类“{' / '.join(names)}”不存在（请先载入分类）")
        target = (row.get("主办单位") or "").strip()
        territorial = target == TERRITORIAL
        unit = None if territorial else units.get(target)
        if not territorial and unit is None:
            raise ValueError(f"{Path(path).name} 第 {number} 行 主办单位列：单位代码“{target}”不存在")
        values = {"territorial": territorial, "lead_unit": unit, "note": (row.get("说明") or "").strip()}
        rule = DispatchRule.objects.filter(category=category, area__isnull=True).first()
        if rule is None:
            DispatchRule.objects.create(category=category, area=None, **values)
            counts["created"] += 1
        elif any(getattr(rule, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(rule, k, v)
            rule.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts
