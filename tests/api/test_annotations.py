"""The W3C Web Annotation API: reading pages and collections, posting annotations.

What the API emits is held to the model's MUSTs as written out in
`tests/api/annotation_model.py`; the W3C test suite's schemas check it too in
`test_annotation_schemas.py` when ../shared is there.
"""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import token_create, token_revoke
from chapters.models import Book
from comments.annotations import annotation_path
from comments.models import Comment
from comments.revising import chapter_revise
from comments.services import comment_moderate, comment_reply
from tests.api.annotation_model import assert_annotation, assert_collection, assert_page
from tests.conftest import CHAPTER_TEXT
from tests.factories import UserFactory, big_chapter, comment_make

LD = "application/ld+json"


def urls(chapter):
    kw = {"book": chapter.book.slug, "chapter": chapter.slug}
    return {
        "book": reverse("comments:api_book_annotations", kwargs={"book": chapter.book.slug}),
        "chapter": reverse("comments:api_chapter_annotations", kwargs=kw),
        "blocks": reverse("comments:api_blocks", kwargs=kw),
    }


def pid_at(chapter, position):
    return chapter.current_revision.blocks.get(position=position).pid


def test_lists_are_valid_annotation_pages_with_where_each_comment_stands(
    client, chapter, reader, editor
):
    passage = comment_make(
        chapter=chapter, author=reader, quote="sets the scene", suggestion="opens the story"
    )
    plain = comment_make(chapter=chapter, author=reader, position=4, body="On paragraph four")
    removed = comment_make(chapter=chapter, author=reader, position=7, body="On the quote")
    comment_reply(user=editor, parent=plain, body="A reply")
    chapter_revise(
        chapter=chapter,
        text=CHAPTER_TEXT.replace("sets the scene", "sets the scene well").replace(
            "> A quotation worth commenting on.\n\n", ""
        ),
        editor=editor,
        message="r2",
    )
    Comment.objects.filter(pk=plain.pk).update(
        decision="incorporated", incorporated_in=chapter.current_revision
    )
    for url in (urls(chapter)["book"], urls(chapter)["chapter"]):
        response = client.get(url, {"page": 1})
        assert response.status_code == 200
        assert response["Content-Type"].startswith(LD)
        page = response.json()
        assert_page(page)
        assert page["partOf"]["total"] == 4
        by_id = {item["id"].rstrip("/").split("/")[-1]: item for item in page["items"]}
        assert by_id[str(passage.pk)]["wethink:state"] == "changed"
        assert by_id[str(passage.pk)]["motivation"] == "editing"
        assert by_id[str(passage.pk)]["body"][1] == {
            "type": "TextualBody",
            "value": "opens the story",
            "purpose": "editing",
        }
        selectors = by_id[str(passage.pk)]["target"]["selector"]
        assert selectors[0]["value"] == f"p-{passage.pid}"
        assert selectors[1]["exact"] == "sets the scene"
        assert by_id[str(plain.pk)]["wethink:state"] == "incorporated"
        assert by_id[str(removed.pk)]["wethink:state"] == "orphaned"
        assert by_id[str(removed.pk)]["wethink:revision"] == 1
        assert by_id[str(removed.pk)]["wethink:chapter"] == chapter.slug
        reply = next(i for i in page["items"] if i["motivation"] == "replying")
        assert reply["target"] == f"http://testserver{annotation_path(plain)}"


def test_hidden_comments_are_left_out_for_others(client, chapter, reader, editor):
    hidden = comment_make(chapter=chapter, author=reader, body="Hidden")
    comment_moderate(user=editor, comment=hidden, action="hide", reason="No")
    assert client.get(urls(chapter)["chapter"]).json()["total"] == 0
    client.force_login(reader)
    assert client.get(urls(chapter)["chapter"]).json()["total"] == 1


def test_pagination(client, chapter, reader, settings):
    settings.WETHINK_ANNOTATIONS_PAGE_SIZE = 2
    for i in range(5):
        comment_make(chapter=chapter, author=UserFactory(), body=f"Number {i}")
    url = urls(chapter)["chapter"]
    first = client.get(url, {"page": 1}).json()
    assert_page(first)
    assert len(first["items"]) == 2 and first["next"].endswith("?page=2")
    assert "prev" not in first
    third = client.get(url, {"page": 3}).json()
    assert len(third["items"]) == 1 and third["startIndex"] == 4 and "next" not in third
    assert client.get(url, {"page": 4}).status_code == 404
    assert client.get(url, {"page": "abc"}).status_code == 400


def test_blocks_endpoint(client, chapter):
    blocks = client.get(urls(chapter)["blocks"]).json()
    assert [b["n"] for b in blocks] == list(range(1, 9))
    assert blocks[1] == {
        "pid": pid_at(chapter, 2),
        "n": 2,
        "text": "The opening paragraph sets the scene.",
    }


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 404), ("reader", 404), ("editor", 200), ("staff", 200)]
)
def test_draft_books_are_hidden_from_the_api(client, chapter, reader, editor, staff, who, status):
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.DRAFT)
    if who != "anonymous":
        client.force_login({"reader": reader, "editor": editor, "staff": staff}[who])
    for url in urls(chapter).values():
        response = client.get(url)
        assert response.status_code == status
        if status == 404:
            assert response.json() == {"error": "Not found."}


def annotation(chapter, **changes):
    data = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "Posted through the API"},
        "target": {
            "source": f"http://testserver{chapter.get_absolute_url()}",
            "selector": {"type": "FragmentSelector", "value": f"p-{pid_at(chapter, 2)}"},
        },
    }
    data.update(changes)
    return data


def post(client, chapter, data, **headers):
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(urls(chapter)["chapter"], body, content_type=LD, **headers)


def test_create_with_a_token_without_csrf(chapter, reader):
    key = token_create(user=reader)
    client = Client(enforce_csrf_checks=True)
    response = post(client, chapter, annotation(chapter), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 201, response.content
    created = response.json()
    assert_annotation(created)
    comment = Comment.objects.get()
    assert comment.author == reader and comment.body == "Posted through the API"
    assert response["Location"] == f"http://testserver{annotation_path(comment)}"
    assert (
        post(client, chapter, annotation(chapter), HTTP_AUTHORIZATION="Token wrong").status_code
        == 401
    )
    token_revoke(user=reader)
    response = post(client, chapter, annotation(chapter), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="wethink"')
    assert Comment.objects.count() == 1


def test_create_with_a_session_needs_csrf(chapter, reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    assert post(client, chapter, annotation(chapter)).status_code == 403
    client.get(chapter.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = post(client, chapter, annotation(chapter), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert Comment.objects.count() == 1


def test_anonymous_posts_are_401(client, chapter):
    response = post(client, chapter, annotation(chapter))
    assert response.status_code == 401
    assert not Comment.objects.exists()


def test_a_passage_with_a_suggestion_and_a_quote_only_target(client, chapter, reader):
    client.force_login(reader)
    data = annotation(
        chapter,
        body=[
            {"type": "TextualBody", "value": "Cliché", "purpose": "commenting"},
            {"type": "TextualBody", "value": "opens the story", "purpose": "editing"},
        ],
        target={
            "source": chapter.get_absolute_url(),
            "selector": {"type": "TextQuoteSelector", "exact": "sets the scene"},
        },
    )
    response = post(client, chapter, data)
    assert response.status_code == 201, response.content
    comment = Comment.objects.get()
    assert comment.pid == pid_at(chapter, 2)
    assert (comment.quote_exact, comment.suggestion) == ("sets the scene", "opens the story")
    assert comment.quote_prefix == "The opening paragraph "


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "one annotation as a JSON object"),
        ({"body": {"type": "TextualBody", "value": "  "}}, "The annotation has no comment"),
        ({"body": {"type": "Image", "id": "http://example.org/a.png"}}, "Only text bodies"),
        ({"target": {"source": "http://testserver/b/open-book/other/"}}, "this chapter's URL"),
        (
            {
                "target": {
                    "source": "/b/open-book/first-steps/",
                    "selector": {"type": "FragmentSelector", "value": "p-zzzzzz"},
                }
            },
            "is not in revision 1",
        ),
        (
            {
                "target": {
                    "source": "/b/open-book/first-steps/",
                    "selector": {"type": "CssSelector", "value": "p"},
                }
            },
            "not supported",
        ),
        (
            {
                "target": {
                    "source": "/b/open-book/first-steps/",
                    "selector": {"type": "TextQuoteSelector", "exact": "nowhere at all"},
                }
            },
            "in no paragraph or in several",
        ),
        ({"wethink:revision": 9}, "Revision 9 of this chapter does not exist."),
    ],
)
def test_bad_annotations_are_400_with_a_message(client, chapter, reader, data, message):
    client.force_login(reader)
    body = (
        data
        if isinstance(data, str)
        else (data if isinstance(data, list) else annotation(chapter, **data))
    )
    response = post(client, chapter, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Comment.objects.exists()


def test_replies_must_stay_in_their_chapter(client, chapter, reader, book):
    from tests.factories import chapter_make

    other = chapter_make(book=book, text="# Other\n\nElsewhere.", slug="other")
    elsewhere = comment_make(chapter=other, author=reader)
    here = comment_make(chapter=chapter, author=reader)
    client.force_login(UserFactory())
    response = post(
        client,
        chapter,
        annotation(chapter, target=f"http://testserver{elsewhere.get_absolute_url()}"),
    )
    assert response.status_code == 400
    assert "another chapter" in response.json()["error"]
    response = post(
        client, chapter, annotation(chapter, target=f"http://testserver{here.get_absolute_url()}")
    )
    assert response.status_code == 201
    assert here.replies.count() == 1 and not elsewhere.replies.exists()


def test_rate_limit_closed_book_and_size(client, chapter, reader, settings):
    settings.WETHINK_COMMENTS_PER_MINUTE = 1
    client.force_login(reader)
    assert post(client, chapter, annotation(chapter)).status_code == 201
    response = post(client, chapter, annotation(chapter))
    assert response.status_code == 429 and "wait a moment" in response.json()["error"]
    big = annotation(chapter, body={"type": "TextualBody", "value": "x" * 70_000})
    assert post(client, chapter, big).status_code == 413
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.CLOSED)
    assert post(client, chapter, annotation(chapter)).status_code == 403
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_list_queries_do_not_grow(client):
    readers = [UserFactory() for _ in range(5)]
    small, _ = big_chapter("small", blocks=5, comments=10, readers=readers)
    large, _ = big_chapter("large", blocks=300, comments=5000, readers=readers)
    counts = []
    for chapter in (small, large):
        for url in (urls(chapter)["book"], urls(chapter)["chapter"], urls(chapter)["blocks"]):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
    assert counts[:3] == counts[3:], counts
    assert max(counts) <= 6, counts


def test_the_book_downloads_as_one_annotation_collection(client, chapter, reader):
    url = reverse("comments:api_book_collection", kwargs={"book": chapter.book.slug})
    empty = client.get(url).json()
    assert_collection(empty)
    assert empty["total"] == 0 and "first" not in empty
    for i in range(3):
        comment_make(chapter=chapter, author=reader, body=f"Note {i}")
    response = client.get(url)
    assert response["Content-Disposition"].startswith("attachment;")
    collection = response.json()
    assert_collection(collection)
    assert collection["total"] == 3
    assert_page({"@context": collection["@context"], **collection["first"]})
    assert [item["body"][0]["value"] for item in collection["first"]["items"]] == [
        "Note 0",
        "Note 1",
        "Note 2",
    ]
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.DRAFT)
    assert client.get(url).status_code == 404
