"""Open311 services: the categories the district publishes.

A service is an active category with no active category below it (a leaf of the 3-level tree);
``service_code`` is the category's stable code, ``group`` its first-level name, ``keywords``
the names on its path. Every service has one optional attribute, ``request_type`` (诉求类型), so
``metadata`` is true and clients may ask for the definition.
"""

import threading
import time

from django.db.models.signals import post_delete, post_save

from zhili.requests.choices import RequestType
from zhili.taxonomy.models import Category

ATTRIBUTE_REQUEST_TYPE = "request_type"


def published_categories() -> list[Category]:
    """Active leaf categories, ordered by code (one query)."""
    categories = list(Category.objects.filter(is_active=True).order_by("code"))
    by_id = {c.pk: c for c in categories}
    with_children = {c.parent_id for c in categories if c.parent_id}
    for c in categories:  # fill parents from the same query (full names without more queries)
        if c.parent_id in by_id:
            c.parent = by_id[c.parent_id]
    return [c for c in categories if c.pk not in with_children and _chain_active(c, by_id)]


def _chain_active(category: Category, by_id: dict) -> bool:
    node = category
    while node.parent_id:
        if node.parent_id not in by_id:
            return False  # an inactive ancestor hides the branch
        node = by_id[node.parent_id]
    return True


class _Published:
    """The published categories by code, kept per process: every POST looks its service_code up,
    and the tree changes only when an administrator edits it. Reloaded after a Category is saved
    or deleted in this process, and at most ``TTL`` seconds after an edit elsewhere (``zhili
    load-taxonomy`` in another process). The Category objects are shared: read them, never save."""

    TTL = 60.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.by_code: dict[str, Category] = {}

    def invalidate(self, **kwargs) -> None:
        self.loaded_at = 0.0

    def get(self, code: str) -> Category | None:
        if time.monotonic() - self.loaded_at > self.TTL:
            with self.lock:
                by_code = {c.code: c for c in published_categories()}
                self.by_code, self.loaded_at = by_code, time.monotonic()
        return self.by_code.get(code)


_published = _Published()
post_save.connect(_published.invalidate, sender=Category, weak=False)
post_delete.connect(_published.invalidate, sender=Category, weak=False)


def invalidate_cache() -> None:
    """Forget the per-process published categories (tests; after a bulk edit without signals)."""
    _published.invalidate()


def published_category(code: str) -> Category | None:
    """The published category with this service code (its parents loaded: full names, time
    limits and the dispatch catalogue need no query), or None. Reads the per-process map."""
    return _published.get(code)


def service(category: Category) -> dict:
    """One entry of GET /services."""
    chain = list(reversed(category.ancestors_and_self()))
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": " / ".join(c.name for c in chain),
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(c.name for c in chain),
        "group": chain[0].name,
    }


def definition(category: Category) -> dict:
    """GET /services/{code}: the service's attributes."""
    return {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": ATTRIBUTE_REQUEST_TYPE,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "诉求类型，默认“投诉” / type of request, default complaint",
            "order": 1,
            "description": "诉求类型 / Type of request",
            "values": [{"key": t.value, "name": f"{t.label} / {t.value}"} for t in RequestType],
        }],
    }
