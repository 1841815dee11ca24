"""Comments on a chapter someone may not read are not shown to them by any door, and
they cannot act on them: the chapter's editors and staff can.

One open book with a published chapter and a draft chapter; the editor comments on
both. Every door is tried by an anonymous visitor and a plain reader (who must see
nothing of the draft's comment, and get a 404 where they try to act) and by the
editor and staff (who see and act as usual)."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import token_create
from chapters.models import Book, Chapter
from comments.models import Comment, Flag, Vote
from comments.selectors import comment_get_for_reader
from tests.conftest import CHAPTER_TEXT
from tests.factories import UserFactory, chapter_make, comment_make

SECRET = "Zanzibarish remark on the draft"
PUBLIC = "Plainly public remark"
OUTSIDERS = ["anonymous", "reader"]
INSIDERS = ["editor", "staff"]


@pytest.fixture
def draft(book, editor):
    return chapter_make(
        book=book,
        text=CHAPTER_TEXT,
        slug="draft-steps",
        editor=editor,
        status=Chapter.Status.DRAFT,
    )


@pytest.fixture
def secret(draft, editor):
    return comment_make(chapter=draft, author=editor, body=SECRET)


@pytest.fixture
def public(chapter, editor):
    return comment_make(chapter=chapter, author=editor, body=PUBLIC)


@pytest.fixture
def people(reader, editor, staff):
    return {"anonymous": None, "reader": reader, "editor": editor, "staff": staff}


def client_for(people, who: str) -> Client:
    client = Client()
    if people[who] is not None:
        client.force_login(people[who])
    return client


def text_of(response) -> str:
    if "json" in response.get("Content-Type", ""):
        return json.dumps(json.loads(response.content), ensure_ascii=False)
    # Search marks the words found.
    return response.content.decode().replace("<mark>", "").replace("</mark>", "")


def book_pages(book) -> dict[str, str]:
    return {
        "book feed": reverse("comments:book_feed", kwargs={"book": book.slug}),
        "API book list": reverse("comments:api_book_annotations", kwargs={"book": book.slug}),
        "collection": reverse("comments:api_book_collection", kwargs={"book": book.slug}),
        "search": reverse("chapters:book_search", kwargs={"book": book.slug}) + "?q=zanzibarish",
    }


def draft_pages(draft, secret) -> dict[str, str]:
    keys = {"book": draft.book.slug, "chapter": draft.slug}
    return {
        "chapter feed": reverse("comments:chapter_feed", kwargs=keys),
        "API chapter list": reverse("comments:api_chapter_annotations", kwargs=keys),
        "thread": reverse("comments:thread", kwargs={**keys, "pid": secret.pid}),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("who", OUTSIDERS)
def test_book_wide_doors_leave_out_draft_comments(who, people, book, secret, public):
    client = client_for(people, who)
    for door, url in book_pages(book).items():
        response = client.get(url)
        assert response.status_code == 200, door
        assert SECRET not in text_of(response), door
    # The published chapter's comment is still there, so the door itself works.
    for door in ("book feed", "API book list", "collection"):
        assert PUBLIC in text_of(client.get(book_pages(book)[door])), door


@pytest.mark.django_db
@pytest.mark.parametrize("who", INSIDERS)
def test_book_wide_doors_show_draft_comments_to_editors(who, people, book, secret, public):
    client = client_for(people, who)
    for door, url in book_pages(book).items():
        response = client.get(url)
        assert response.status_code == 200, door
        assert SECRET in text_of(response), door


@pytest.mark.django_db
@pytest.mark.parametrize("who", OUTSIDERS)
def test_draft_chapter_doors_are_404(who, people, draft, secret):
    client = client_for(people, who)
    for door, url in draft_pages(draft, secret).items():
        response = client.get(url)
        assert response.status_code == 404, door
        assert SECRET not in text_of(response), door


@pytest.mark.django_db
@pytest.mark.parametrize("who", INSIDERS)
def test_draft_chapter_doors_open_for_editors(who, people, draft, secret):
    client = client_for(people, who)
    for door, url in draft_pages(draft, secret).items():
        response = client.get(url)
        assert response.status_code == 200, door
        assert SECRET in text_of(response), door


@pytest.mark.django_db
def test_a_draft_pid_under_a_published_chapter_is_404(client, chapter, secret):
    url = reverse(
        "comments:thread",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": secret.pid},
    )
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "reader", "editor", "staff"])
def test_profile_of_the_author(who, people, editor, secret, public):
    response = client_for(people, who).get(
        reverse("accounts:profile", kwargs={"username": editor.username})
    )
    assert response.status_code == 200
    assert PUBLIC in response.content.decode()
    assert (SECRET in response.content.decode()) is (who in INSIDERS)


@pytest.mark.django_db
def test_profile_leaves_out_comments_of_a_book_back_in_draft(client, reader, book, chapter):
    comment_make(chapter=chapter, author=reader, body=SECRET)
    Book.objects.filter(pk=book.pk).update(status=Book.Status.DRAFT)
    url = reverse("accounts:profile", kwargs={"username": reader.username})
    assert SECRET not in client.get(url).content.decode()
    assert not Comment.objects.visible_to(reader).exists()


@pytest.mark.django_db
def test_reader_cannot_reply_vote_or_flag_on_a_draft_comment(client, reader, secret):
    client.force_login(reader)
    before = Comment.objects.count()
    posts = {
        "reply": (reverse("comments:reply", kwargs={"pk": secret.pk}), {"body": "Leaked?"}),
        "vote": (reverse("comments:vote", kwargs={"pk": secret.pk}), {}),
        "flag": (reverse("comments:flag", kwargs={"pk": secret.pk}), {"reason": "Odd."}),
    }
    for action, (url, data) in posts.items():
        assert client.post(url, data).status_code == 404, action
    assert client.get(posts["flag"][0]).status_code == 404
    assert Comment.objects.count() == before
    assert not Vote.objects.exists()
    assert not Flag.objects.exists()
    # Nothing reached the public feed either.
    feed = client.get(reverse("comments:book_feed", kwargs={"book": secret.book.slug}))
    assert "Leaked?" not in feed.content.decode()


@pytest.mark.django_db
def test_a_404_for_a_draft_comment_is_the_same_as_for_no_comment(client, reader, secret):
    client.force_login(reader)
    hidden = client.post(reverse("comments:vote", kwargs={"pk": secret.pk}))
    missing = client.post(reverse("comments:vote", kwargs={"pk": secret.pk + 1000}))
    assert hidden.status_code == missing.status_code == 404
    assert SECRET not in hidden.content.decode()


@pytest.mark.django_db
def test_editor_and_staff_can_reply_vote_and_flag_on_a_draft_comment(
    client, book, draft, secret, staff
):
    other = UserFactory(username="coed")
    book.editors.add(other)
    for person in (other, staff):
        client.force_login(person)
        reply = client.post(
            reverse("comments:reply", kwargs={"pk": secret.pk}), {"body": "Agreed."}
        )
        assert reply.status_code == 302
        assert client.post(reverse("comments:vote", kwargs={"pk": secret.pk})).status_code == 302
        flagged = client.post(
            reverse("comments:flag", kwargs={"pk": secret.pk}), {"reason": "Check this."}
        )
        assert flagged.status_code == 302
    assert secret.replies.count() == 2
    assert Vote.objects.filter(comment=secret).count() == 2
    assert Flag.objects.filter(comment=secret).count() == 2


@pytest.mark.django_db
def test_api_reply_to_a_draft_comment_is_refused_as_unknown(reader, chapter, secret):
    token = token_create(user=reader)
    url = reverse(
        "comments:api_chapter_annotations",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug},
    )
    body = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "Leaked?", "purpose": "replying"},
        "target": f"http://testserver{secret.get_absolute_url()}",
    }
    response = Client().post(
        url,
        json.dumps(body),
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 400
    assert "does not exist" in response.json()["error"]
    assert not secret.replies.exists()


@pytest.mark.django_db
def test_a_book_back_in_draft_hides_its_comments_from_readers(reader, book, chapter, staff):
    mine = comment_make(chapter=chapter, author=reader, body=SECRET)
    Book.objects.filter(pk=book.pk).update(status=Book.Status.DRAFT)
    with pytest.raises(Http404):
        comment_get_for_reader(user=reader, pk=mine.pk)
    assert comment_get_for_reader(user=staff, pk=mine.pk) == mine
    book.refresh_from_db()
    assert not Comment.objects.visible_to(reader, book=book).exists()


def queries_for(client, urls) -> list[int]:
    # Each pass from an empty cache: the pages are built, not read back stored (the
    # writes between passes move versions only on commit, which a test never does).
    cache.clear()
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts.append(len(queries))
    return counts


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "reader", "editor"])
def test_the_rule_costs_no_query_per_comment_or_chapter(
    who, people, book, editor, chapter, settings
):
    settings.WETHINK_COMMENTS_PER_MINUTE = 1000  # the rate limit is not what this is about
    client = client_for(people, who)
    comment_make(chapter=chapter, author=editor, body=PUBLIC)
    urls = [
        *book_pages(book).values(),
        reverse("accounts:profile", kwargs={"username": editor.username}),
    ]
    few = queries_for(client, urls)
    for n in range(2):
        for status in (Chapter.Status.DRAFT, Chapter.Status.PUBLISHED):
            slug = f"more-{status}-{n}"
            more = chapter_make(
                book=book, text=CHAPTER_TEXT, slug=slug, editor=editor, status=status
            )
            for position in (2, 3, 4):
                comment_make(chapter=more, author=editor, body=f"{SECRET} {position}")
    assert queries_for(client, urls) == few


@pytest.mark.django_db
def test_a_profile_shows_held_comments_to_whoever_sees_them_in_the_thread(
    client, reader, editor, chapter
):
    """One rule (`visible_to`): the book's editors see a held comment on its author's
    profile as in its thread; other readers see it in neither."""
    held = comment_make(chapter=chapter, author=reader, body=SECRET)
    Comment.objects.filter(pk=held.pk).update(moderation=Comment.Moderation.PENDING)
    profile = reverse("accounts:profile", kwargs={"username": reader.username})
    thread = held.get_absolute_url().split("#")[0]
    client.force_login(editor)
    assert SECRET in client.get(profile).text and SECRET in client.get(thread).text
    client.force_login(UserFactory(username="passer-by"))
    assert SECRET not in client.get(profile).text and SECRET not in client.get(thread).text


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "reader", "editor", "staff"])
def test_asking_of_one_chapter_is_the_same_rule(who, people, book, chapter, draft, reader):
    """`visible_to(..., chapter=)` asks the chapter once instead of through every
    comment: the same comments, for every chapter state and every person."""
    from django.contrib.auth.models import AnonymousUser

    user = people[who] or AnonymousUser()
    for place in (chapter, draft):
        comment_make(chapter=place, author=place.book.editors.first(), body="Seen by some.")
        held = comment_make(chapter=place, author=reader, body="Held.")
        Comment.objects.filter(pk=held.pk).update(moderation=Comment.Moderation.PENDING)
    scheduled = chapter_make(book=book, text=CHAPTER_TEXT, slug="later", editor=None)
    Chapter.objects.filter(pk=scheduled.pk).update(opens_at="2999-01-01T00:00:00Z")
    scheduled.refresh_from_db()
    comment_make(chapter=scheduled, author=reader, body="Early.")
    for place in (chapter, draft, scheduled):
        general = Comment.objects.visible_to(user, book=book).filter(chapter=place)
        asked = Comment.objects.visible_to(user, book=book, chapter=place)
        assert sorted(asked.values_list("pk", flat=True)) == sorted(
            general.values_list("pk", flat=True)
        ), place.slug
    # The draft's comments are the editors' and staff's alone.
    shown = Comment.objects.visible_to(user, book=book, chapter=draft).exists()
    assert shown == (who in INSIDERS)
