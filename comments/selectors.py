"""Permission-scoped reads of comments. Each function runs a fixed number of queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, StringAgg, Sum, Value
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from chapters.models import Block, Book, Chapter, chapter_public_q
from comments.models import Comment, Flag
from wethink.paging import page_get

SORTS = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    "votes": ("-vote_count", "created_at", "id"),
}


@dataclass(frozen=True)
class ChapterCounts:
    """What a chapter page counts: comments per block (pid), and top-level comments
    on text removed from the chapter (`orphaned_comments`)."""

    blocks: dict[str, int]
    orphaned: int


def chapter_counts(*, user, chapter: Chapter) -> ChapterCounts:
    """The comments on the chapter that `user` can see, counted per block, and those
    of them listed under the chapter as on removed text: one query. A page asks for
    the orphaned comments themselves only when there are some.

    The query returns the comments' pids as one string (pids are slugs: no spaces),
    counted here: an aggregate without groups, so the plan never sorts a busy
    chapter's thousands of comments to group them, whatever the planner believes of
    the table (one it has not analysed yet is believed to hold a row or two)."""
    orphan = Q(anchor_state=Comment.AnchorState.ORPHANED, parent__isnull=True)
    found = (
        Comment.objects.visible_to(user, book=chapter.book, chapter=chapter)
        .filter(deleted_at__isnull=True)
        .aggregate(pids=StringAgg("pid", Value(" ")), orphaned=Count("id", filter=orphan))
    )
    return ChapterCounts(
        blocks=dict(Counter((found["pids"] or "").split())), orphaned=found["orphaned"]
    )


def has_unlisted_comments(*, user, book: str, chapter: str) -> bool:
    """Whether `user` wrote comments on the chapter (by slugs) that only they and
    the editors see (pending, hidden, spam) and that are not removed: their chapter
    page then shows counts and comments others do not see. One query."""
    return (
        Comment.objects.filter(
            author=user, book__slug=book, chapter__slug=chapter, deleted_at__isnull=True
        )
        .exclude(moderation=Comment.Moderation.VISIBLE)
        .exists()
    )


def book_editor_ids(*, book: Book) -> frozenset[int]:
    """The accounts named as the book's editors (their comments carry a badge): one query."""
    return frozenset(book.editors.values_list("pk", flat=True))


def chapter_passages(*, user, chapter: Chapter) -> list[dict[str, str]]:
    """The quoted passages of the comments on the chapter's current text that `user`
    can see, for highlighting on its page: pid, exact and prefix. One query."""
    rows = (
        Comment.objects.visible_to(user, book=chapter.book, chapter=chapter)
        .filter(deleted_at__isnull=True, parent__isnull=True)
        .exclude(quote_exact="")
        .exclude(anchor_state=Comment.AnchorState.ORPHANED)
        .order_by("pid", "id")
        .values_list("pid", "quote_exact", "quote_prefix")
    )
    seen = set()
    passages = []
    for pid, exact, prefix in rows:
        if (pid, exact, prefix) not in seen:
            seen.add((pid, exact, prefix))
            passages.append({"pid": pid, "exact": exact, "prefix": prefix})
    return passages


def thread_comments(
    *, user, chapter: Chapter | None, pid: str, sort: str = "oldest", book: Book | None = None
) -> list[Comment]:
    """The comments on one block as a tree: top-level comments in `sort` order, each
    with `.children` (oldest first, nested). With no chapter, the comments on `book`
    as a whole. One query."""
    book = book or chapter.book
    place = Q(chapter__isnull=True) if chapter is None else Q(pid=pid)
    comments = list(
        Comment.objects.visible_to(user, book=book, chapter=chapter)
        .filter(place)
        .with_viewer(user)
        .select_related("author", "revision", "incorporated_in")
        .order_by(*SORTS.get(sort, SORTS["oldest"]))
    )
    standing = reputations(user_ids={comment.author_id for comment in comments})
    for comment in comments:
        comment.author_reputation = standing.get(comment.author_id, 0)
    return _as_tree(comments, sort=sort)


def discussion_count(*, user, book: Book) -> int:
    """Comments on `book` as a whole that `user` can see, not removed: one query."""
    return (
        Comment.objects.visible_to(user, book=book)
        .filter(chapter__isnull=True, deleted_at__isnull=True)
        .count()
    )


def _as_tree(comments: list[Comment], *, sort: str) -> list[Comment]:
    ids = {comment.pk for comment in comments}
    children: dict[int, list[Comment]] = defaultdict(list)
    roots = []
    for comment in comments:
        if comment.parent_id in ids:
            children[comment.parent_id].append(comment)
        else:
            roots.append(comment)
    for comment in comments:
        comment.children = sorted(children.get(comment.pk, []), key=lambda c: (c.created_at, c.pk))
    return roots


def tree_size(roots: list[Comment]) -> int:
    """Comments in a thread tree that are not removed, as the block's count shows them."""
    return sum(
        (0 if comment.is_deleted else 1) + tree_size(getattr(comment, "children", []))
        for comment in roots
    )


ORPHANS_PAGE_SIZE = 20


def orphaned_comments(*, user, chapter: Chapter, page: int | None = None) -> Page:
    """Top-level comments on text removed from the chapter, newest first: page
    `page` of them (two queries). Without `page`, the first page for the chapter
    itself, in one query and without counting: its `has_next` says whether the
    full list has more."""
    rows = (
        Comment.objects.visible_to(user, book=chapter.book, chapter=chapter)
        .filter(
            anchor_state=Comment.AnchorState.ORPHANED,
            parent__isnull=True,
            deleted_at__isnull=True,
        )
        .select_related("author", "revision")
        .order_by("-created_at", "-id")
    )
    if page is None:
        found = Paginator(list(rows[: ORPHANS_PAGE_SIZE + 1]), ORPHANS_PAGE_SIZE).page(1)
    else:
        found = page_get(rows, number=page, per_page=ORPHANS_PAGE_SIZE)
    found.object_list = list(found.object_list)
    # Their links name the book and chapter: the ones at hand, not one query each.
    for comment in found.object_list:
        comment.chapter = chapter
        comment.book = chapter.book
    return found


def comments_for_decision(*, user, ids: list[int]) -> list[Comment]:
    """The comments `ids` as `user` may see them, for a decision (the service checks
    that they edit the books). Someone who edits no book is refused outright
    (PermissionDenied); otherwise one query, and a comment gone or not visible to
    them is a ValidationError."""
    if not Book.objects.editable_by(user).exists():
        raise PermissionDenied(_("Only a book's editors can decide on its comments."))
    found = list(
        Comment.objects.visible_to(user).filter(pk__in=ids).select_related("book", "chapter")
    )
    if len(found) != len(set(ids)):
        raise ValidationError(_("Some of that feedback no longer exists."))
    return found


def comment_get_for_reader(*, user, pk: int) -> Comment:
    """A comment the person may see, on a chapter they may read; 404 otherwise, as
    for a comment that does not exist. One query."""
    return get_object_or_404(
        Comment.objects.visible_to(user).select_related("book", "chapter", "author", "parent"),
        pk=pk,
    )


MODERATION_PAGE_SIZE = 25


@dataclass(frozen=True)
class ModerationQueue:
    page: Page
    pending: int
    flagged: int


def moderation_queue(*, book: Book, page: int | None = None) -> ModerationQueue:
    """Pending comments and comments with unresolved flags of a book, oldest first,
    for its editors: one page of them, with each one's open flags, and how many
    are waiting and flagged in all. Four queries, however long the queue."""
    open_flags = Flag.objects.filter(resolved_at__isnull=True)
    # The condition itself, not an annotation of it: Django drops an annotation
    # that an aggregate's filter names from the subquery it counts over.
    flagged = Q(Exists(open_flags.filter(comment=OuterRef("pk"))))
    pending = Q(moderation=Comment.Moderation.PENDING)
    waiting = Comment.objects.filter(book=book).filter(pending | flagged)
    counts = waiting.aggregate(
        pending=Count("id", filter=pending), flagged=Count("id", filter=flagged)
    )
    rows = (
        waiting.select_related("author", "chapter", "book")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=open_flags.select_related("user").order_by("created_at", "id"),
                to_attr="open_flags",
            )
        )
        .order_by("created_at", "id")
    )
    return ModerationQueue(
        page=page_get(rows, number=page, per_page=MODERATION_PAGE_SIZE), **counts
    )


PROFILE_PAGE_SIZE = 50


def comments_by_author(*, viewer, author) -> dict:
    """A person's comments that `viewer` may see, newest first, with where each stands,
    and how many were incorporated. A fixed number of queries."""
    # The one rule of who sees a comment: a book's editors see its held comments here
    # too, with their badges, as in its threads.
    qs = Comment.objects.visible_to(viewer).filter(author=author, deleted_at__isnull=True)
    top = Q(parent__isnull=True)
    counts = qs.aggregate(
        total=Count("id"),
        incorporated=Count("id", filter=top & Q(decision=Comment.Decision.INCORPORATED)),
        accepted=Count("id", filter=top & Q(decision=Comment.Decision.ACCEPTED)),
    )
    comments = list(
        qs.select_related("book", "chapter", "revision", "incorporated_in").order_by(
            "-created_at", "-id"
        )[:PROFILE_PAGE_SIZE]
    )
    return {
        "comments": comments,
        **counts,
    }


def acknowledgements(*, book: Book) -> list[dict]:
    """Everyone whose comments were folded into the book, most contributions first,
    under the name they chose; people who asked not to be listed are left out. Only
    what every reader may see counts: visible comments on public chapters (a draft's
    credits appear when it opens). Two queries, however many people."""
    from accounts.models import Profile

    rows = list(
        Comment.objects.filter(
            chapter_public_q(through="chapter__"),
            book=book,
            parent__isnull=True,
            decision=Comment.Decision.INCORPORATED,
            moderation=Comment.Moderation.VISIBLE,
        )
        .values("author_id", "author__username")
        .annotate(n=Count("id"))
        .order_by("-n", "author__username")
    )
    profiles = {
        profile.user_id: profile
        for profile in Profile.objects.filter(
            user_id__in=[row["author_id"] for row in rows]
        ).select_related("user")
    }
    people = []
    for row in rows:
        profile = profiles.get(row["author_id"])
        name = row["author__username"] if profile is None else profile.credit_label
        if name:
            people.append({"name": name, "username": row["author__username"], "count": row["n"]})
    return people


def reputations(*, user_ids) -> dict[int, int]:
    """A figure per person: 10 per comment incorporated, 3 per comment accepted, 1 per
    vote their comments received. One query."""
    rows = (
        Comment.objects.filter(author_id__in=list(user_ids), deleted_at__isnull=True)
        .values("author_id")
        .annotate(
            incorporated=Count("id", filter=Q(decision=Comment.Decision.INCORPORATED)),
            accepted=Count("id", filter=Q(decision=Comment.Decision.ACCEPTED)),
            votes=Sum("vote_count"),
        )
        .order_by()
    )
    return {
        row["author_id"]: 10 * row["incorporated"] + 3 * row["accepted"] + (row["votes"] or 0)
        for row in rows
    }


def folded_between(*, chapter: Chapter, after: int, upto: int) -> dict[str, list[Comment]]:
    """Comments incorporated in revisions after..upto of the chapter, by the pid of the
    block they changed. One query."""
    found: dict[str, list[Comment]] = defaultdict(list)
    for comment in (
        Comment.objects.filter(
            chapter=chapter,
            parent__isnull=True,
            decision=Comment.Decision.INCORPORATED,
            incorporated_in__number__gt=after,
            incorporated_in__number__lte=upto,
        )
        .select_related("author", "book", "chapter")
        .order_by("created_at")
    ):
        found[comment.pid].append(comment)
    return found


# Every decided state counts: a paragraph whose comments were all declined was
# still discussed.
CONTESTED_STATES = ("open", "accepted", "incorporated", "declined")


def _decision_counts(rows, key: str) -> dict:
    counts: dict = defaultdict(lambda: dict.fromkeys(CONTESTED_STATES, 0))
    for row in rows:
        decision = row["decision"]
        if decision == Comment.Decision.DEFERRED:
            decision = Comment.Decision.OPEN
        if decision in CONTESTED_STATES:
            counts[row[key]][decision] += row["n"]
    return counts


def _contested_base(book: Book):
    return Comment.objects.filter(
        book=book,
        parent__isnull=True,
        deleted_at__isnull=True,
        moderation=Comment.Moderation.VISIBLE,
    )


def block_decision_counts(*, chapter: Chapter) -> dict[str, dict[str, int]]:
    """Per block (pid): how many comments are open (or deferred), accepted,
    incorporated and declined. One query."""
    rows = (
        _contested_base(chapter.book)
        .filter(chapter=chapter)
        .values("pid", "decision")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _decision_counts(rows, "pid")


def chapter_decision_counts(*, book: Book) -> dict[int, dict[str, int]]:
    """The same per chapter of a book, for the contents. One query."""
    rows = (
        _contested_base(book)
        .filter(chapter__isnull=False)
        .values("chapter_id", "decision")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _decision_counts(rows, "chapter_id")


def fold_candidates(chapter: Chapter) -> list[Comment]:
    """Accepted, not yet incorporated comments of the chapter, in reading order (the
    fold page's list). Two queries."""
    positions = dict(
        Block.objects.filter(revision_id=chapter.current_revision_id).values_list("pid", "position")
    )
    comments = list(
        Comment.objects.filter(
            chapter=chapter,
            parent__isnull=True,
            decision=Comment.Decision.ACCEPTED,
            deleted_at__isnull=True,
        ).select_related("author", "revision")
    )
    for comment in comments:
        comment.position = positions.get(comment.pid)
    comments.sort(key=lambda c: (c.position is None, c.position or 0, c.created_at))
    return comments
