"""The Web Annotation Protocol as wethink serves it, beyond the W3C suite's checks:
preferences, conditional writes through the site's services, CORS, tokens, search,
the data model's details, and the site's visibility rules on every new URL."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import token_create
from chapters.models import Book, Chapter
from comments.annotations import annotation_path
from comments.models import Comment, CommentEdit
from comments.revising import chapter_revise
from comments.services import comment_moderate, comment_reply
from tests.api.annotation_model import assert_annotation, assert_page
from tests.conftest import CHAPTER_TEXT
from tests.factories import UserFactory, big_chapter, chapter_make, comment_make

LD = "application/ld+json"
LDP = "http://www.w3.org/ns/ldp#"
PREFER = 'return=representation;include="{}"'


def container(book_slug="open-book") -> str:
    return reverse("comments:api_book_annotations", kwargs={"book": book_slug})


def iri(comment) -> str:
    return f"http://testserver{annotation_path(comment)}"


def source(chapter) -> str:
    return f"http://testserver{chapter.get_absolute_url()}"


def annotation(chapter, **changes) -> dict:
    data = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "Through the book's container"},
        "target": {
            "source": source(chapter),
            "selector": {"type": "TextQuoteSelector", "exact": "sets the scene"},
        },
    }
    return {**data, **changes}


@pytest.fixture
def key(reader):
    return token_create(user=reader)


@pytest.fixture
def api(key, settings):
    """A client of another origin, as a standard annotation client is: a token, no
    cookies, CSRF enforced."""
    settings.WETHINK_COMMENTS_PER_MINUTE = 1000
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {key}")
    client.defaults["HTTP_ORIGIN"] = "https://annotator.example"
    return client


def create(api, chapter, **changes):
    return api.post(container(), json.dumps(annotation(chapter, **changes)), content_type=LD)


def put(api, url, data, etag=None):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return api.put(url, json.dumps(data), content_type=LD, **headers)


# Containers and preferences.


def test_containers_prefer_descriptions_by_default_iris_or_a_minimal_container(
    client, chapter, reader, settings
):
    settings.WETHINK_ANNOTATIONS_PAGE_SIZE = 2
    comments = [comment_make(chapter=chapter, author=reader, body=f"N{i}") for i in range(3)]
    chapter_api = reverse(
        "comments:api_chapter_annotations", kwargs={"book": "open-book", "chapter": chapter.slug}
    )
    for url in (container(), chapter_api):
        full = client.get(url)
        data = full.json()
        assert data["type"] == ["BasicContainer", "AnnotationCollection"]
        assert data["total"] == 3 and data["last"].endswith("?page=2")
        assert [item["id"] for item in data["first"]["items"]] == [iri(c) for c in comments[:2]]
        assert full["Content-Location"] == data["id"] == f"http://testserver{url}"
        assert full["Accept-Post"].startswith(LD)
        assert "Preference-Applied" not in full

        iris = client.get(
            url, HTTP_PREFER=PREFER.format("http://www.w3.org/ns/oa#PreferContainedIRIs")
        )
        data = iris.json()
        assert data["first"]["items"] == [iri(c) for c in comments[:2]]
        assert data["first"]["next"].endswith("?iris=1&page=2")
        assert iris["Preference-Applied"] == "return=representation"
        assert iris["ETag"] != full["ETag"]
        # The page's IRI carries the preference: no Prefer header is needed to read it.
        second = client.get(data["first"]["next"]).json()
        assert second["items"] == [iri(comments[2])] and second["prev"].endswith("iris=1&page=1")

        minimal = client.get(url, HTTP_PREFER=PREFER.format(f"{LDP}PreferMinimalContainer")).json()
        assert minimal["first"].endswith("?page=1") and "items" not in json.dumps(minimal)

        described = client.get(
            url, HTTP_PREFER=PREFER.format("http://www.w3.org/ns/oa#PreferContainedDescriptions")
        ).json()
        assert described == full.json()


def test_an_empty_container_links_its_first_and_last_page(client, book):
    data = client.get(container()).json()
    assert data["total"] == 0
    assert data["first"]["items"] == [] and data["last"].endswith("?page=1")
    assert client.get(data["last"]).json()["items"] == []


def test_containers_link_their_type_and_what_constrains_them(client, book):
    response = client.get(container())
    links = response["Link"]
    assert f'<{LDP}BasicContainer>; rel="type"' in links
    assert f'<http://www.w3.org/TR/annotation-protocol/>; rel="{LDP}constrainedBy"' in links
    page = f"http://testserver{reverse('comments:api_protocol')}"
    assert f'<{page}>; rel="{LDP}constrainedBy"' in links
    accepts = client.get(page)
    assert accepts.status_code == 200 and accepts["Content-Type"].startswith("text/html")
    assert b"TextQuoteSelector" in accepts.content and b"If-Match" in accepts.content
    assert response["Vary"].replace(" ", "").count("Accept,Prefer") == 1
    assert (
        response["Content-Type"]
        == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    )


def test_a_container_answers_a_revalidation_with_304_until_it_changes(client, chapter, reader):
    first = client.get(container())
    again = client.get(container(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    comment_make(chapter=chapter, author=reader)
    assert client.get(container(), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_methods_not_allowed_are_405_with_allow(client, book):
    response = client.put(container(), "{}", content_type=LD)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert "PUT is not allowed" in response.json()["error"]


# Annotations as resources.


def test_an_annotation_is_a_resource_with_its_thread_page_as_alternate(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader, quote="sets the scene")
    response = client.get(iri(comment))
    assert response.status_code == 200
    assert_annotation(response.json())
    assert response.json()["id"] == iri(comment)
    assert response["Allow"] == "GET, HEAD, OPTIONS, PUT, DELETE"
    assert f'<{LDP}Resource>; rel="type"' in response["Link"]
    thread = f"http://testserver{comment.get_absolute_url()}"
    assert f'<{thread}>; rel="alternate"; type="text/html"' in response["Link"]
    assert "Accept" in response["Vary"] and response["ETag"].startswith('"')
    assert client.get(iri(comment), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_an_annotations_iri_stays_when_its_paragraph_moves_to_another_chapter(
    client, chapter, reader, editor, book
):
    comment = comment_make(chapter=chapter, author=reader, position=2)
    before = client.get(iri(comment)).json()
    other = chapter_make(book=book, text="# Other\n\nElsewhere.", slug="other")
    Comment.objects.filter(pk=comment.pk).update(chapter=other)
    after = client.get(iri(comment)).json()
    assert after["id"] == before["id"] == iri(comment)
    assert after["target"]["source"] == source(other)


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 404), ("reader", 404), ("editor", 200), ("staff", 200)]
)
def test_comments_on_draft_chapters_are_hidden_on_every_new_url(
    client, chapter, reader, editor, staff, who, status
):
    comment = comment_make(chapter=chapter, author=reader, body="Seen early")
    Chapter.objects.filter(pk=chapter.pk).update(status=Chapter.Status.DRAFT)
    if who != "anonymous":
        client.force_login({"reader": reader, "editor": editor, "staff": staff}[who])
    assert client.get(iri(comment)).status_code == status
    listed = status == 200
    assert (client.get(container()).json()["total"] == 1) is listed
    search = reverse("comments:api_annotation_search", kwargs={"book": "open-book"})
    assert (client.get(search, {"text": "Seen early"}).json()["total"] == 1) is listed


def test_hidden_comments_are_404_to_others_and_shown_to_their_author(
    client, chapter, reader, editor
):
    comment = comment_make(chapter=chapter, author=reader)
    comment_moderate(user=editor, comment=comment, action="hide", reason="No")
    assert client.get(iri(comment)).status_code == 404
    client.force_login(reader)
    assert client.get(iri(comment)).status_code == 200


# Create.


def test_create_in_the_books_container_keeps_canonical_and_the_id_as_via(api, chapter, reader):
    response = create(
        api,
        chapter,
        canonical="urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        id="https://elsewhere.example/anno/7",
    )
    assert response.status_code == 201, response.content
    comment = Comment.objects.get()
    created = response.json()
    assert response["Location"] == created["id"] == iri(comment)
    assert created["id"].startswith(f"http://testserver{container()}")
    assert created["canonical"] == "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    assert created["via"] == "https://elsewhere.example/anno/7"
    assert comment.author == reader and comment.chapter == chapter
    assert comment.quote_prefix == "The opening paragraph "
    assert response["ETag"] == api.get(created["id"]).headers["ETag"]


def test_create_refuses_a_source_outside_the_book(api, chapter):
    for target in (
        {"source": "http://testserver/b/open-book/no-such-chapter/", "selector": []},
        {"source": "http://testserver/b/other-book/first-steps/"},
        {"source": "https://www.example.com/index.html"},
    ):
        target.setdefault("selector", {"type": "TextQuoteSelector", "exact": "sets the scene"})
        response = create(api, chapter, target=target)
        assert response.status_code == 400, response.content
        assert "error" in response.json()
    assert not Comment.objects.exists()


def test_replies_to_an_iri_or_to_a_thread_url(api, chapter, reader):
    parent = comment_make(chapter=chapter, author=UserFactory())
    for target in (iri(parent), f"http://testserver{parent.get_absolute_url()}"):
        response = create(api, chapter, target=target)
        assert response.status_code == 201, response.content
        assert response.json()["target"] == iri(parent)
    assert parent.replies.count() == 2


def test_the_comment_limit_holds_through_the_books_container(api, chapter, settings):
    settings.WETHINK_COMMENTS_PER_MINUTE = 1
    assert create(api, chapter).status_code == 201
    response = create(api, chapter)
    assert response.status_code == 429 and response.json()["error"]
    assert Comment.objects.count() == 1


def test_a_body_over_the_limit_is_413(api, chapter):
    big = {"type": "TextualBody", "value": "x" * 70_000}
    assert create(api, chapter, body=big).status_code == 413


# Update.


def test_update_needs_if_match_and_a_fresh_etag(api, chapter, reader):
    created = create(api, chapter)
    url, etag, data = created.json()["id"], created["ETag"], created.json()
    data["body"][0]["value"] = "Edited through PUT"
    missing = put(api, url, data)
    assert missing.status_code == 428 and "If-Match" in missing.json()["error"]
    stale = put(api, url, data, etag='"0000"')
    assert stale.status_code == 412 and stale.json()["error"]
    done = put(api, url, data, etag=etag)
    assert done.status_code == 200, done.content
    assert done.json()["body"][0]["value"] == "Edited through PUT"
    assert done["ETag"] != etag
    # The ETag read before the edit is stale now.
    data["body"][0]["value"] = "Again"
    assert put(api, url, data, etag=etag).status_code == 412
    comment = Comment.objects.get()
    assert comment.body == "Edited through PUT" and comment.edited_at is not None
    assert list(CommentEdit.objects.values_list("body", flat=True)) == [
        "Through the book's container"
    ]


def test_only_the_author_updates_or_deletes(api, chapter):
    other = comment_make(chapter=chapter, author=UserFactory(), body="Not yours")
    read = api.get(iri(other))
    data = read.json()
    data["body"][0]["value"] = "Taken over"
    assert put(api, iri(other), data, etag=read["ETag"]).status_code == 403
    assert api.delete(iri(other)).status_code == 403
    other.refresh_from_db()
    assert other.body == "Not yours" and other.deleted_at is None


def test_the_target_and_id_cannot_change(api, chapter, book):
    created = create(api, chapter)
    url, etag = created.json()["id"], created["ETag"]
    moved = created.json()
    moved["target"]["selector"][0]["value"] = (
        f"p-{chapter.current_revision.blocks.get(position=4).pid}"
    )
    response = put(api, url, moved, etag=etag)
    assert response.status_code == 400 and "target cannot change" in response.json()["error"]
    renamed = {**created.json(), "id": "http://testserver/api/b/open-book/annotations/999/"}
    assert put(api, url, renamed, etag=etag).status_code == 400
    assert Comment.objects.get().body == "Through the book's container"


def test_tags_are_kept_apart_from_the_text_and_replaced_by_put(api, chapter):
    bodies = [
        {"type": "TextualBody", "value": "Too long", "purpose": "commenting"},
        {"type": "TextualBody", "value": "style", "purpose": "tagging"},
        {"type": "TextualBody", "value": "  needs   work ", "purpose": "tagging"},
    ]
    created = create(api, chapter, body=bodies)
    assert created.status_code == 201, created.content
    comment = Comment.objects.get()
    assert comment.body == "Too long" and comment.tags == ["style", "needs work"]
    emitted = [b for b in created.json()["body"] if b["purpose"] == "tagging"]
    assert [b["value"] for b in emitted] == ["style", "needs work"]
    data = created.json()
    data["body"] = [b for b in data["body"] if b["value"] != "style"]
    assert put(api, data["id"], data, etag=created["ETag"]).status_code == 200
    comment.refresh_from_db()
    assert comment.tags == ["needs work"] and comment.body == "Too long"


def test_canonical_cannot_change(api, chapter):
    created = create(api, chapter, canonical="urn:uuid:1")
    data = {**created.json(), "canonical": "urn:uuid:2"}
    response = put(api, data["id"], data, etag=created["ETag"])
    assert response.status_code == 400 and "canonical" in response.json()["error"]
    assert Comment.objects.get().canonical == "urn:uuid:1"


# Delete.


def test_delete_is_204_replies_stay_and_the_iri_is_gone(api, chapter, reader, editor):
    created = create(api, chapter)
    comment = Comment.objects.get()
    reply = comment_reply(user=editor, parent=comment, body="A reply")
    assert api.delete(created.json()["id"], HTTP_IF_MATCH='"stale"').status_code == 412
    response = api.delete(created.json()["id"])
    assert response.status_code == 204 and response.content == b""
    comment.refresh_from_db()
    assert comment.deleted_at is not None and comment.body == ""
    assert Comment.objects.filter(pk=reply.pk, deleted_at__isnull=True).exists()
    gone = api.get(created.json()["id"])
    assert gone.status_code == 410 and gone.json()["error"]


# Auth and CORS.


def test_bearer_and_token_both_work_and_a_bad_one_is_401(chapter, reader, key):
    for scheme in ("Bearer", "Token", "bearer"):
        client = Client(HTTP_AUTHORIZATION=f"{scheme} {key}")
        assert (
            client.post(container(), json.dumps(annotation(chapter)), content_type=LD).status_code
            == 201
        )
    bad = Client(HTTP_AUTHORIZATION="Bearer nope")
    response = bad.post(container(), json.dumps(annotation(chapter)), content_type=LD)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert Comment.objects.count() == 3


def test_reads_from_any_origin_expose_the_protocols_headers(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader)
    for url in (container(), iri(comment)):
        response = client.get(url, HTTP_ORIGIN="https://annotator.example")
        assert response["Access-Control-Allow-Origin"] == "*"
        exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
        assert {"ETag", "Allow", "Link", "Location", "Content-Location", "Vary"} <= exposed
        assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_accepts_the_protocols_request_headers(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader)
    response = client.options(
        iri(comment),
        HTTP_ORIGIN="https://annotator.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-match, authorization, content-type",
    )
    assert response.status_code == 200
    accepted = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"Prefer", "If-Match", "Authorization", "Slug", "Content-Type"} <= accepted
    assert "PUT" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


def test_cookies_never_write_from_another_origin(chapter, reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    client.get(chapter.get_absolute_url())
    token = client.cookies["csrftoken"].value
    body = json.dumps(annotation(chapter))
    response = client.post(
        container(),
        body,
        content_type=LD,
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403 and "Bearer" in response.json()["error"]
    assert not Comment.objects.exists()
    # The same session on the site itself, with its CSRF token, may.
    same = client.post(
        container(), body, content_type=LD, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://testserver"
    )
    assert same.status_code == 201
    comment = Comment.objects.get()
    assert client.delete(iri(comment)).status_code == 403  # no CSRF token
    assert client.delete(iri(comment), HTTP_X_CSRFTOKEN=token).status_code == 204


# The data model's details.


def test_fragment_selectors_conform_to_html_fragments(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader)
    selector = client.get(iri(comment)).json()["target"]["selector"][0]
    assert selector["conformsTo"] == "http://tools.ietf.org/rfc/rfc3236"


def test_unknown_selectors_are_ignored_beside_a_usable_one(api, chapter):
    others = [
        {
            "type": "RangeSelector",
            "startSelector": {"type": "XPathSelector", "value": "/p[1]"},
            "endSelector": {"type": "XPathSelector", "value": "/p[2]"},
        },
        {"type": "TextPositionSelector", "start": 4, "end": 18},
    ]
    quote = {"type": "TextQuoteSelector", "exact": "sets the scene"}
    response = create(
        api, chapter, target={"source": source(chapter), "selector": [*others, quote]}
    )
    assert response.status_code == 201, response.content
    assert Comment.objects.get().quote_exact == "sets the scene"
    alone = create(api, chapter, target={"source": source(chapter), "selector": others})
    assert alone.status_code == 400 and "not supported" in alone.json()["error"]


# Search.


def test_search_by_chapter_user_quote_text_and_state(client, chapter, reader, editor, book):
    other = chapter_make(book=book, text="# Other\n\nElsewhere entirely.", slug="other")
    quoted = comment_make(chapter=chapter, author=reader, quote="sets the scene", body="Scene")
    later = comment_make(chapter=chapter, author=editor, position=7, body="On the quotation")
    elsewhere = comment_make(chapter=other, author=reader, body="Far away", suggestion="Near")
    chapter_revise(
        chapter=chapter,
        text=CHAPTER_TEXT.replace("> A quotation worth commenting on.\n\n", ""),
        editor=editor,
        message="r2",
    )
    Comment.objects.filter(pk=quoted.pk).update(decision=Comment.Decision.INCORPORATED)
    url = reverse("comments:api_annotation_search", kwargs={"book": book.slug})

    def found(**params):
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["type"] == "AnnotationCollection" and data["total"] == len(
            data["first"]["items"]
        )
        return {item["id"] for item in data["first"]["items"]}

    assert found(chapter="other") == {iri(elsewhere)}
    assert found(user="rea") == {iri(quoted), iri(elsewhere)}
    assert found(quote="THE SCENE") == {iri(quoted)}
    assert found(text="near") == {iri(elsewhere)}
    assert found(state="orphaned") == {iri(later)}
    assert found(state="incorporated") == {iri(quoted)}
    assert found(state="current") == {iri(elsewhere)}
    assert found(user="rea", chapter="first-steps") == {iri(quoted)}
    page = client.get(url, {"user": "rea", "page": 1}).json()
    assert_page(page)
    assert page["id"].endswith("?user=rea&page=1")
    assert client.get(url, {"state": "lost"}).status_code == 400
    assert client.get(url, {"text": "a\x00b"}).status_code == 400
    assert client.get(url, {"text": "x" * 201}).status_code == 400


@pytest.mark.django_db
def test_search_and_container_queries_do_not_grow(client):
    readers = [UserFactory() for _ in range(5)]
    counts = []
    for slug, blocks, comments in (("small", 5, 10), ("large", 300, 3000)):
        big_chapter(slug, blocks=blocks, comments=comments, readers=readers)
        search = reverse("comments:api_annotation_search", kwargs={"book": slug})
        for url, params, headers in (
            (search, {"text": "o", "state": "current"}, {}),
            (container(slug), {}, {"HTTP_PREFER": PREFER.format(f"{LDP}PreferMinimalContainer")}),
            (container(slug), {"iris": 1, "page": 1}, {}),
        ):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, params, **headers).status_code == 200
            counts.append(len(queries))
    assert counts[:3] == counts[3:], counts
    assert max(counts) <= 6, counts


# Discovery.


def test_chapter_pages_name_the_books_container(client, chapter, editor):
    chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nMore.\n", editor=editor, message="r2")
    for url in (chapter.get_absolute_url(), f"{chapter.get_absolute_url()}r1/"):
        response = client.get(url)
        expected = (
            f'<http://testserver{container()}>; rel="http://www.w3.org/ns/oa#annotationService"'
        )
        assert expected in response["Link"]
        assert (
            f'<link rel="http://www.w3.org/ns/oa#annotationService" href="{container()}">'
            in response.content.decode()
        )
    assert "Link" not in client.get(reverse("chapters:book_list"))


def test_draft_books_containers_are_404(client, chapter):
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.DRAFT)
    response = client.get(container())
    assert response.status_code == 404 and response.json() == {"error": "Not found."}
    assert "Link" not in client.get(chapter.get_absolute_url())


def test_tags_canonical_and_via_survive_a_backup(api, chapter):
    from jobs.backup import backup_restore, book_backup

    bodies = [
        {"type": "TextualBody", "value": "Kept", "purpose": "commenting"},
        {"type": "TextualBody", "value": "style", "purpose": "tagging"},
    ]
    create(api, chapter, body=bodies, canonical="urn:uuid:9", id="https://elsewhere.example/a/1")
    data = book_backup(book=chapter.book)
    Book.objects.filter(pk=chapter.book_id).delete()
    backup_restore(data=data, map_existing_users=True)
    comment = Comment.objects.get()
    assert (comment.tags, comment.canonical, comment.via) == (
        ["style"],
        "urn:uuid:9",
        "https://elsewhere.example/a/1",
    )
