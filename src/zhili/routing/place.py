"""Resolving Lixia's subdistrict (街道) and community (社区) from an address and a text.

Matches official names, names without their suffix (街道, 社区居民委员会, 居民委员会, 社区, 村),
and administrator-edited aliases (``PlaceAlias``). The longest match wins; the address is read
before the text; a community found implies its subdistrict.
"""

import re
import threading
import time
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from zhili.organisation.models import PlaceAlias, Unit, UnitKind

_SUFFIXES = ("社区居民居民委员会", "社区居民委员会", "居民委员会", "村民委员会", "社区", "街道办事处", "街道", "村")
_CACHE_TTL = 60.0
# A stripped name shorter than this is too ambiguous to match in free text.
_MIN_NAME = 2


@dataclass(frozen=True)
class Place:
    """What was found: the subdistrict and community ids (either may be None) and the text matched."""

    subdistrict_id: int | None
    community_id: int | None
    matched: str = ""


def names_for(name: str) -> set[str]:
    """The forms of an official name that people write: "解放桥社区居民委员会" → {…, "解放桥社区", "解放桥"}."""
    forms = {name}
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= _MIN_NAME:
            stem = name[: -len(suffix)]
            forms.add(stem)
            if suffix.startswith("社区"):
                forms.add(stem + "社区")
    return forms


class _Index:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.pattern: re.Pattern | None = None
        self.targets: dict[str, tuple[int | None, int | None]] = {}
        self.units: dict[int, Unit] = {}

    def invalidate(self, **kwargs) -> None:
        self.loaded_at = 0.0

    def ensure(self) -> None:
        if time.monotonic() - self.loaded_at < _CACHE_TTL:
            return
        with self.lock:
            targets: dict[str, tuple[int | None, int | None]] = {}
            units = {unit.pk: unit for unit in
                     Unit.objects.filter(kind__in=[UnitKind.SUBDISTRICT, UnitKind.COMMUNITY], is_active=True)}
            for unit in units.values():
                target = (unit.id, None) if unit.kind == UnitKind.SUBDISTRICT else (unit.parent_id, unit.id)
                for form in names_for(unit.name) | ({unit.short_name} if unit.short_name else set()):
                    # A name shared by two units (e.g. a community named like a subdistrict) keeps the
                    # subdistrict: the less specific answer is never wrong.
                    if form not in targets or target[1] is None:
                        targets[form] = target
            for alias in PlaceAlias.objects.select_related("unit"):
                unit = alias.unit
                targets[alias.alias] = (
                    (unit.id, None) if unit.kind == UnitKind.SUBDISTRICT else (unit.parent_id, unit.id)
                )
            names = sorted(targets, key=len, reverse=True)
            self.pattern = re.compile("|".join(map(re.escape, names))) if names else None
            self.targets = targets
            self.units = units
            self.loaded_at = time.monotonic()


_index = _Index()
for _model in (Unit, PlaceAlias):
    post_save.connect(_index.invalidate, sender=_model, weak=False)
    post_delete.connect(_index.invalidate, sender=_model, weak=False)


def units(ids: list[int]) -> dict[int, Unit]:
    """The subdistricts and communities with these ids, from the index's own rows (no query for
    an active unit; any other is read from the database). The Unit objects are shared by every
    request of this process: read them, never save them."""
    _index.ensure()
    found = {i: _index.units[i] for i in ids if i in _index.units}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(Unit.objects.in_bulk(missing))
    return found


def resolve(address: str = "", text: str = "") -> Place:
    """The place named in ``address`` (first) or ``text``. ``Place(None, None)`` when none is found."""
    _index.ensure()
    if _index.pattern is None:
        return Place(None, None)
    for source in (address or "", text or ""):
        best = None
        for match in _index.pattern.finditer(source):
            found = match.group(0)
            candidate = _index.targets[found]
            # Prefer a community (more specific) over a subdistrict, then the longer name.
            rank = (candidate[1] is not None, len(found))
            if best is None or rank > best[0]:
                best = (rank, found, candidate)
        if best is not None:
            return Place(best[2][0], best[2][1], best[1])
    return Place(None, None)
