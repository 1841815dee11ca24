"""Every door that makes a revision, racing every other: exactly one save wins, the
other is told of the conflict, nothing is overwritten and nothing is a server error.

The races run in real threads, each with its own database connection, and need
PostgreSQL; the conflict pages themselves are checked on any database.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from chapters import services
from chapters.models import Chapter
from chapters.services import ImportedFile, RevisionConflict
from comments.revising import book_import, chapter_revise
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make

pytestmark = pytest.mark.django_db(transaction=True)


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite allows one writer at a time, so saves cannot overlap; run on PostgreSQL"
        )


def fold_url(chapter):
    return reverse("comments:fold", kwargs={"book": chapter.book.slug, "chapter": chapter.slug})


def restore_url(chapter, number):
    return reverse(
        "chapters:chapter_restore",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "number": number},
    )


def admin_data(chapter, *, text, base):
    return {
        "book": chapter.book.pk,
        "position": chapter.position,
        "title": chapter.title,
        "slug": chapter.slug,
        "status": chapter.status,
        "comment_period": chapter.comment_period,
        "comments_close_at": "",
        "text": text,
        "message": "race",
        "base_revision": base,
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def outcome(response, *, conflict_status: int) -> str:
    if response.status_code == 302:
        return "saved"
    if response.status_code == conflict_status and b"Nothing was" in response.content:
        return "conflict"
    return f"status {response.status_code}"


def fold_door(client, chapter, *, base, text):
    def door(go):
        go()
        response = client.post(
            fold_url(chapter), {"text": text, "base": base, "message": "race", "action": "save"}
        )
        return outcome(response, conflict_status=409)

    return door


def admin_door(client, chapter, *, base, text):
    def door(go):
        go()
        response = client.post(
            reverse("admin:chapters_chapter_change", args=[chapter.pk]),
            admin_data(chapter, text=text, base=base),
        )
        return outcome(response, conflict_status=200)

    return door


def restore_door(client, chapter, *, number, base):
    def door(go):
        go()
        response = client.post(restore_url(chapter, number), {"base": base})
        return outcome(response, conflict_status=409)

    return door


_importing = threading.local()


def import_door(chapter, *, text, editor):
    """An import reads the chapters first; the race starts once it has read them,
    just before it locks them."""

    def door(go):
        _importing.go = go
        try:
            book_import(
                book_slug=chapter.book.slug,
                files=[ImportedFile(chapter.slug, chapter.title, text)],
                editor=editor,
            )
        finally:
            _importing.go = None
        return "saved"

    return door


@pytest.fixture
def race(monkeypatch):
    lock = services.chapters_lock

    def lock_after_reading(*, chapters):
        go = getattr(_importing, "go", None)
        if go is not None:
            _importing.go = None
            go()
        lock(chapters=chapters)

    monkeypatch.setattr(services, "chapters_lock", lock_after_reading)

    def run(*doors) -> list[str]:
        barrier = threading.Barrier(len(doors))
        outcomes: list[str] = [""] * len(doors)

        def one(i, door):
            from django.db import connection as own

            try:
                outcomes[i] = door(lambda: barrier.wait(timeout=30))
            except RevisionConflict:
                outcomes[i] = "conflict"
            except Exception as error:  # any other exception fails the test
                outcomes[i] = f"error {error!r}"
            finally:
                own.close()

        threads = [threading.Thread(target=one, args=(i, d)) for i, d in enumerate(doors)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return outcomes

    return run


@pytest.fixture
def scene(db):
    """A chapter at revision 2, two editors and a staff member."""
    one = UserFactory(username="ed-one")
    two = UserFactory(username="ed-two")
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    book = BookFactory(slug="race", editors=[one, two])
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="race", editor=one)
    chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nSecond.\n", editor=one, message="2")
    chapter.refresh_from_db()
    return chapter, one, two, staff


def assert_one_won(chapter, outcomes, *, texts):
    assert sorted(outcomes) == ["conflict", "saved"], outcomes
    chapter.refresh_from_db()
    assert chapter.revision == 3
    assert chapter.revisions.count() == 3
    winner = texts[outcomes.index("saved")]
    assert chapter.text == services.text_normalize(winner)


MINE = CHAPTER_TEXT + "\nMine.\n"
THEIRS = CHAPTER_TEXT + "\nTheirs.\n"


def test_fold_against_fold(scene, race):
    needs_postgresql()
    chapter, one, two, _staff = scene
    outcomes = race(
        fold_door(logged_in(one), chapter, base=2, text=MINE),
        fold_door(logged_in(two), chapter, base=2, text=THEIRS),
    )
    assert_one_won(chapter, outcomes, texts=[MINE, THEIRS])


def test_fold_against_admin(scene, race):
    needs_postgresql()
    chapter, one, _two, staff = scene
    outcomes = race(
        fold_door(logged_in(one), chapter, base=2, text=MINE),
        admin_door(logged_in(staff), chapter, base=2, text=THEIRS),
    )
    assert_one_won(chapter, outcomes, texts=[MINE, THEIRS])


def test_fold_against_restore(scene, race):
    needs_postgresql()
    chapter, one, two, _staff = scene
    outcomes = race(
        fold_door(logged_in(one), chapter, base=2, text=MINE),
        restore_door(logged_in(two), chapter, number=1, base=2),
    )
    assert_one_won(chapter, outcomes, texts=[MINE, CHAPTER_TEXT])


def test_restore_against_restore(scene, race):
    needs_postgresql()
    chapter, one, two, _staff = scene
    outcomes = race(
        restore_door(logged_in(one), chapter, number=1, base=2),
        restore_door(logged_in(two), chapter, number=1, base=2),
    )
    assert_one_won(chapter, outcomes, texts=[CHAPTER_TEXT, CHAPTER_TEXT])
    assert chapter.current_revision.restored_from == 1


def test_admin_against_admin(scene, race):
    needs_postgresql()
    chapter, _one, _two, staff = scene
    other_staff = UserFactory(username="boss2", is_staff=True, is_superuser=True)
    outcomes = race(
        admin_door(logged_in(staff), chapter, base=2, text=MINE),
        admin_door(logged_in(other_staff), chapter, base=2, text=THEIRS),
    )
    assert_one_won(chapter, outcomes, texts=[MINE, THEIRS])


def test_import_against_fold(scene, race):
    needs_postgresql()
    chapter, one, two, _staff = scene
    outcomes = race(
        import_door(chapter, text=MINE, editor=one),
        fold_door(logged_in(two), chapter, base=2, text=THEIRS),
    )
    assert_one_won(chapter, outcomes, texts=[MINE, THEIRS])


def test_a_restore_after_another_save_is_a_clear_409_with_the_way_back(scene, client):
    chapter, one, two, _staff = scene
    chapter_revise(chapter=chapter, text=THEIRS, editor=two, message="3", base_revision=2)
    client.force_login(one)
    response = client.post(restore_url(chapter, 1), {"base": 2})
    assert response.status_code == 409
    assert "ed-two has since saved revision 3" in response.text
    assert reverse("chapters:chapter_history", args=[chapter.book.slug, chapter.slug]) in (
        response.text
    )
    chapter.refresh_from_db()
    assert chapter.revision == 3 and chapter.text == THEIRS


def test_the_history_page_sends_the_revision_it_shows(scene, client):
    chapter, one, _two, _staff = scene
    client.force_login(one)
    page = client.get(reverse("chapters:chapter_history", args=[chapter.book.slug, chapter.slug]))
    # Restore is a link to a confirmation carrying the base, and that page's form sends it.
    assert "/restore/1/?base=2" in page.text
    confirm = client.get(restore_url(chapter, 1), {"base": "2"})
    assert 'name="base" value="2"' in confirm.text


@pytest.mark.parametrize("base", ["x", "0", "²"])
def test_a_restore_with_an_unreadable_base_is_a_400(scene, client, base):
    chapter, one, _two, _staff = scene
    client.force_login(one)
    response = client.post(restore_url(chapter, 1), {"base": base})
    assert response.status_code == 400
    assert Chapter.objects.get(pk=chapter.pk).revision == 2
