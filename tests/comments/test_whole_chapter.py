"""Comments on a chapter as a whole: their own thread after the text, with replies,
votes, moderation, the queue, folding and the annotations API, and they stay with
their chapter whatever later revisions do to its paragraphs."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import token_create
from comments.decisions import comments_decide
from comments.folding import fold_save
from comments.models import WHOLE_CHAPTER, Comment
from comments.revising import chapter_revise
from comments.services import comment_create, comment_reply, vote_toggle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def whole_url(chapter) -> str:
    return reverse(
        "comments:thread",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": WHOLE_CHAPTER},
    )


def test_a_reader_comments_on_the_chapter_as_a_whole(client, chapter, reader):
    page = client.get(chapter.get_absolute_url()).text
    assert 'id="p-chapter"' in page and "Comment on the chapter as a whole" in page
    assert f'href="{WHOLE_CHAPTER}/"' in page or f'href="p/{WHOLE_CHAPTER}/"' in page

    thread = client.get(whole_url(chapter))
    assert thread.status_code == 200
    assert "Comments on the chapter as a whole" in thread.text
    assert "Log in to comment" in thread.text

    client.force_login(reader)
    form = client.get(whole_url(chapter)).text
    assert 'name="quote"' not in form and 'name="suggestion"' not in form
    response = client.post(whole_url(chapter), {"body": "The argument needs an example."})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.pid, comment.anchor_state, comment.block_text) == (WHOLE_CHAPTER, "current", "")
    assert comment.get_absolute_url().startswith(whole_url(chapter))

    client.logout()
    page = client.get(chapter.get_absolute_url()).text
    assert "1 comment on the chapter as a whole" in page
    assert "The argument needs an example." in client.get(whole_url(chapter)).text


def test_a_quote_or_a_suggestion_is_refused_and_nothing_is_written(client, chapter, reader):
    client.force_login(reader)
    for extra in ({"quote": "sets the scene"}, {"suggestion": "Another chapter"}):
        response = client.post(whole_url(chapter), {"body": "Hm.", **extra})
        assert response.status_code == 400
        assert "no quote or suggested wording" in response.text
    assert not Comment.objects.exists()


def test_it_stays_with_its_chapter_through_revisions(client, chapter, reader, editor):
    comment = comment_create(user=reader, chapter=chapter, pid=WHOLE_CHAPTER, body="Overall.")
    chapter_revise(
        chapter=chapter,
        text="# All new\n\nNothing left of before.\n",
        editor=editor,
        message="rewrite",
    )
    comment.refresh_from_db()
    assert (comment.pid, comment.chapter_id, comment.anchor_state) == (
        WHOLE_CHAPTER,
        chapter.pk,
        "current",
    )
    page = client.get(chapter.get_absolute_url()).text
    assert "Comments on text that has been removed" not in page
    assert "1 comment on the chapter as a whole" in page
    # On an old revision's page the link keeps the revision; a revision that does
    # not exist is a 404.
    assert client.get(whole_url(chapter) + "?r=1").status_code == 200
    assert client.get(whole_url(chapter) + "?r=99").status_code == 404


def test_replies_votes_moderation_and_the_queue(client, chapter, reader, editor):
    comment = comment_create(user=reader, chapter=chapter, pid=WHOLE_CHAPTER, body="Overall.")
    reply = comment_reply(user=editor, parent=comment, body="Thank you.")
    assert reply.pid == WHOLE_CHAPTER
    other = UserFactory(username="voter")
    assert vote_toggle(user=other, comment=comment) is True
    client.force_login(editor)
    queue = client.get(reverse("comments:feedback")).text
    assert "Overall." in queue and "the chapter as a whole" in queue
    assert "The paragraph was removed" not in queue

    comments_decide(user=editor, comments=[comment], decision="accepted")
    fold = client.get(
        reverse("comments:fold", kwargs={"book": chapter.book.slug, "chapter": chapter.slug})
    ).text
    assert "The chapter as a whole" in fold
    fold_save(
        user=editor,
        chapter=chapter,
        base=1,
        text=chapter.text + "\nMore.\n",
        message="fold",
        folded=[comment.pk],
    )
    comment.refresh_from_db()
    assert comment.decision == "incorporated"


def test_the_annotations_api_names_it_with_its_fragment(chapter, reader):
    comment = comment_create(user=reader, chapter=chapter, pid=WHOLE_CHAPTER, body="Overall.")
    kw = {"book": chapter.book.slug, "chapter": chapter.slug}
    url = reverse("comments:api_chapter_annotations", kwargs=kw)
    client = Client()
    listed = client.get(url + "?page=1", HTTP_ACCEPT="application/ld+json").json()
    item = next(i for i in listed["items"] if i["id"].endswith(f"/{comment.pk}/"))
    assert item["target"]["selector"][0]["value"] == "p-chapter"

    key = token_create(user=reader)
    data = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "Also overall."},
        "target": {
            "source": f"http://testserver{chapter.get_absolute_url()}",
            "selector": {"type": "FragmentSelector", "value": "p-chapter"},
        },
    }
    response = client.post(
        url,
        json.dumps(data),
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 201, response.content
    assert Comment.objects.get(body="Also overall.").pid == WHOLE_CHAPTER


def test_every_page_that_lists_comments_shows_it_without_error(client, chapter, reader, editor):
    comment = comment_create(
        user=reader, chapter=chapter, pid=WHOLE_CHAPTER, body="Overall, a good start."
    )
    comment_reply(user=editor, parent=comment, body="Noted, thanks.")
    book, slug = chapter.book.slug, chapter.slug
    kw = {"book": book, "chapter": slug}
    pages = [
        reverse("accounts:profile", kwargs={"username": reader.username}),
        reverse("comments:recent_changes", kwargs={"book": book}),
        reverse("comments:recent_changes_feed", kwargs={"book": book}),
        reverse("comments:book_feed", kwargs={"book": book}),
        reverse("comments:chapter_feed", kwargs=kw),
        reverse("comments:passages", kwargs=kw),
        reverse("comments:api_book_annotations", kwargs={"book": book}),
        reverse("chapters:book_search", kwargs={"book": book}) + "?q=overall",
    ]
    editors_pages = [
        reverse("comments:moderation", kwargs={"book": book}),
        reverse("comments:contested", kwargs=kw),
        reverse("comments:feedback") + "?sort=reading",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    client.force_login(reader)
    for url in [*pages, reverse("notices:inbox")]:
        assert client.get(url).status_code == 200, url
    assert "Noted, thanks." in client.get(reverse("notices:inbox")).text
    client.force_login(editor)
    for url in [*pages, *editors_pages]:
        assert client.get(url).status_code == 200, url
