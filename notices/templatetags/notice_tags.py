"""The watch button and a person's watches on their profile. The button's state
comes from the person's header facts, and the book and chapter from the page's
address, so it costs no query and fits any page frame (the signed-in chapter page
renders only its frame per request)."""

from django import template

from accounts.header import header_facts
from notices.selectors import watches_of

register = template.Library()


@register.inclusion_tag("notices/_watch_form.html", takes_context=True)
def watch_button(context):
    """A form that starts or stops watching the page's chapter (or, on a book's
    contents, the book), for a signed-in reader; nothing for anyone else. On a
    chapter of a watched book it says so and offers to stop watching the book."""
    request = context.get("request")
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if user is None or not user.is_authenticated or match is None or "book" not in match.kwargs:
        return {"show": False}
    book = match.kwargs["book"]
    chapter = match.kwargs.get("chapter")
    watching = header_facts(request).get("watching", frozenset())
    book_watched = book in watching
    shown = {"show": True, "book": book, "next": request.get_full_path()}
    if chapter is not None and not book_watched:
        return {**shown, "chapter": chapter, "on": f"{book}/{chapter}" in watching}
    return {**shown, "chapter": None, "on": book_watched, "via_book": chapter is not None}


@register.inclusion_tag("notices/_person_watches.html", takes_context=True)
def person_watches(context, person):
    """What a person watches, each with a button to stop: their profile page's part."""
    return {**context.flatten(), "watches": watches_of(user=person)}
