"""Open311 services: the categories the district publishes.

A service is an active category with no active category below it (a leaf of the 3-level tree);
``service_code`` is the category's stable code, ``group`` its first-level name, ``keywords``
the names on its path. Every service has one optional attribute, ``request_type`` (诉求类型), so
``metadata`` is true and clients may ask for the definition.
"""

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


def published_category(code: str) -> Category | None:
    """The published category with this service code, or None."""
    category = Category.objects.filter(code=code, is_active=True).select_related("parent__parent").first()
    if category is None or Category.objects.filter(parent=category, is_active=True).exists():
        return None
    node = category.parent
    while node is not None:
        if not node.is_active:
            return None
        node = node.parent
    return category


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
