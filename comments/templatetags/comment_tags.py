from django import template
from django.utils.safestring import SafeString

from chapters.diffing import phrase_diff, words_diff

register = template.Library()


@register.simple_tag
def wording_diff(old: str, new: str) -> SafeString:
    """Word-level changes from `old` to `new`, escaped, with <del> and <ins>."""
    return words_diff(old or "", new or "")


@register.simple_tag
def suggestion_diff(comment) -> SafeString:
    """A suggestion as it would read, each changed phrase marked against the words it
    replaces (the quote, or the whole block)."""
    return phrase_diff(comment.quote_exact or comment.block_text, comment.suggestion)


@register.filter
def get_count(counts: dict, key: str) -> int:
    return counts.get(key, 0)
