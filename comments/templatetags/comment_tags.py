from django import template
from django.utils.safestring import SafeString

from chapters.diffing import words_diff

register = template.Library()


@register.simple_tag
def wording_diff(old: str, new: str) -> SafeString:
    """Word-level changes from `old` to `new`, escaped, with <del> and <ins>."""
    return words_diff(old or "", new or "")


@register.simple_tag
def suggestion_diff(comment) -> SafeString:
    """A suggestion against the words it would replace: the quote, or the whole block."""
    return words_diff(comment.quote_exact or comment.block_text, comment.suggestion)


@register.filter
def get_count(counts: dict, key: str) -> int:
    return counts.get(key, 0)


@register.simple_tag
def share(count: int, most: int) -> str:
    """A bar segment's width in percent of the widest bar."""
    return f"{100 * count / most:.1f}" if most else "0"
