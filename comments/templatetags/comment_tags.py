from django import template
from django.utils.safestring import SafeString

from chapters.diffing import phrase_diff, words_diff
from comments.selectors import comments_by_author, reputations

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


@register.inclusion_tag("comments/profile_comments.html", takes_context=True)
def person_comments(context, person):
    """A person's comments as the page's viewer may see them, with their counts and
    reputation: the comments part of a profile page (`accounts.views.profile`)."""
    viewer = context["request"].user
    return {
        **context.flatten(),
        "mine": comments_by_author(viewer=viewer, author=person),
        "reputation": reputations(user_ids=[person.pk]).get(person.pk, 0),
    }
