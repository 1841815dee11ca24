"""Since your last visit: what changed in a chapter since a signed-in reader last read it.

`visit_record` notes which revision a reader saw, at most once per reader, chapter and
day (or when they see a newer revision): one indexed read per view, and a write only
then. The visit before today's is the baseline the chapter page compares with:
`since_last_visit` gives the paragraphs changed since that revision (from the block
diff, `chapters.diffing`, kept in the shared cache: two revisions never change) and
the reader's comments answered or decided since that time.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from chapters.diffing import revisions_diff
from chapters.models import Block, Chapter, ChapterVisit

NEWS_SHOWN = 20
KEEP_SECONDS = 7 * 24 * 3600


@dataclass
class SinceLastVisit:
    """What the chapter page tells a returning reader."""

    revision: int  # the revision they last saw
    seen_at: datetime
    diff_url: str = ""
    # (pid, kind, number in the current text) of each changed paragraph, in reading order.
    changed: list[tuple[str, str, int]] = field(default_factory=list)
    removed: int = 0
    news: list = field(default_factory=list)

    @property
    def changed_pids(self) -> str:
        return " ".join(pid for pid, _kind, _n in self.changed)

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed or self.news)


def visit_record(*, user, chapter: Chapter, now: datetime | None = None) -> tuple[int, datetime]:
    """Note that `user` reads the chapter's current revision; return the baseline to
    compare with: the revision and time of their visit before today (today's first
    view, on a first visit). One query, and one write on a reader's first view of the
    day or of a new revision."""
    now = now or timezone.now()
    current = chapter.revision
    visit = (
        ChapterVisit.objects.filter(user=user, chapter=chapter)
        .only("pk", "revision", "seen_at", "since_revision", "since_at")
        .first()
    )
    if visit is None:
        # Two first views at once: the second insert is dropped, both saw this revision.
        ChapterVisit.objects.bulk_create(
            [
                ChapterVisit(
                    user=user,
                    chapter=chapter,
                    revision=current,
                    seen_at=now,
                    since_revision=current,
                    since_at=now,
                )
            ],
            ignore_conflicts=True,
        )
        return current, now
    if timezone.localdate(visit.seen_at) != timezone.localdate(now):
        ChapterVisit.objects.filter(pk=visit.pk).update(
            revision=current, seen_at=now, since_revision=visit.revision, since_at=visit.seen_at
        )
        return visit.revision, visit.seen_at
    if visit.revision != current:
        ChapterVisit.objects.filter(pk=visit.pk).update(revision=current, seen_at=now)
    return visit.since_revision, visit.since_at


def _changes(chapter: Chapter, old: int, new_revision_id: int) -> tuple[list, int]:
    key = f"since:{chapter.pk}:{old}:{new_revision_id}"
    found = cache.get(key)
    if found is not None:
        return found
    fields = ("pid", "position", "kind", "html", "text")
    before = list(
        Block.objects.filter(revision__chapter=chapter, revision__number=old)
        .only(*fields)
        .order_by("position")
    )
    after = list(
        Block.objects.filter(revision_id=new_revision_id).only(*fields).order_by("position")
    )
    changed, removed = [], 0
    for row in revisions_diff(before, after):
        if row.kind == "removed":
            removed += 1
        elif row.kind != "unchanged":
            changed.append((row.pid, row.kind, row.new.position))
    found = (changed, removed)
    cache.set(key, found, timeout=KEEP_SECONDS)
    return found


def comments_news(*, user, chapter: Chapter, since: datetime) -> list:
    """The reader's comments on the chapter that were answered (a visible reply by
    someone else) or decided by an editor after `since`, newest activity first. One
    query. Each has `new_replies` (bool) and `decided_since` (bool)."""
    from comments.models import Comment

    replies = Comment.objects.filter(
        parent=OuterRef("pk"),
        created_at__gt=since,
        moderation=Comment.Moderation.VISIBLE,
        deleted_at__isnull=True,
    ).exclude(author=user)
    decided = Q(decided_at__gt=since) & ~Q(decision=Comment.Decision.OPEN)
    return list(
        Comment.objects.filter(author=user, chapter=chapter, deleted_at__isnull=True)
        .annotate(new_replies=Exists(replies))
        .filter(Q(new_replies=True) | decided)
        .annotate(decided_since=decided)
        .only("pk", "pid", "body", "decision", "decided_at", "book_id", "chapter_id", "created_at")
        .order_by("-created_at")[:NEWS_SHOWN]
    )


def since_last_visit(*, user, chapter: Chapter) -> SinceLastVisit:
    """Record that a signed-in reader reads the chapter and say what changed since
    their visit before today. Empty (false) when nothing did. Three queries at most,
    and a write once a day (`visit_record`)."""
    revision, seen_at = visit_record(user=user, chapter=chapter)
    since = SinceLastVisit(revision=revision, seen_at=seen_at)
    if revision < chapter.revision:
        since.changed, since.removed = _changes(chapter, revision, chapter.current_revision_id)
        since.diff_url = reverse(
            "chapters:chapter_diff",
            kwargs={
                "book": chapter.book.slug,
                "chapter": chapter.slug,
                "a": revision,
                "b": chapter.revision,
            },
        )
    since.news = comments_news(user=user, chapter=chapter, since=seen_at)
    for comment in since.news:
        # The page links each to its thread; these are the reader's own comments.
        comment.book = chapter.book
        comment.chapter = chapter
    return since


def chapters_changed_since_visit(*, user, chapters: list[Chapter]) -> None:
    """Mark each chapter of a book's contents with `changed_since_visit`: the reader
    read it before and it has a newer revision now. One query."""
    for chapter in chapters:
        chapter.changed_since_visit = False
    if not user.is_authenticated or not chapters:
        return
    seen = dict(
        ChapterVisit.objects.filter(user=user, chapter__in=[c.pk for c in chapters]).values_list(
            "chapter_id", "revision"
        )
    )
    for chapter in chapters:
        if chapter.pk in seen and seen[chapter.pk] < chapter.revision:
            chapter.changed_since_visit = True
