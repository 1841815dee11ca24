"""Where comments stand after a revision: which block they follow, and whether
that block is unchanged, edited or gone."""

from collections.abc import Sequence

from django.db.models import Q

from chapters.models import Block, ChapterRevision
from comments.models import WHOLE_CHAPTER, Comment


def comments_reanchor(*, revisions: Sequence[ChapterRevision]) -> int:
    """Re-anchor the comments touched by new revisions of one book's chapters.

    A comment follows its pid wherever it now lives in the revised chapters (also
    into another chapter, for a moved block); a merged block takes the comments of
    every block merged into it; a passage comment whose quote went to a part split
    off its block follows that part. A comment whose block is gone is orphaned,
    never re-attached by guesswork. Returns the number of comments updated.
    """
    if not revisions:
        return 0
    book_id = revisions[0].chapter.book_id
    chapter_ids = {revision.chapter_id for revision in revisions}
    where: dict[str, tuple[int, str]] = {
        pid: (chapter_id, text)
        for chapter_id, pid, text in Block.objects.filter(revision__in=revisions).values_list(
            "revision__chapter_id", "pid", "text"
        )
    }
    merged: dict[str, str] = {}
    split: dict[str, list[str]] = {}
    for revision in revisions:
        merged.update(revision.lineage.get("merged", {}))
        for part, whole in revision.lineage.get("split_from", {}).items():
            split.setdefault(whole, []).append(part)

    # Comments on a chapter as a whole stay with their chapter whatever its text,
    # and comments on the book as a whole (no chapter) with the book.
    candidates = (
        Comment.objects.filter(book_id=book_id, chapter__isnull=False)
        .filter(Q(chapter_id__in=chapter_ids) | Q(pid__in=list(where)) | Q(pid__in=list(merged)))
        .exclude(pid=WHOLE_CHAPTER)
    )
    changed = []
    for comment in candidates.only(
        "id", "pid", "chapter_id", "anchor_state", "block_text", "quote_exact"
    ):
        pid = comment.pid
        if pid not in where and pid in merged:
            pid = merged[pid]
        if comment.quote_exact and pid in where and comment.quote_exact not in where[pid][1]:
            pid = next(
                (part for part in split.get(pid, []) if comment.quote_exact in where[part][1]),
                pid,
            )
        if pid in where:
            chapter_id, text = where[pid]
            state = (
                Comment.AnchorState.CURRENT
                if text == comment.block_text
                else Comment.AnchorState.CHANGED
            )
        elif comment.chapter_id in chapter_ids:
            chapter_id, state = comment.chapter_id, Comment.AnchorState.ORPHANED
        else:
            continue
        if (pid, chapter_id, state) != (comment.pid, comment.chapter_id, comment.anchor_state):
            comment.pid, comment.chapter_id, comment.anchor_state = pid, chapter_id, state
            changed.append(comment)
    Comment.objects.bulk_update(changed, ["pid", "chapter", "anchor_state"], batch_size=500)
    return len(changed)
