"""Atom feeds of new visible comments, per chapter and per book."""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from chapters import selectors as chapter_selectors
from chapters.models import Book, Chapter
from comments.models import Comment
from wethink.pagecache import conditional_page

FEED_SIZE = 50


@dataclass(frozen=True)
class Scope:
    """What a feed is about and who asks: a feed object is shared by every request,
    so the reader travels with the object rather than on the feed."""

    book: Book
    chapter: Chapter | None
    user: object


class _CommentFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        # A feed reader polls: an unchanged feed is a 304 before any query.
        if "chapter" in kwargs:
            conditional = conditional_page("chapter")
        else:
            # Comments on a scheduled chapter join the book's feed when it opens.
            conditional = conditional_page(
                "book_comments", horizon=chapter_selectors.book_openings_passed
            )
        return conditional(super().__call__)(request, *args, **kwargs)

    def items(self, obj: Scope):
        comments = Comment.objects.visible_to(obj.user, book=obj.book).filter(
            moderation=Comment.Moderation.VISIBLE, deleted_at__isnull=True
        )
        if obj.chapter is not None:
            comments = comments.filter(chapter=obj.chapter)
        return comments.select_related("author", "chapter", "book").order_by("-created_at")[
            :FEED_SIZE
        ]

    def item_title(self, item):
        return _("%(who)s on “%(chapter)s”") % {
            "who": item.author.get_username(),
            "chapter": item.place_title,
        }

    def item_description(self, item):
        return item.body_html

    def item_link(self, item):
        return item.get_absolute_url()

    def item_author_name(self, item):
        return item.author.get_username()

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.edited_at or item.created_at


class BookCommentsFeed(_CommentFeed):
    def get_object(self, request, book):
        found = chapter_selectors.book_get_for_reader(user=request.user, slug=book)
        return Scope(book=found, chapter=None, user=request.user)

    def title(self, obj):
        return _("New comments on %(book)s") % {"book": obj.book.title}

    def link(self, obj):
        return obj.book.get_absolute_url()

    def subtitle(self, obj):
        return obj.book.description


class ChapterCommentsFeed(_CommentFeed):
    def get_object(self, request, book, chapter):
        found = chapter_selectors.chapter_get_for_reader(
            user=request.user, book=book, chapter=chapter
        )
        return Scope(book=found.book, chapter=found, user=request.user)

    def title(self, obj):
        return _("New comments on “%(chapter)s”") % {"chapter": obj.chapter.title}

    def link(self, obj):
        return obj.chapter.get_absolute_url()

    def subtitle(self, obj):
        return obj.book.title
