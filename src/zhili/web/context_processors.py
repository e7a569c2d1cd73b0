"""Template context shared by every page."""

from django.utils import timezone

from zhili.organisation.roles import Role, has_role, roles_of

# Who sees the dispatcher queue (待派单) in the navigation; the view checks the same roles.
QUEUE_ROLES = (Role.DISPATCHER, Role.OPERATOR, Role.ADMINISTRATOR)


def zhili(request) -> dict:
    """Role flags for the navigation and the calendar warning for administrators.

    Adds ``nav``: {"can_see_queue", "is_admin", "admin_site": bool, "roles": "派单员、…"}
    ("admin_site": may open Django's admin, i.e. ``is_staff``) and
    ``calendar_missing_years``: this year (and next, in December) when its holiday notice is not
    loaded — only computed for administrators, who can load it. Empty for anonymous users.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    is_admin = user.is_superuser or has_role(user, Role.ADMINISTRATOR)
    context = {
        "nav": {
            "can_see_queue": has_role(user, *QUEUE_ROLES),
            "is_admin": is_admin,
            "admin_site": user.is_staff,
            "roles": "、".join(Role.LABELS[r] for r in Role.LABELS if r in roles_of(user)),
        },
    }
    if is_admin:
        from zhili.workcalendar.service import missing_years

        today = timezone.localdate()
        years = [today.year] + ([today.year + 1] if today.month == 12 else [])
        context["calendar_missing_years"] = missing_years(years)
    return context
