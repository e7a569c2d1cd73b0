"""Loading a district's units: subdistricts and communities (NBS codes) and departments.

Every loader is idempotent: units are matched by code and only created or updated when a
field differs; nothing is deleted.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from zhili.datafiles import read_text

from .models import PlaceAlias, Unit, UnitKind


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_kind: dict = field(default_factory=dict)


def _read(path: Path | str, required: set[str]) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(read_text(path))))
    if rows:
        missing = required - set(rows[0])
        if missing:
            raise ValueError(f"{Path(path).name} 缺少列：{'、'.join(sorted(missing))}")
    return rows


def _upsert(result: LoadResult, code: str, **values) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        unit = Unit(code=code, **values)
        unit.save()
        result.created += 1
    elif any(getattr(unit, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(unit, k, v)
        unit.save()
        result.updated += 1
    else:
        result.unchanged += 1
    result.by_kind[unit.kind] = result.by_kind.get(unit.kind, 0) + 1
    return unit


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)] + ("社区" if suffix.startswith("社区") else "")
    return name


@transaction.atomic
def load_units(*, district_code: str, district_name: str, streets: Path, communities: Path,
               departments: Path) -> LoadResult:
    """Load the district, its subdistricts (streets.csv: code,name), communities
    (communities.csv: code,name,streetCode) and departments/enterprises
    (departments.csv: code,name,short_name,kind). Raises ValueError (Chinese, naming the file and
    row) on a missing column, an unknown kind or a community whose subdistrict is missing."""
    result = LoadResult()
    district = _upsert(result, district_code, name=district_name, short_name="", kind=UnitKind.DISTRICT,
                       parent=None)
    subdistricts = {}
    for row in _read(streets, {"code", "name"}):
        subdistricts[row["code"]] = _upsert(result, row["code"], name=row["name"], short_name="",
                                            kind=UnitKind.SUBDISTRICT, parent=district)
    for number, row in enumerate(_read(communities, {"code", "name", "streetCode"}), start=2):
        parent = subdistricts.get(row["streetCode"])
        if parent is None:
            raise ValueError(f"{Path(communities).name} 第 {number} 行：街道代码 {row['streetCode']} 不存在")
        _upsert(result, row["code"], name=row["name"],
                short_name=_short(row["name"], ("社区居民居民委员会", "社区居民委员会", "居民委员会")),
                kind=UnitKind.COMMUNITY, parent=parent)
    kinds = {UnitKind.DEPARTMENT.value, UnitKind.ENTERPRISE.value}
    for number, row in enumerate(_read(departments, {"code", "name", "short_name", "kind"}), start=2):
        if row["kind"] not in kinds:
            raise ValueError(f"{Path(departments).name} 第 {number} 行 kind 列：“{row['kind']}”应为 department 或 enterprise")
        _upsert(result, row["code"], name=row["name"], short_name=row["short_name"], kind=row["kind"],
                parent=district)
    return result


@transaction.atomic
def load_place_aliases(path: Path | str) -> int:
    """Load aliases (alias,unit_code,note). Returns how many were created; existing ones are kept."""
    created = 0
    units = {u.code: u for u in Unit.objects.all()}
    for number, row in enumerate(_read(path, {"alias", "unit_code"}), start=2):
        unit = units.get(row["unit_code"])
        if unit is None:
            raise ValueError(f"{Path(path).name} 第 {number} 行 unit_code 列：单位 {row['unit_code']} 不存在")
        _, was_created = PlaceAlias.objects.get_or_create(
            alias=row["alias"], defaults={"unit": unit, "note": row.get("note", "")}
        )
        created += was_created
    return created
