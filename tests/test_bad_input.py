"""Bad input gets a 4xx with a message, never a 500: one test per case found."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from chapters.models import Chapter
from comments.models import Comment
from tests.factories import comment_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # An exception in a view is a 500 here, as in production, not a test error.
    return Client(raise_request_exception=False)


def login(client, user):
    client.force_login(user)
    return client


def api_url(chapter):
    return reverse(
        "comments:api_chapter_annotations",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug},
    )


def thread_url(chapter, pid):
    return reverse(
        "comments:thread", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": pid}
    )


def fold_url(chapter):
    return reverse("comments:fold", kwargs={"book": chapter.book.slug, "chapter": chapter.slug})


def first_pid(chapter):
    return chapter.current_revision.blocks.get(position=2).pid


def post_json(client, url, data, **extra):
    body = data if isinstance(data, (bytes, str)) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


def annotation(chapter, pid, **fields):
    data = {
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "A thought."},
        "target": {
            "source": "http://testserver"
            + reverse(
                "chapters:chapter_detail",
                kwargs={"book": chapter.book.slug, "chapter": chapter.slug},
            ),
            "selector": {"type": "FragmentSelector", "value": f"p-{pid}"},
        },
    }
    data.update(fields)
    return data


# Numbers: "²".isdigit() is true, int("²") fails.


@pytest.mark.parametrize(
    "page", ["²", "\u0661\u0662", "1_0", "-1", "0", "99999999999999999999", "x"]
)
def test_api_page_that_is_not_a_number_is_400_json(client, chapter, page):
    response = client.get(api_url(chapter), {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()["error"]


@pytest.mark.parametrize("param", ["reply", "r"])
def test_thread_number_parameters_are_400(client, chapter, param):
    response = client.get(thread_url(chapter, first_pid(chapter)), {param: "²"})
    assert response.status_code == 400
    assert "whole number" in response.text
    assert 'class="site-header"' in response.text


def test_thread_post_reply_to_that_is_not_a_number_is_400(client, chapter, reader):
    login(client, reader)
    response = client.post(thread_url(chapter, first_pid(chapter)), {"body": "", "reply_to": "²"})
    assert response.status_code == 400


def test_queue_page_that_is_not_a_number_is_400(client, chapter, editor):
    login(client, editor)
    response = client.get(reverse("comments:feedback"), {"page": "²"})
    assert response.status_code == 400
    assert "whole number" in response.text


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_unknown_choice_gets_the_sites_400_page(client, chapter, editor, settings, debug):
    settings.DEBUG = debug
    login(client, editor)
    response = client.get(reverse("comments:feedback"), {"state": "bogus"}, HTTP_ACCEPT="*/*")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "“bogus”" in response.text
    assert 'class="site-header"' in response.text
    assert "<title>That request cannot be read · wethink</title>" in response.text


@pytest.mark.parametrize(
    "data",
    [
        {"one": "accept:²"},
        {"decision": "accept", "ids": ["²"]},
        {"decision": "accept", "ids": ["1"], "group-1": ["1", "²"]},
    ],
)
def test_decide_with_ids_that_are_not_numbers_is_400(client, chapter, editor, data):
    login(client, editor)
    response = client.post(reverse("comments:decide"), data)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        {"base": "²", "text": "x"},
        {"base": "1", "text": "x", "folded": ["²"]},
        {"base": "1", "text": "x", "action": "apply:abc"},
        {"base": "1", "text": "x", "action": "apply:²"},
        {"base": "1", "text": "x", "action": "applesauce"},
    ],
)
def test_fold_with_unreadable_numbers_is_400(client, chapter, editor, data):
    login(client, editor)
    response = client.post(fold_url(chapter), data)
    assert response.status_code == 400
    assert Chapter.objects.get(pk=chapter.pk).revision == 1


def test_fold_still_applies_a_suggestion_by_id(client, chapter, editor, reader):
    comment = comment_make(chapter=chapter, author=reader, suggestion="The new opening.")
    Comment.objects.filter(pk=comment.pk).update(decision=Comment.Decision.ACCEPTED)
    login(client, editor)
    response = client.post(
        fold_url(chapter), {"base": "1", "text": chapter.text, "action": f"apply:{comment.pk}"}
    )
    assert response.status_code == 200
    assert "The new opening." in response.context["text"]


def test_fold_is_still_for_editors_only(client, chapter, reader):
    login(client, reader)
    assert client.post(fold_url(chapter), {"base": "1", "action": "apply:abc"}).status_code in {
        403,
        404,
    }


# NUL characters: PostgreSQL refuses them in any string.


@pytest.mark.parametrize(
    "name, params",
    [
        ("search", {"q": "scene\x00"}),
        ("queue", {"commenter": "a\x00b"}),
        ("queue", {"book\x00": "x"}),
    ],
)
def test_nul_in_a_query_string_is_400(client, chapter, editor, name, params):
    login(client, editor)
    url = {
        "search": reverse("chapters:book_search", kwargs={"book": chapter.book.slug}),
        "queue": reverse("comments:feedback"),
    }[name]
    response = client.get(url, params)
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.text


def test_nul_in_the_path_is_400(client, db):
    response = client.get("/accounts/u/ab%00c/")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        {"body": "A\x00thought."},
        {"body": "A thought.", "quote": "opening\x00"},
        {"body": "A thought.", "quote_prefix": "\x00"},
    ],
)
def test_nul_in_a_comment_form_is_400_and_writes_nothing(client, chapter, reader, data):
    login(client, reader)
    response = client.post(thread_url(chapter, first_pid(chapter)), data)
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_nul_in_fold_text_is_400(client, chapter, editor):
    login(client, editor)
    response = client.post(fold_url(chapter), {"base": "1", "text": "New\x00text"})
    assert response.status_code == 400
    assert Chapter.objects.get(pk=chapter.pk).revision == 1


@pytest.mark.parametrize("where", ["body", "quote", "key"])
def test_nul_in_api_json_is_400(client, chapter, reader, where):
    login(client, reader)
    data = annotation(chapter, first_pid(chapter))
    if where == "body":
        data["body"]["value"] = "A\x00thought"
    elif where == "quote":
        data["target"]["selector"] = {"type": "TextQuoteSelector", "exact": "opening\x00"}
    else:
        data["x\x00"] = 1
    response = post_json(client, api_url(chapter), data)
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert not Comment.objects.exists()


def test_lone_surrogate_in_api_json_is_400(client, chapter, reader):
    login(client, reader)
    body = json.dumps(annotation(chapter, first_pid(chapter))).replace(
        "A thought.", "A thought \\ud800"
    )
    response = post_json(client, api_url(chapter), body)
    assert response.status_code == 400
    assert not Comment.objects.exists()


# Markdown nested too deep for the renderer.


@pytest.mark.parametrize("body", ["- " * 500 + "x", "* " * 500, "1. " * 333, "> " * 500])
def test_deeply_nested_comment_is_refused_with_a_message(client, chapter, reader, body):
    login(client, reader)
    response = client.post(thread_url(chapter, first_pid(chapter)), {"body": body})
    assert response.status_code == 400
    assert "nest more than" in response.text
    assert not Comment.objects.exists()


def test_deeply_nested_fold_text_is_refused_with_a_message(client, chapter, editor):
    login(client, editor)
    response = client.post(fold_url(chapter), {"base": "1", "text": "- " * 500 + "x"})
    assert response.status_code == 400
    assert "nest more than" in response.text
    assert Chapter.objects.get(pk=chapter.pk).revision == 1


def test_deeply_nested_fold_preview_shows_the_message(client, chapter, editor):
    login(client, editor)
    url = reverse(
        "comments:fold_preview", kwargs={"book": chapter.book.slug, "chapter": chapter.slug}
    )
    response = client.post(url, {"text": "- " * 500 + "x"})
    assert response.status_code == 200
    assert "nest more than" in response.text


def test_deeply_nested_chapter_text_in_the_admin_is_a_field_error(client, chapter, staff):
    login(client, staff)
    url = reverse("admin:chapters_chapter_change", args=[chapter.pk])
    data = {
        "book": chapter.book.pk,
        "position": chapter.position,
        "title": chapter.title,
        "slug": chapter.slug,
        "status": chapter.status,
        "comment_period": chapter.comment_period,
        "text": "> " * 500,
        "message": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "nest more than" in response.text
    assert Chapter.objects.get(pk=chapter.pk).revision == 1


# The API: sizes, nesting, types, URLs, and JSON for every error.


def test_api_body_over_the_limit_is_413_json(client, chapter, reader):
    login(client, reader)
    data = annotation(chapter, first_pid(chapter))
    data["padding"] = "x" * 70_000
    response = post_json(client, api_url(chapter), data)
    assert response.status_code == 413
    assert "KB" in response.json()["error"]


def test_api_body_over_djangos_upload_limit_is_413_json(client, chapter, reader):
    login(client, reader)
    response = post_json(client, api_url(chapter), b"[" + b" " * 3_000_000 + b"]")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("depth", [25, 5000, 200_000])
def test_api_deeply_nested_json_is_400(client, chapter, reader, depth):
    login(client, reader)
    data = annotation(chapter, first_pid(chapter))
    body = json.dumps(data)[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    response = post_json(client, api_url(chapter), body)
    assert response.status_code in {400, 413}
    assert "error" in response.json()


@pytest.mark.parametrize(
    "change",
    [
        {"body": {"type": [["TextualBody"]], "value": "x"}},
        {"body": {"type": {"a": 1}, "value": "x"}},
        {"body": [1, 2]},
        {"body": {"type": "TextualBody", "value": 5}},
        {"bodyValue": ["x"]},
        {"target": "http://[::1/b/open-book/first-steps/#p-x"},
        {"target": {"source": "http://[::1", "selector": []}},
        {"target": {"source": 5}},
        {"target": ["a", "b"]},
        {"target": {"source": "/b/open-book/first-steps/", "selector": [{"type": {"x": 1}}]}},
        {
            "target": {
                "source": "/b/open-book/first-steps/",
                "selector": {"type": "FragmentSelector", "value": {"a": [1]}},
            }
        },
        {
            "target": {
                "source": "/b/open-book/first-steps/",
                "selector": {"type": "TextQuoteSelector", "exact": 7},
            }
        },
        {"target": "http://testserver/c/1/#c99999999999999999999999"},
        {"target": "http://testserver/c/1/#c\u0661\u0662"},
        {"wethink:revision": "1"},
        {"wethink:revision": True},
        {"wethink:revision": 99999999999999999999},
        {"wethink:revision": 1.5},
        {"wethink:revision": 2**40},
    ],
)
def test_api_wrongly_typed_fields_and_bad_urls_are_400(client, chapter, reader, change):
    login(client, reader)
    data = annotation(chapter, first_pid(chapter))
    data.update(change)
    response = post_json(client, api_url(chapter), data)
    assert response.status_code == 400, response.content
    assert response.json()["error"]
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", [b"[1, 2]", b'"x"', b"null", b"\xff\xfe", b"", b"NaN"])
def test_api_body_that_is_not_an_annotation_is_400(client, chapter, reader, body):
    login(client, reader)
    response = post_json(client, api_url(chapter), body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_api_multipart_body_is_400_json(client, chapter, reader):
    login(client, reader)
    response = client.post(api_url(chapter), {"body": "x"})
    assert response.status_code == 400
    assert response.json()["error"]


def test_api_unknown_address_is_404_json(client, db):
    response = client.get("/api/nothing/here/")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


@pytest.mark.parametrize(
    "name, method",
    [
        ("api_blocks", "post"),
        ("api_book_annotations", "put"),
        ("api_chapter_annotations", "delete"),
    ],
)
def test_api_wrong_method_is_405_json(client, chapter, name, method):
    kwargs = {"book": chapter.book.slug}
    if name != "api_book_annotations":
        kwargs["chapter"] = chapter.slug
    response = getattr(client, method)(reverse(f"comments:{name}", kwargs=kwargs))
    assert response.status_code == 405
    assert response.json()["error"]
    assert response.has_header("Allow")


def test_api_still_creates_an_annotation(client, chapter, reader):
    login(client, reader)
    response = post_json(client, api_url(chapter), annotation(chapter, first_pid(chapter)))
    assert response.status_code == 201
    assert Comment.objects.count() == 1


# Error pages in the site's design.


def test_405_page_has_the_sites_design(client, chapter, reader):
    login(client, reader)
    comment = comment_make(chapter=chapter, author=reader)
    response = client.get(reverse("comments:vote", args=[comment.pk]))
    assert response.status_code == 405
    assert 'class="site-header"' in response.text
    assert response["Allow"] == "POST"


def test_oversized_form_is_413_with_the_sites_design(client, chapter, reader, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    login(client, reader)
    response = client.post(
        thread_url(chapter, first_pid(chapter)),
        "body=" + "x" * 2000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert 'class="site-header"' in response.text


def test_404_page_has_the_sites_design(client, db):
    response = client.get("/b/no-such-book/")
    assert response.status_code == 404
    assert 'class="site-header"' in response.text


# The admin's change list: its editable position.


def test_admin_changelist_position_edit_saves_without_a_revision(client, chapter, staff):
    login(client, staff)
    url = reverse("admin:chapters_chapter_changelist")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(chapter.pk),
        "form-0-position": "7",
        "_save": "Save",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    chapter.refresh_from_db()
    assert chapter.position == 7
    assert chapter.revision == 1


def test_admin_changelist_is_staff_only(client, chapter, reader):
    login(client, reader)
    response = client.post(reverse("admin:chapters_chapter_changelist"), {"_save": "Save"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert get_user_model().objects.filter(is_staff=True).count() == 0


# A `next` that redirect() would read as a view name.


@pytest.mark.parametrize("target", ["²", "x", "index", "//evil.example/"])
def test_decide_with_a_next_that_is_not_an_address_goes_to_the_queue(
    client, chapter, editor, target
):
    login(client, editor)
    response = client.post(reverse("comments:decide"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("comments:feedback")


def test_decide_still_follows_a_next_on_this_site(client, chapter, editor):
    login(client, editor)
    response = client.post(reverse("comments:decide"), {"next": "/b/open-book/"})
    assert response["Location"] == "/b/open-book/"


def test_decide_is_for_signed_in_people(client, db):
    response = client.post(reverse("comments:decide"), {"next": "x"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_signup_with_a_next_that_is_not_an_address_goes_home(client, db):
    data = {
        "username": "newcomer",
        "email": "new@example.org",
        "password1": "a-long-test-password-9",
        "password2": "a-long-test-password-9",
        "next": "x",
    }
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("value", ["²", "2026-13-45", "2026-12-31 10:00"])
@pytest.mark.parametrize("model", ["book", "chapter"])
def test_admin_add_forms_take_any_date_from_the_query_string(client, staff, model, value):
    client.force_login(staff)
    url = reverse(f"admin:chapters_{model}_add")
    response = client.get(url, {"comments_close_at": value})
    assert response.status_code == 200
    shown = "2026-12-31" in response.text
    assert shown == (value == "2026-12-31 10:00")
