"""Small presentation helpers for Zhili's pages."""

from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

from zhili.requests.choices import State

register = template.Library()

# Pages show the district's local time whatever zone a request or browser is in (domain.md §2).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Bootstrap colour of each state's badge: waiting (grey/amber), with a unit (blue), done (green).
STATE_BADGE = {
    State.RECEIVED: "text-bg-secondary",
    State.PENDING_DISPATCH: "text-bg-warning",
    State.DISPATCHED: "text-bg-info",
    State.RETURNED: "text-bg-danger",
    State.IN_PROGRESS: "text-bg-primary",
    State.REPLIED: "text-bg-success",
    State.AWAITING_FOLLOW_UP: "text-bg-success",
    State.CLOSED: "text-bg-dark",
    State.DECLINED: "text-bg-light border",
    State.MERGED: "text-bg-light border",
}


@register.filter
def state_badge(state: str) -> str:
    """The badge CSS classes of a state value."""
    return STATE_BADGE.get(state, "text-bg-secondary")


@register.filter
def local_dt(value) -> str:
    """An aware datetime as "2026-02-27 23:59" in Asia/Shanghai; "" for none."""
    if not value:
        return ""
    return timezone.localtime(value, LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


@register.filter
def with_class(bound_field, css: str):
    """Render a form field's widget with extra CSS classes (keeps forms free of Bootstrap)."""
    existing = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{existing} {css}".strip()})
