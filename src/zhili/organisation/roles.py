"""The roles of Zhili's users, as Django groups (domain.md §1: who does which step).

A role says what a person may do; a ``Membership`` says in which unit. Hotline roles
(operator, dispatcher, supervisor, district leader, administrator) see the whole district;
unit roles see their unit's orders and their sub-units'.
"""

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy


class Role:
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    UNIT_HANDLER = "unit_handler"
    UNIT_LEADER = "unit_leader"
    SUPERVISOR = "supervisor"
    DISTRICT_LEADER = "district_leader"
    ADMINISTRATOR = "administrator"

    LABELS = {
        OPERATOR: gettext_lazy("话务员"),
        DISPATCHER: gettext_lazy("派单员"),
        UNIT_HANDLER: gettext_lazy("承办人"),
        UNIT_LEADER: gettext_lazy("单位负责人"),
        SUPERVISOR: gettext_lazy("督办员"),
        DISTRICT_LEADER: gettext_lazy("区领导"),
        ADMINISTRATOR: gettext_lazy("系统管理员"),
    }
    # Roles whose holders see every order of the district (not only their unit's).
    DISTRICT_WIDE = frozenset({OPERATOR, DISPATCHER, SUPERVISOR, DISTRICT_LEADER, ADMINISTRATOR})


def ensure_groups() -> None:
    """Create the role groups if missing. Idempotent."""
    for name in Role.LABELS:
        Group.objects.get_or_create(name=name)


def roles_of(user) -> set[str]:
    """The role names of a user; superusers hold every role. Cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_zhili_roles", None)
    if cached is None:
        cached = set(Role.LABELS) if user.is_superuser else set(user.groups.values_list("name", flat=True))
        user._zhili_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """True if the user holds any of the given roles."""
    return bool(roles_of(user) & set(roles))


def unit_ids_of(user) -> list[int]:
    """Ids of the units a user is a member of (not their sub-units)."""
    cached = getattr(user, "_zhili_unit_ids", None)
    if cached is None:
        cached = list(user.memberships.values_list("unit_id", flat=True)) if user.is_authenticated else []
        user._zhili_unit_ids = cached
    return cached
