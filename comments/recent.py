"""Recent changes to a book, as a wiki shows them: new revisions (with their messages
and the comments folded into them), new comments, and chapters opened on their
schedule, newest first.

One list made of three queries merged in the database (a UNION ordered by date), so
a page costs the same however long the book's history: a count, the page's rows,
then the page's revisions (with their folded comments), comments and chapters.
What a person may see is the same as everywhere else: revisions and openings of
chapters they may read (`chapter_readable_q`), comments through
`Comment.objects.visible_to`, and of those only the ones shown to everyone
(visible, not deleted)."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page
from django.db.models import CharField, F, Prefetch, Value
from django.utils import timezone

from chapters.models import Book, Chapter, ChapterRevision, chapter_readable_q
from comments.models import Comment
from wethink.paging import page_get

SHOW = ("all", "revisions", "comments")
PAGE_SIZE = 30


@dataclass
class Change:
    kind: str  # "revision", "comment" or "opened"
    at: datetime
    item: object  # the ChapterRevision, Comment or Chapter

    @property
    def chapter(self) -> Chapter | None:
        """The chapter it is about; None for a comment on the book as a whole."""
        return self.item if self.kind == "opened" else self.item.chapter

    @property
    def title(self) -> str:
        """The title of what it is about: its chapter, or the book."""
        return self.item.place_title if self.kind == "comment" else self.chapter.title


def _rows(*, user, book: Book, show: str, chapter: Chapter | None):
    parts = []
    if show in ("all", "revisions"):
        revisions = ChapterRevision.objects.filter(chapter__book=book).filter(
            chapter_readable_q(user, through="chapter__")
        )
        openings = Chapter.objects.filter(
            chapter_readable_q(user),
            book=book,
            status=Chapter.Status.PUBLISHED,
            opens_at__lte=timezone.now(),
        )
        if chapter is not None:
            revisions = revisions.filter(chapter=chapter)
            openings = openings.filter(pk=chapter.pk)
        parts.append(revisions.annotate(kind=Value("revision", CharField()), at=F("created_at")))
        parts.append(openings.annotate(kind=Value("opened", CharField()), at=F("opens_at")))
    if show in ("all", "comments"):
        comments = Comment.objects.visible_to(user, book=book).filter(
            moderation=Comment.Moderation.VISIBLE, deleted_at__isnull=True
        )
        if chapter is not None:
            comments = comments.filter(chapter=chapter)
        parts.append(comments.annotate(kind=Value("comment", CharField()), at=F("created_at")))
    parts = [part.order_by().values_list("kind", "pk", "at") for part in parts]
    first, *others = parts
    return (
        first.union(*others, all=True).order_by("-at", "-pk")
        if others
        else first.order_by("-at", "-pk")
    )


def recent_changes(
    *,
    user,
    book: Book,
    show: str = "all",
    chapter: Chapter | None = None,
    page: int | None = None,
    per_page: int = PAGE_SIZE,
) -> Page:
    """A page of the book's changes `user` may see, newest first, as `Change`
    objects; `show` is one of SHOW, `chapter` limits them to one chapter. Six
    queries at most, whatever the page's size."""
    found = page_get(
        _rows(user=user, book=book, show=show, chapter=chapter), number=page, per_page=per_page
    )
    wanted: dict[str, list[int]] = {"revision": [], "comment": [], "opened": []}
    for kind, pk, _at in found.object_list:
        wanted[kind].append(pk)
    items: dict[tuple[str, int], object] = {}
    if wanted["revision"]:
        folded = Comment.objects.visible_to(user, book=book).select_related("author").order_by("pk")
        for revision in (
            ChapterRevision.objects.filter(pk__in=wanted["revision"])
            .select_related("chapter", "editor")
            .defer("text", "lineage")
            .prefetch_related(Prefetch("incorporated_comments", queryset=folded, to_attr="folded"))
        ):
            items["revision", revision.pk] = revision
    if wanted["comment"]:
        for comment in Comment.objects.filter(pk__in=wanted["comment"]).select_related(
            "author", "chapter"
        ):
            items["comment", comment.pk] = comment
    if wanted["opened"]:
        for opened in Chapter.objects.filter(pk__in=wanted["opened"]):
            items["opened", opened.pk] = opened
    changes = []
    for kind, pk, at in found.object_list:
        item = items.get((kind, pk))
        if item is None:  # gone between the two queries
            continue
        if kind == "opened":
            item.book = book
        else:
            if item.chapter is not None:
                item.chapter.book = book
            if kind == "comment":
                item.book = book
        changes.append(Change(kind, at, item))
    found.object_list = changes
    return found
