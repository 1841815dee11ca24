from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(delta: timedelta | None) -> int:
    """A lockout's length in whole minutes (at least one), for the lockout page."""
    if not delta:
        return 0
    return max(1, round(delta.total_seconds() / 60))
