"""The one rule for "a unit and every unit below it" (a user's unit subtree).

A unit's ``path`` materialises its ancestry ("/370102/370102001/370102001002/", codes from the
root, each followed by "/"), so a unit lies in the subtree of ``root`` exactly when its path
starts with ``root.path``; the trailing "/" keeps "/370102/37010200/" out of "/370102/3701020/".
Every reader of that rule goes through here: the database filter ``within`` (one indexed prefix
match per root), the in-memory check ``is_within``, and ``unit_paths`` for a user's roots.
"""

from collections.abc import Iterable

from django.db.models import Q


def unit_paths(user) -> list[str]:
    """The paths of the units ``user`` is a member of (one query; [] for none or anonymous)."""
    from zhili.organisation.models import Unit
    from zhili.organisation.roles import unit_ids_of

    if not getattr(user, "is_authenticated", False):
        return []
    return list(Unit.objects.filter(pk__in=unit_ids_of(user)).values_list("path", flat=True))


def within(paths: Iterable[str], field: str = "") -> Q:
    """A filter: the unit (``field`` = "" on Unit itself, or the name of a foreign key to Unit such
    as "lead_unit" or "unit") lies in the subtree of one of ``paths``. No paths: matches nothing."""
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{lookup: path})
    return condition


def is_within(path: str | None, paths: Iterable[str]) -> bool:
    """``within`` for a unit path already in memory (None or "": in no subtree)."""
    return bool(path) and any(path.startswith(root) for root in paths if root)
