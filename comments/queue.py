"""The editors' feedback queue: filters from the URL, counts, one page of items with
the block each is about as it stands now, near-duplicate groups, and candidate
places for comments on removed text. A fixed number of queries per page."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from chapters.models import Block, Book, Chapter
from comments.decisions import decision_actions
from comments.models import Comment
from wethink.params import BadParameter, int_param

PAGE_SIZE = 25
KINDS = {"comment", "suggestion", "passage"}
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "votes": ("-vote_count", "-created_at", "-id"),
    # Comments on the book as a whole (no chapter) come before the first chapter's.
    "reading": (
        F("chapter__position").asc(nulls_first=True),
        F("chapter_id").asc(nulls_first=True),
        "block_position",
        "created_at",
        "id",
    ),
}
STATES = [choice.value for choice in Comment.Decision]
ANCHORS = [choice.value for choice in Comment.AnchorState]
# How alike two suggestions (or two quotes) must be to count as the same point.
DUPLICATE_SIMILARITY = 90
# How alike a block must be to the removed text to be offered as its new place.
CANDIDATE_SIMILARITY = 50


@dataclass
class QueueFilters:
    book: str = ""
    chapter: str = ""
    state: str = "open"
    kind: str = ""
    commenter: str = ""
    has_votes: bool = False
    anchor: str = ""
    sort: str = "newest"
    page: int = 1

    @property
    def active(self) -> int:
        """How many filters narrow the queue (the state tabs and the sort aside)."""
        return sum(
            bool(value)
            for value in (
                self.book,
                self.chapter,
                self.kind,
                self.commenter,
                self.has_votes,
                self.anchor,
            )
        )

    @classmethod
    def from_query(cls, params) -> "QueueFilters":
        """Read filters from a query string; unknown values are a clear error."""
        found = cls(
            book=params.get("book", "").strip(),
            chapter=params.get("chapter", "").strip(),
            state=params.get("state", "open").strip() or "open",
            kind=params.get("kind", "").strip(),
            commenter=params.get("commenter", "").strip(),
            has_votes=params.get("has_votes", "") in {"1", "on", "true"},
            anchor=params.get("anchor", "").strip(),
            sort=params.get("sort", "newest").strip() or "newest",
        )
        problems = []
        if found.state not in [*STATES, "all"]:
            problems.append(_("Unknown state “%(v)s”.") % {"v": found.state})
        if found.kind and found.kind not in KINDS:
            problems.append(_("Unknown kind “%(v)s”.") % {"v": found.kind})
        if found.anchor and found.anchor not in ANCHORS:
            problems.append(_("Unknown text state “%(v)s”.") % {"v": found.anchor})
        if found.sort not in SORTS:
            problems.append(_("Unknown sort “%(v)s”.") % {"v": found.sort})
        try:
            found.page = int_param(params, "page", default=1, minimum=1)
        except BadParameter as error:
            problems.append(str(error))
        if problems:
            raise ValidationError(problems)
        return found


@dataclass
class QueueItem:
    comment: Comment
    block: Block | None
    duplicates: list[Comment] = field(default_factory=list)
    candidates: list[Block] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [self.comment.pk] + [c.pk for c in self.duplicates]

    @property
    def authors(self) -> list:
        """Everyone who made this point: the comment's author, then the others'."""
        return [self.comment.author] + [c.author for c in self.duplicates]

    @property
    def actions(self) -> list[str]:
        return decision_actions(self.comment.decision)


@dataclass
class Queue:
    filters: QueueFilters
    books: list[Book]
    chapters: list[Chapter]
    counts: dict[str, int]
    page: Page
    items: list[QueueItem]


def _scope(user) -> QuerySet:
    return Book.objects.editable_by(user)


def _filtered(base: QuerySet, filters: QueueFilters) -> QuerySet:
    if filters.book:
        base = base.filter(book__slug=filters.book)
    if filters.chapter:
        base = base.filter(chapter__slug=filters.chapter)
    if filters.kind == "suggestion":
        base = base.exclude(suggestion="")
    elif filters.kind == "passage":
        base = base.exclude(quote_exact="")
    elif filters.kind == "comment":
        base = base.filter(suggestion="", quote_exact="")
    if filters.commenter:
        base = base.filter(author__username=filters.commenter)
    if filters.has_votes:
        base = base.filter(vote_count__gt=0)
    if filters.anchor:
        base = base.filter(anchor_state=filters.anchor)
    return base


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _same_point(a: Comment, b: Comment) -> bool:
    """Two readers pointing at the same words with the same fix."""
    if not a.suggestion or not b.suggestion:
        return False
    if _normal(a.quote_exact) != _normal(b.quote_exact):
        return False
    return fuzz.ratio(_normal(a.suggestion), _normal(b.suggestion)) >= DUPLICATE_SIMILARITY


def feedback_queue(*, user, filters: QueueFilters) -> Queue:
    """The queue a person may see: the books they edit (staff: every book)."""
    books = list(_scope(user).order_by("title"))
    if filters.book and filters.book not in {book.slug for book in books}:
        if not Book.objects.readable_by(user).filter(slug=filters.book).exists():
            raise Http404
        raise PermissionDenied(_("You are not an editor of that book."))
    if not books:
        raise PermissionDenied(_("The feedback queue is for a book's editors."))
    base = Comment.objects.filter(
        book__in=[book.pk for book in books],
        parent__isnull=True,
        deleted_at__isnull=True,
        moderation=Comment.Moderation.VISIBLE,
    )
    filtered = _filtered(base, filters)
    counts = dict(filtered.values_list("decision").annotate(n=Count("id")).order_by())
    counts["all"] = sum(counts.values())
    if filters.state != "all":
        filtered = filtered.filter(decision=filters.state)
    position = Block.objects.filter(
        revision=OuterRef("chapter__current_revision"), pid=OuterRef("pid")
    ).values("position")[:1]
    ordered = (
        filtered.annotate(block_position=Subquery(position, output_field=IntegerField()))
        .select_related("author", "book", "chapter__book", "revision", "incorporated_in")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Comment.objects.filter(deleted_at__isnull=True)
                .select_related("author")
                .order_by("created_at"),
            )
        )
        .order_by(*SORTS[filters.sort])
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(filters.page)
    comments = list(page.object_list)
    chapters = list(
        Chapter.objects.filter(book__in=[b.pk for b in books])
        .filter(book__slug=filters.book)
        .order_by("position")
        if filters.book
        else []
    )
    return Queue(filters, books, chapters, counts, page, _items(comments, base))


def _items(comments: list[Comment], base: QuerySet) -> list[QueueItem]:
    if not comments:
        return []
    # Comments on the book as a whole have no chapter, and so no block.
    on_chapters = [c for c in comments if c.chapter_id is not None]
    revision_ids = {c.chapter.current_revision_id for c in on_chapters}
    pids = {c.pid for c in on_chapters}
    blocks = {
        (block.revision_id, block.pid): block
        for block in Block.objects.filter(revision_id__in=revision_ids, pid__in=pids)
    }
    items = [
        QueueItem(c, c.chapter and blocks.get((c.chapter.current_revision_id, c.pid)))
        for c in comments
    ]
    _group_duplicates(items, base)
    # A suggestion grouped under an earlier item of the page is decided with it:
    # one card names everyone who made the point.
    grouped: set[int] = set()
    shown = []
    for item in items:
        if item.comment.pk in grouped:
            continue
        grouped.update(item.ids)
        shown.append(item)
    _orphan_candidates(shown)
    return shown


def _group_duplicates(items: list[QueueItem], base: QuerySet) -> None:
    """Attach to each suggestion the other suggestions in the same state making the
    same point, so one decision settles them all."""
    wanted = [item for item in items if item.comment.suggestion]
    if not wanted:
        return
    keys = Q()
    for item in wanted:
        keys |= Q(chapter_id=item.comment.chapter_id, pid=item.comment.pid)
    others = defaultdict(list)
    for other in (
        base.filter(keys)
        .filter(decision__in={item.comment.decision for item in wanted})
        .exclude(suggestion="")
        .select_related("author")
        .order_by("created_at")
    ):
        others[(other.chapter_id, other.pid)].append(other)
    for item in wanted:
        comment = item.comment
        item.duplicates = [
            other
            for other in others[(comment.chapter_id, comment.pid)]
            if other.pk != comment.pk
            and other.decision == comment.decision
            and _same_point(comment, other)
        ]


def _orphan_candidates(items: list[QueueItem]) -> None:
    """For comments on removed text, the current blocks most like the removed one."""
    # A comment on the book as a whole has no chapter and is never orphaned.
    orphans = [
        i
        for i in items
        if i.comment.anchor_state == Comment.AnchorState.ORPHANED and i.comment.chapter_id
    ]
    if not orphans:
        return
    revision_ids = {i.comment.chapter.current_revision_id for i in orphans}
    by_revision = defaultdict(list)
    for block in Block.objects.filter(revision_id__in=revision_ids).order_by("position"):
        by_revision[block.revision_id].append(block)
    for item in orphans:
        blocks = by_revision[item.comment.chapter.current_revision_id]
        found = process.extract(
            item.comment.block_text,
            [block.text for block in blocks],
            scorer=fuzz.ratio,
            limit=2,
            score_cutoff=CANDIDATE_SIMILARITY,
        )
        item.candidates = [blocks[index] for _text, _score, index in found]
