"""Formatting of assessment numbers, the same on the pages and in the report."""

from django import template

from zhili.assessment.report.format import change, pct, points

register = template.Library()
register.filter("pct", pct)
register.filter("points", points)
register.filter("change", change)


@register.filter
def state_label(value: str) -> str:
    from zhili.requests.choices import State

    try:
        return State(value).label
    except ValueError:
        return value


@register.filter
def get(mapping, key):
    """``mapping|get:key`` — a dict lookup with a variable key."""
    return (mapping or {}).get(key)
