"""The book's recent changes: a page with filters and its Atom feed."""

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from chapters import selectors as chapter_selectors
from comments.feeds import FEED_SIZE, Scope
from comments.recent import SHOW, Change, recent_changes
from wethink.pagecache import conditional_page
from wethink.params import choice_param, int_param

TEMPLATE = "comments/recent_changes.html"
# Comments on a scheduled chapter, and its opening, join the list when it opens.
_conditional = conditional_page("book_comments", horizon=chapter_selectors.book_openings_passed)


@_conditional
def recent_changes_page(request: HttpRequest, book: str) -> HttpResponse:
    """The book's recent changes, filtered by kind (`show`) and chapter, a page at a time."""
    found = chapter_selectors.book_get_for_reader(user=request.user, slug=book)
    show = choice_param(request.GET, "show", choices=SHOW, default="all")
    chapters = chapter_selectors.book_contents(book=found, user=request.user)
    slug = (request.GET.get("chapter") or "").strip()
    chapter = next((c for c in chapters if c.slug == slug), None)
    context = {"book": found, "chapters": chapters, "show": show, "chapter_slug": slug}
    if slug and chapter is None:
        return render(request, TEMPLATE, {**context, "missing": True}, status=404)
    page = int_param(request.GET, "page", minimum=1)
    context["changes"] = recent_changes(
        user=request.user, book=found, show=show, chapter=chapter, page=page
    )
    context["filtered"] = show != "all" or chapter is not None
    kept = (("show", "" if show == "all" else show), ("chapter", slug))
    context["query"] = urlencode({name: value for name, value in kept if value})
    return render(request, TEMPLATE, context)


def change_link(change: Change) -> str:
    """Where a change is seen: a revision's diff (its first text for revision 1), the
    comment in its thread, the opened chapter."""
    item = change.item
    if change.kind == "comment":
        return item.get_absolute_url()
    if change.kind == "opened":
        return item.get_absolute_url()
    kwargs = {"book": item.chapter.book.slug, "chapter": item.chapter.slug}
    if item.number > 1:
        return reverse(
            "chapters:chapter_diff", kwargs={**kwargs, "a": item.number - 1, "b": item.number}
        )
    return reverse("chapters:chapter_revision", kwargs={**kwargs, "number": item.number})


class RecentChangesFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        return _conditional(super().__call__)(request, *args, **kwargs)

    def get_object(self, request, book):
        found = chapter_selectors.book_get_for_reader(user=request.user, slug=book)
        return Scope(book=found, chapter=None, user=request.user)

    def items(self, obj: Scope):
        return recent_changes(user=obj.user, book=obj.book, per_page=FEED_SIZE).object_list

    def title(self, obj):
        return _("Recent changes to %(book)s") % {"book": obj.book.title}

    def link(self, obj):
        return reverse("comments:recent_changes", kwargs={"book": obj.book.slug})

    def subtitle(self, obj):
        return obj.book.description

    def item_title(self, item: Change):
        chapter = item.title
        if item.kind == "comment":
            return _("%(who)s on “%(chapter)s”") % {
                "who": item.item.author.get_username(),
                "chapter": chapter,
            }
        if item.kind == "opened":
            return _("“%(chapter)s” is open to readers") % {"chapter": chapter}
        return _("“%(chapter)s” revised (revision %(n)s)") % {
            "chapter": chapter,
            "n": item.item.number,
        }

    def item_description(self, item: Change):
        if item.kind == "comment":
            return item.item.body_html
        if item.kind == "opened":
            return escape(_("A new chapter is open to readers and to comments."))
        parts = [linebreaks(item.item.message)] if item.item.message else []
        if item.item.folded:
            folded = "".join(
                f"<li>{escape(c.author.get_username())}: {escape(c.body[:200])}</li>"
                for c in item.item.folded
            )
            label = escape(_("Comments folded into this revision:"))
            parts.append(f"<p>{label}</p><ul>{folded}</ul>")
        return "".join(parts)

    def item_link(self, item: Change):
        return change_link(item) + ("#opened" if item.kind == "opened" else "")

    def item_author_name(self, item: Change):
        if item.kind == "comment":
            return item.item.author.get_username()
        if item.kind == "revision" and item.item.editor:
            return item.item.editor.get_username()
        return None

    def item_pubdate(self, item: Change):
        return item.at

    def item_updateddate(self, item: Change):
        return item.at
