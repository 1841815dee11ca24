from django import template

from comments.recent import Change

register = template.Library()


@register.simple_tag
def change_url(change: Change) -> str:
    """Where a change in the recent changes list is seen (`comments.recent_views.change_link`)."""
    from comments.recent_views import change_link

    return change_link(change)
