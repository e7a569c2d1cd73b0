"""Small presentation helpers for Zhili's pages."""

from zoneinfo import ZoneInfo

from django import forms, template
from django.utils import timezone
from django.utils.translation import gettext_lazy

from zhili.requests.choices import State
from zhili.requests.privacy import mask_text

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
def masked(text: str) -> str:
    """An order's title as a list shows it: phone and ID numbers written into it masked
    (``privacy.mask_text``), for everyone — the order page shows the text as written to those
    who may see the requester's contact details."""
    return mask_text(text)


# ServiceRequest.supervision_level: 1 催办, 2 督办, 3 提级督办 (JN 28, SD17).
SUPERVISION_LABELS = {1: gettext_lazy("催办"), 2: gettext_lazy("督办"), 3: gettext_lazy("提级督办")}


@register.filter
def supervision_label(level: int) -> str:
    """The name of a supervision level; "" for none."""
    return SUPERVISION_LABELS.get(level, "")


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


@register.filter
def control(bound_field, size: str = "sm"):
    """Render a form field's widget with Bootstrap's control class for its kind (select, check,
    text), at ``size`` ("sm" or ""), marked ``is-invalid`` when the field has errors."""
    widget = bound_field.field.widget
    kind = getattr(widget, "input_type", "")
    if kind == "checkbox":
        css = "form-check-input"
    else:
        base = "form-select" if kind == "select" or isinstance(widget, forms.Select) else "form-control"
        css = f"{base} {base}-{size}" if size else base
    if bound_field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{existing} {css}".strip()})
