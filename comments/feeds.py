"""Atom feeds of new visible comments, per chapter and per book."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from chapters import selectors as chapter_selectors
from comments.models import Comment

FEED_SIZE = 50


class _CommentFeed(Feed):
    feed_type = Atom1Feed

    def items(self, obj):
        return (
            Comment.objects.filter(
                moderation=Comment.Moderation.VISIBLE, deleted_at__isnull=True, **self.scope(obj)
            )
            .select_related("author", "chapter", "book")
            .order_by("-created_at")[:FEED_SIZE]
        )

    def item_title(self, item):
        return _("%(who)s on “%(chapter)s”") % {
            "who": item.author.get_username(),
            "chapter": item.chapter.title,
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
        return chapter_selectors.book_get_for_reader(user=request.user, slug=book)

    def scope(self, obj):
        return {"book": obj}

    def title(self, obj):
        return _("New comments on %(book)s") % {"book": obj.title}

    def link(self, obj):
        return obj.get_absolute_url()

    def subtitle(self, obj):
        return obj.description


class ChapterCommentsFeed(_CommentFeed):
    def get_object(self, request, book, chapter):
        return chapter_selectors.chapter_get_for_reader(
            user=request.user, book=book, chapter=chapter
        )

    def scope(self, obj):
        return {"chapter": obj}

    def title(self, obj):
        return _("New comments on “%(chapter)s”") % {"chapter": obj.title}

    def link(self, obj):
        return obj.get_absolute_url()

    def subtitle(self, obj):
        return obj.book.title
