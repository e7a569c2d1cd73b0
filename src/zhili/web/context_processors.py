"""Template context shared by every page."""

from django.utils import timezone
from django.utils.translation import gettext

from zhili.organisation.roles import Role, has_role, roles_of, unit_ids_of

# Who takes calls (受理来电): operators and administrators; the view checks the same roles.
INTAKE_ROLES = (Role.OPERATOR, Role.ADMINISTRATOR)
# Who sees the dispatcher queue (待派单) in the navigation; the view checks the same roles.
QUEUE_ROLES = (Role.DISPATCHER, Role.OPERATOR, Role.ADMINISTRATOR)
# Who works a unit inbox (单位待办): a unit's people (the view also needs a unit membership).
INBOX_ROLES = (Role.UNIT_HANDLER, Role.UNIT_LEADER)
# Who sees the supervision board (督办看板).
BOARD_ROLES = (Role.SUPERVISOR, Role.DISTRICT_LEADER, Role.ADMINISTRATOR, Role.DISPATCHER)


def zhili(request) -> dict:
    """Role flags for the navigation and the calendar warning for administrators.

    Adds ``nav``: {"can_intake", "can_see_queue", "can_see_inbox", "can_see_board", "is_admin",
    "admin_site": bool, "roles": "派单员、…"} ("admin_site": may open Django's admin, i.e. ``is_staff``) and
    ``calendar_missing_years``: this year and next whose holiday notice is not loaded (domain.md
    §2: deadlines then fall back to weekends only) — computed only for administrators (role or
    superuser), who can load it, with one call to the calendar's cached ``missing_years``.
    Empty for anonymous users.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    is_admin = user.is_superuser or has_role(user, Role.ADMINISTRATOR)
    context = {
        "nav": {
            "can_intake": has_role(user, *INTAKE_ROLES),
            "can_see_queue": has_role(user, *QUEUE_ROLES),
            # A superuser holds every role but may belong to no unit: no inbox to show then.
            "can_see_inbox": has_role(user, *INBOX_ROLES) and bool(unit_ids_of(user)),
            "can_see_board": has_role(user, *BOARD_ROLES),
            "is_admin": is_admin,
            "admin_site": user.is_staff,
            "roles": gettext("、").join(str(Role.LABELS[r]) for r in Role.LABELS if r in roles_of(user)),
        },
    }
    if is_admin:
        from zhili.workcalendar.service import missing_years

        year = timezone.localdate().year
        context["calendar_missing_years"] = missing_years([year, year + 1])
    return context
