"""Every way a chapter gets a revision moves its comments with their paragraphs, in
the same transaction: `chapters` sits below `comments` (docs/architecture.md,
"Layers"), so each of its revising services takes `comments_follow`, and
`comments.revising` passes `comments_reanchor` to it. These tests hold every entry
point to that (the Git import: tests/chapters/test_git_import.py)."""

import pytest

from chapters.services import ImportedFile
from comments.decisions import comments_decide
from comments.folding import fold_save
from comments.models import Comment
from comments.revising import book_import, chapter_restore, chapter_revise
from tests.conftest import CHAPTER_TEXT
from tests.factories import comment_make

pytestmark = pytest.mark.django_db

WITHOUT_OPENING = CHAPTER_TEXT.replace("The opening paragraph sets the scene.\n\n", "")


def revise(chapter, editor, reader):
    chapter_revise(chapter=chapter, text=WITHOUT_OPENING, editor=editor, message="cut")


def restore(chapter, editor, reader):
    chapter_revise(chapter=chapter, text=WITHOUT_OPENING, editor=editor, message="cut")
    comment = Comment.objects.get()
    comment.refresh_from_db()
    assert comment.anchor_state == "orphaned"
    chapter.refresh_from_db()
    chapter_restore(chapter=chapter, number=1, editor=editor)


def import_files(chapter, editor, reader):
    book_import(
        book_slug=chapter.book.slug,
        files=[ImportedFile(chapter.slug, chapter.title, WITHOUT_OPENING)],
        editor=editor,
    )


def fold(chapter, editor, reader):
    note = comment_make(chapter=chapter, author=reader, position=4, body="Cut the opening.")
    comments_decide(user=editor, comments=[note], decision="accepted")
    fold_save(
        user=editor, chapter=chapter, base=1, text=WITHOUT_OPENING, message="m", folded=[note.pk]
    )


@pytest.mark.parametrize(
    ("make_revision", "state"),
    [(revise, "orphaned"), (import_files, "orphaned"), (fold, "orphaned"), (restore, "current")],
    ids=["revise", "import", "fold", "restore"],
)
def test_each_entry_point_moves_the_comments(chapter, editor, reader, make_revision, state):
    comment = comment_make(chapter=chapter, author=reader, position=2, body="The opening.")
    make_revision(chapter, editor, reader)
    comment.refresh_from_db()
    assert comment.anchor_state == state
