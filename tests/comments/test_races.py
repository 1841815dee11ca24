"""Simultaneous writes by one reader, on real threads with a connection each.

They run on PostgreSQL only: SQLite allows one writer at a time, so the writes
cannot overlap there.
"""

import threading

import pytest
from django.db import connection

from comments.models import Comment, Vote
from comments.posting import RateLimited
from comments.services import comment_create, vote_toggle
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite allows one writer at a time, so writes cannot overlap; run on PostgreSQL"
        )


def at_once(n: int, call) -> list:
    """Run `call(i)` on n threads released together; the outcome or error of each."""
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            outcomes[i] = call(i)
        except Exception as error:
            outcomes[i] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def scene():
    editor = UserFactory(username="ed")
    book = BookFactory(slug="race", editors=[editor])
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="race", editor=editor)
    return chapter, UserFactory(username="rea"), UserFactory(username="voter")


def test_thirty_simultaneous_posts_by_one_reader_stop_at_the_limit(scene, settings):
    # Each thread stands for a worker process with a cache of its own, which
    # knows nothing of the others' posts.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.WETHINK_COMMENTS_PER_MINUTE = 10
    chapter, reader, _voter = scene
    pid = chapter.current_revision.blocks.get(position=2).pid

    outcomes = at_once(
        30,
        lambda i: comment_create(user=reader, chapter=chapter, pid=pid, body=f"Post {i}"),
    )

    posted = [o for o in outcomes if isinstance(o, Comment)]
    refused = [o for o in outcomes if isinstance(o, RateLimited)]
    assert len(posted) == 10
    assert len(refused) == 20
    assert Comment.objects.filter(author=reader).count() == 10


def test_simultaneous_toggles_never_make_two_votes_or_fail(scene):
    chapter, reader, voter = scene
    comment = comment_make(chapter=chapter, author=reader)

    outcomes = at_once(8, lambda i: vote_toggle(user=voter, comment=comment))

    assert all(isinstance(o, bool) for o in outcomes), outcomes
    # Eight toggles one after the other: the vote was given and taken back four times.
    assert outcomes.count(True) == 4
    assert not Vote.objects.exists()
    comment.refresh_from_db()
    assert comment.vote_count == 0


def test_simultaneous_votes_with_a_wanted_state_make_one_vote(scene):
    chapter, reader, voter = scene
    comment = comment_make(chapter=chapter, author=reader)

    outcomes = at_once(8, lambda i: vote_toggle(user=voter, comment=comment, voted=True))

    assert outcomes == [True] * 8
    assert Vote.objects.filter(comment=comment, user=voter).count() == 1
    comment.refresh_from_db()
    assert comment.vote_count == 1


def test_simultaneous_votes_by_several_readers_are_all_counted(scene):
    chapter, reader, _voter = scene
    comment = comment_make(chapter=chapter, author=reader)
    voters = [UserFactory() for _ in range(6)]

    outcomes = at_once(6, lambda i: vote_toggle(user=voters[i], comment=comment))

    assert outcomes == [True] * 6
    comment.refresh_from_db()
    assert comment.vote_count == Vote.objects.filter(comment=comment).count() == 6
