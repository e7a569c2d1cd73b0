"""Loading the category tree from a CSV with the columns 一级分类, 二级分类, 三级分类."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from zhili.datafiles import read_text

from .models import Category

LEVEL_COLUMNS = ("一级分类", "二级分类", "三级分类")


@dataclass
class LoadResult:
    created: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.unchanged


@transaction.atomic
def load_taxonomy(path: Path | str) -> LoadResult:
    """Create every node named in the file that does not exist yet; never changes or deletes one.

    Nodes are matched by (parent, name). A new node gets the next free two-digit code under its
    parent, in the file's order, so loading the same file into an empty database always gives
    the same codes. Raises ValueError (in Chinese, naming the column) on a missing column.
    """
    rows = list(csv.DictReader(io.StringIO(read_text(path))))
    if rows:
        missing = [c for c in LEVEL_COLUMNS if c not in rows[0]]
        if missing:
            raise ValueError(f"分类文件缺少列：{'、'.join(missing)}")
    existing = {(c.parent_id, c.name): c for c in Category.objects.all()}
    result = LoadResult()
    seen: set[int] = set()
    for row in rows:
        parent = None
        for level, column in enumerate(LEVEL_COLUMNS, start=1):
            name = (row.get(column) or "").strip()
            if not name:
                break
            key = (parent.pk if parent else None, name)
            node = existing.get(key)
            if node is None:
                siblings = [c for (pid, _), c in existing.items() if pid == key[0]]
                used = {int(c.code[-2:]) for c in siblings}
                number = max(used, default=0) + 1
                if number > 99:
                    raise ValueError(f"分类“{name}”的同级节点超过 99 个，无法编码")
                code = (parent.code if parent else "") + f"{number:02d}"
                node = Category.objects.create(code=code, name=name, level=level, parent=parent)
                existing[key] = node
                result.created += 1
            elif node.pk not in seen:
                result.unchanged += 1
            seen.add(node.pk)
            parent = node
    return result
