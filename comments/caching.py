"""What moves the page cache's versions (`wethink.pagecache`) when comments change:
every save or delete of a comment, and writes that touch several comments at once.
Connected in `CommentsConfig.ready`."""

from django.db.models.signals import post_delete, post_save

from chapters.caching import chapters_changed
from comments.models import Comment
from wethink import pagecache


def comments_changed(comments) -> None:
    """The pages of the places of `comments` changed: their chapters, and the
    discussions of the books some of them are on as a whole."""
    chapters_changed(
        chapter_ids={c.chapter_id for c in comments if c.chapter_id is not None},
        book_ids={c.book_id for c in comments if c.chapter_id is None},
    )


def _comment_saved(sender, instance, created=False, **kwargs) -> None:
    if instance.chapter_id is None:
        pagecache.discussion_changed(instance.book)
    else:
        pagecache.chapter_changed(instance.chapter)
    if not created:
        # An edit, a removal or a decision saved on the row: reputations may move.
        # A new comment has no votes and no decision yet, so it leaves them.
        pagecache.versions_bump([pagecache.REPUTATIONS])


def receivers_connect() -> None:
    """Every save or delete of a comment moves the versions of the pages that show
    it. Writes that bypass `save()` (a queryset `update()`) call `comments_changed`."""
    for signal in (post_save, post_delete):
        signal.connect(_comment_saved, sender=Comment, dispatch_uid="pagecache-comment")
