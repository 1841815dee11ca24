"""Digests: what is new in what a reader watches, at most daily, each revision
told once, with one-click unsubscribe."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chapters.models import Chapter, ChapterRevision
from comments.revising import chapter_revise
from notices.digests import digest_make, digests_make
from notices.models import Digest, DigestEntry, Watch
from notices.services import unsubscribe_token, watch_set
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make

pytestmark = pytest.mark.django_db

LATER = timedelta(hours=24)


def revise(chapter: Chapter, editor, words: str, message: str) -> ChapterRevision:
    chapter.refresh_from_db()
    return chapter_revise(
        chapter=chapter, text=chapter.text + f"\n\n{words}\n", editor=editor, message=message
    )


@pytest.fixture
def watching(reader, chapter):
    watch_set(user=reader, book=chapter.book, chapter=chapter, on=True)
    return reader


def test_a_watched_chapters_revisions_come_in_one_email(watching, chapter, editor, committed):
    revise(chapter, editor, "One more paragraph.", "Added a closing thought")
    revise(chapter, editor, "And another.", "Second pass")
    with committed():
        call_command("send_digests", verbosity=0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [watching.email]
    assert message.subject == "New in “Open Book”"
    assert "Added a closing thought" in message.body
    assert "Second pass" in message.body
    assert "/b/open-book/first-steps/diff/1/3/" in message.body
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Digest.objects.get().sent_at is not None


def test_a_digest_is_never_sent_twice_and_at_most_daily(watching, chapter, editor, committed):
    revise(chapter, editor, "One more paragraph.", "First change")
    now = timezone.now()
    with committed():
        assert len(digests_make(now=now)) == 1
        assert digests_make(now=now) == []  # run again: nothing new
        revise(chapter, editor, "Later paragraph.", "Second change")
        # News, but within a day of the last digest: it waits.
        assert digests_make(now=now + timedelta(hours=2)) == []
        made = digests_make(now=timezone.now() + LATER)
    assert len(made) == 1
    assert len(mail.outbox) == 2
    assert "Second change" in mail.outbox[1].body
    assert "First change" not in mail.outbox[1].body
    assert DigestEntry.objects.count() == 2


def test_only_what_others_did_after_the_watch_began(reader, chapter, editor, committed):
    revise(chapter, editor, "Before watching.", "Old news")
    watch_set(user=reader, book=chapter.book, chapter=chapter, on=True)
    with committed():
        assert digests_make() == []
    # An editor watching their own book hears nothing of their own revisions.
    watch_set(user=editor, book=chapter.book, on=True)
    revise(chapter, editor, "Mine.", "My change")
    with committed():
        made = digests_make()
    assert [d.user for d in made] == [reader]


def test_a_watched_book_tells_of_new_chapters_but_not_drafts(reader, book, editor, committed):
    watch_set(user=reader, book=book, on=True)
    Watch.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    chapter_make(book=book, text="# Fresh\n\nA new chapter.", slug="fresh", editor=editor)
    chapter_make(
        book=book,
        text="# Secret\n\nNot yet.",
        slug="secret",
        editor=editor,
        status=Chapter.Status.DRAFT,
    )
    with committed():
        digests_make()
    body = mail.outbox[0].body
    assert "Fresh" in body and "a new chapter" in body
    assert "Secret" not in body


def test_a_chapter_that_opens_is_told(reader, book, editor, committed):
    watch_set(user=reader, book=book, on=True)
    Watch.objects.update(created_at=timezone.now() - timedelta(hours=2))
    opens = timezone.now() + timedelta(hours=1)
    chapter = chapter_make(
        book=book, text="# Soon\n\nComing.", slug="soon", editor=editor, opens_at=opens
    )
    with committed():
        assert digests_make() == []  # not open yet: readers may not see it
        # The opening time comes.
        Chapter.objects.filter(pk=chapter.pk).update(opens_at=timezone.now() - timedelta(minutes=1))
        made = digests_make()
    assert len(made) == 1
    assert DigestEntry.objects.filter(opened=chapter).exists()
    assert "Soon — now open to readers" in mail.outbox[0].body


def test_an_email_less_or_inactive_reader_gets_no_digest(watching, chapter, editor, committed):
    revise(chapter, editor, "More.", "Change")
    watching.email = ""
    watching.save()
    with committed():
        assert digests_make() == []
    assert not mail.outbox


def test_each_revision_is_told_once_per_reader(watching, chapter, editor):
    revision = revise(chapter, editor, "More.", "Change")
    first = Digest.objects.create(user=watching)
    DigestEntry.objects.create(digest=first, user=watching, revision=revision)
    second = Digest.objects.create(user=watching)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        DigestEntry.objects.create(digest=second, user=watching, revision=revision)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_runs_at_once_send_one_digest():
    editor = UserFactory(username="ed2")
    reader = UserFactory(username="rea2")
    book = BookFactory(slug="race", editors=[editor])
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="c", editor=editor)
    watch_set(user=reader, book=book, on=True)
    revise(chapter, editor, "More.", "Change")
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(digest_make(user=reader))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is not None for result in results) == 1
    assert Digest.objects.count() == 1
    assert DigestEntry.objects.count() == 1
    assert len(mail.outbox) == 1


def test_one_click_unsubscribe_works_without_login_or_csrf(watching, chapter, book):
    other = watch_set(user=watching, book=book, on=True)
    assert other
    token = unsubscribe_token(user_id=watching.pk)
    url = reverse("notices:unsubscribe", kwargs={"token": token})
    browser = Client(enforce_csrf_checks=True)
    # A GET (a mail scanner following the link) only asks.
    page = browser.get(url)
    assert page.status_code == 200
    assert "Stop watching everything" in page.content.decode()
    assert Watch.objects.filter(user=watching).count() == 2
    done = browser.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert not Watch.objects.filter(user=watching).exists()
    # Again: already done, still fine.
    assert "already stopped" in browser.post(url).content.decode()


def test_a_watchs_own_link_stops_only_it(watching, chapter, book):
    watch_set(user=watching, book=book, on=True)
    one = Watch.objects.get(user=watching, chapter=chapter)
    token = unsubscribe_token(user_id=watching.pk, watch_id=one.pk)
    Client().post(reverse("notices:unsubscribe", kwargs={"token": token}))
    assert list(Watch.objects.filter(user=watching).values_list("chapter", flat=True)) == [None]


@pytest.mark.parametrize("token", ["nonsense", "eyJ1Ijo1fQ:1abc:forged", "a" * 300])
def test_a_forged_or_broken_link_is_a_400(client, watching, token):
    response = client.post(reverse("notices:unsubscribe", kwargs={"token": token}))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert Watch.objects.filter(user=watching).exists()
    # Someone else's valid link cannot be turned into one for this reader.
    forged = unsubscribe_token(user_id=watching.pk)[:-2] + "xx"
    assert client.post(reverse("notices:unsubscribe", kwargs={"token": forged})).status_code == 400
