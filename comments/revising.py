"""Revising a chapter as the site does it: each of the chapter services that
writes revisions, with the comments following them (`comments_reanchor`) in the
same transaction. The layers above `comments` revise through these, never through
`chapters.services` directly (tests/test_layers.py holds them to it)."""

from chapters import git_history
from chapters import services as chapter_services
from chapters.models import Book, ChapterRevision
from comments.anchoring import comments_reanchor


def chapter_revise(**kwargs) -> ChapterRevision | None:
    """`chapters.services.chapter_revise`, and the comments follow the new revision."""
    return chapter_services.chapter_revise(**kwargs, comments_follow=comments_reanchor)


def chapter_restore(**kwargs) -> ChapterRevision:
    """`chapters.services.chapter_restore`, and the comments follow: those made on
    the restored text find its paragraphs again."""
    return chapter_services.chapter_restore(**kwargs, comments_follow=comments_reanchor)


def book_import(**kwargs) -> tuple[Book, list[chapter_services.ImportOutcome]]:
    """`chapters.services.book_import`, and the comments follow the paragraphs,
    also into another chapter of the book."""
    return chapter_services.book_import(**kwargs, comments_follow=comments_reanchor)


def history_import(**kwargs) -> tuple[Book, list[git_history.CommitOutcome]]:
    """`chapters.git_history.history_import`: the comments follow each commit's
    revisions, in that commit's transaction."""
    return git_history.history_import(**kwargs, comments_follow=comments_reanchor)
