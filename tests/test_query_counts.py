"""Pages that list comments, people or revisions run the same number of queries for a
book with ten times the data: nothing is loaded once per row.

Each test builds the same book at two sizes (N and ten times N of everything: readers,
comments of every kind, flags, votes, revisions) and compares the queries one
request makes on each."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Profile
from chapters.models import Block, Book, Chapter, ChapterRevision
from chapters.services import book_pids_used
from comments.decisions import comments_decide
from comments.models import Comment, Flag, Vote
from comments.revising import chapter_revise
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make, comment_row

SMALL, LARGE = 3, 30


def remark(chapter, block, author, i: int, **kw) -> Comment:
    return comment_row(
        chapter=chapter, block=block, author=author, body=f"Remark {i} about the opening", **kw
    )


def book_at(size: int, *, editor):
    """A book whose readers, comments (visible, pending, flagged, accepted,
    incorporated, on removed text, replies), votes and revisions number `size` each."""
    book = BookFactory(slug=f"book-{size}", editors=[editor], status=Book.Status.OPEN)
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="first", editor=editor)
    blocks = list(chapter.current_revision.blocks.order_by("position"))
    readers = [UserFactory(username=f"r{size}x{i}") for i in range(size)]
    credits = [Profile.Credit.NAME, Profile.Credit.OTHER, Profile.Credit.HIDDEN]
    for i, reader in enumerate(readers):
        Profile.objects.filter(user=reader).update(
            credit_as=credits[i % 3], credit_name=f"Reader {i}"
        )
    kinds = [
        {},
        {"moderation": Comment.Moderation.PENDING},
        {"decision": Comment.Decision.ACCEPTED},
        {
            "decision": Comment.Decision.INCORPORATED,
            "incorporated_in": chapter.current_revision,
        },
        {"anchor_state": Comment.AnchorState.ORPHANED},
        {"decision": Comment.Decision.DECLINED},
    ]
    rows = [
        remark(chapter, blocks[1 + i % (len(blocks) - 1)], readers[i], i * 10 + k, **kind)
        for i in range(size)
        for k, kind in enumerate(kinds)
    ]
    Comment.objects.bulk_create(rows)
    roots = list(Comment.objects.filter(chapter=chapter, parent=None).order_by("id"))
    Comment.objects.bulk_create(
        [
            remark(chapter, blocks[1], readers[-1 - i], 1000 + i, parent=root, depth=1)
            for i, root in enumerate(roots[:size])
        ]
    )
    visible = [root for root in roots if root.moderation == Comment.Moderation.VISIBLE]
    Flag.objects.bulk_create(
        [
            Flag(comment=root, user=readers[i], reason="Rude")
            for i, root in enumerate(visible[:size])
        ]
    )
    Vote.objects.bulk_create(
        [Vote(comment=root, user=readers[-1 - i]) for i, root in enumerate(visible[:size])]
    )
    start = chapter.current_revision.created_at
    ChapterRevision.objects.bulk_create(
        [
            ChapterRevision(
                chapter=chapter,
                number=n,
                title="First steps",
                text=CHAPTER_TEXT,
                editor=readers[n % size] if n % 2 else editor,
                message=f"Revision {n}",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(2, size + 2)
        ]
    )
    return book, chapter, readers


@pytest.fixture
def books(editor):
    return {size: book_at(size, editor=editor) for size in (SMALL, LARGE)}


def queries(client, method: str, url: str, data=None, status=200) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == status, (url, response.status_code)
    return len(captured)


def book_url(name: str, book) -> str:
    return reverse(name, kwargs={"book": book.slug})


def chapter_url(name: str, chapter) -> str:
    return reverse(name, kwargs={"book": chapter.book.slug, "chapter": chapter.slug})


PAGES = {
    "profile": lambda book, chapter, readers: reverse(
        "accounts:profile", kwargs={"username": readers[0].username}
    ),
    "search": lambda book, chapter, readers: book_url("chapters:book_search", book) + "?q=opening",
    "acknowledgements": lambda book, chapter, readers: book_url("comments:acknowledgements", book),
    "book feed": lambda book, chapter, readers: book_url("comments:book_feed", book),
    "chapter feed": lambda book, chapter, readers: chapter_url("comments:chapter_feed", chapter),
    "history": lambda book, chapter, readers: chapter_url("chapters:chapter_history", chapter),
    "removed text": lambda book, chapter, readers: chapter_url(
        "comments:removed_comments", chapter
    ),
}
EDITOR_PAGES = {
    "fold": lambda book, chapter, readers: chapter_url("comments:fold", chapter),
    "moderation": lambda book, chapter, readers: book_url("comments:moderation", book),
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "reader", "editor"])
def test_reading_pages_cost_the_same_at_ten_times_the_data(client, books, who, editor):
    if who != "anonymous":
        client.force_login(editor if who == "editor" else UserFactory(username="outsider"))
        # The person and their header facts are read from the database once, then kept.
        client.get(reverse("chapters:book_list"))
    pages = dict(PAGES, **(EDITOR_PAGES if who == "editor" else {}))
    for name, url in pages.items():
        few = queries(client, "get", url(*books[SMALL]))
        many = queries(client, "get", url(*books[LARGE]))
        assert few == many, f"{name}: {few} queries at {SMALL}, {many} at {LARGE}"


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["accept", "reject", "defer"])
def test_deciding_on_many_comments_costs_what_deciding_on_few_does(
    client, books, editor, decision, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    client.get(reverse("chapters:book_list"))  # the person is then kept in the cache
    counts = []
    for size in (SMALL, LARGE):
        book = books[size][0]
        ids = list(
            Comment.objects.filter(
                book=book, parent=None, decision=Comment.Decision.OPEN
            ).values_list("pk", flat=True)
        )
        assert len(ids) >= 3 * size
        with django_capture_on_commit_callbacks(execute=False):
            counts.append(
                queries(
                    client,
                    "post",
                    reverse("comments:decide"),
                    {"decision": decision, "ids": ids, "reason": "Out of scope."},
                    status=302,
                )
            )
        wanted = {"accept": "accepted", "reject": "declined", "defer": "deferred"}[decision]
        assert Comment.objects.filter(pk__in=ids, decision=wanted).count() == len(ids)
        replies = Comment.objects.filter(parent_id__in=ids, body="Out of scope.", author=editor)
        assert replies.count() == (len(ids) if decision == "reject" else 0)
    assert counts[0] == counts[1], f"{counts[0]} queries for {SMALL}, {counts[1]} for {LARGE}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Book, Chapter, ChapterRevision, Block, Comment])
def test_default_orderings_sort_on_the_rows_own_columns(model):
    assert "JOIN" not in str(model.objects.all().query)


@pytest.mark.django_db
def test_used_pids_come_back_once_each(chapter):
    for n in range(2, 5):
        chapter_revise(
            chapter=chapter, text=f"{CHAPTER_TEXT}\nAdded {n}.\n", editor=None, message=""
        )
    assert Block.objects.filter(revision__chapter=chapter).count() > 20
    with CaptureQueriesContext(connection) as captured:
        pids = book_pids_used(book=chapter.book)
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(query["sql"])
        rows = cursor.fetchall()
    assert len(rows) == len(pids) == len(set(rows))


@pytest.mark.django_db
def test_a_decision_follows_the_comment_as_it_is_now(chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    comments_decide(user=editor, comments=[comment], decision="accepted")
    drawn = Comment.objects.get(pk=comment.pk)
    Comment.objects.filter(pk=comment.pk).update(decision=Comment.Decision.INCORPORATED)
    with pytest.raises(ValidationError):
        comments_decide(user=editor, comments=[drawn], decision="declined", reason="No.")
    comment.refresh_from_db()
    assert comment.decision == Comment.Decision.INCORPORATED
    assert not comment.replies.exists()


@pytest.mark.django_db
def test_deciding_across_books_needs_every_book(chapter, reader, editor):
    other = BookFactory(slug="other-book")
    elsewhere = chapter_make(book=other, text=CHAPTER_TEXT, slug="elsewhere")
    mine = comment_make(chapter=chapter, author=reader)
    theirs = comment_make(chapter=elsewhere, author=reader)
    with pytest.raises(PermissionDenied):
        comments_decide(user=editor, comments=[mine, theirs], decision="accepted")
    assert set(Comment.objects.values_list("decision", flat=True)) == {Comment.Decision.OPEN}
    comments_decide(user=editor, comments=[mine], decision="accepted")
    mine.refresh_from_db()
    assert mine.decision == Comment.Decision.ACCEPTED
