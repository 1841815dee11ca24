"""The project's own Web Annotation examples against the model's MUSTs and the API.

The examples (`tests/api/annotation_examples.py`) and the MUSTs
(`tests/api/annotation_model.py`) are written out here, so these tests need
nothing outside the repository. The W3C schemas and the spec's own examples are
used by `test_annotation_schemas.py` when ../shared is there.
"""

import json

import pytest
from django.urls import reverse

from comments.annotations import annotation_path
from comments.models import Comment
from tests.api.annotation_examples import INVALID, VALID, Place
from tests.api.annotation_model import annotation_problems, assert_annotation, assert_page
from tests.factories import comment_make

LD = "application/ld+json"


def chapter_url(chapter) -> str:
    return reverse(
        "comments:api_chapter_annotations",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug},
    )


def post(client, chapter, data):
    return client.post(chapter_url(chapter), json.dumps(data), content_type=LD)


@pytest.fixture
def place(chapter, reader) -> Place:
    """The second paragraph of the test chapter, and a comment on it to reply to."""
    pid = chapter.current_revision.blocks.get(position=2).pid
    replied_to = comment_make(chapter=chapter, author=reader, body="First thought")
    return Place(
        source=f"http://testserver{chapter.get_absolute_url()}",
        pid=pid,
        comment_url=f"http://testserver{annotation_path(replied_to)}",
        quote="sets the scene",
        quote_prefix="The opening paragraph ",
    )


@pytest.fixture
def poster(client, reader, settings):
    settings.WETHINK_COMMENTS_PER_MINUTE = 1000
    client.force_login(reader)
    return client


def sample_place() -> Place:
    return Place(
        source="http://example.org/b/book/chapter/",
        pid="abc123",
        comment_url="http://example.org/b/book/chapter/p/abc123/#c1",
        quote="a passage",
        quote_prefix="before ",
    )


@pytest.mark.parametrize("name", VALID)
def test_each_valid_example_meets_the_musts(name: str) -> None:
    # A client may leave the id out: the server assigns it.
    assert annotation_problems(VALID[name].make(sample_place()), id_required=False) == []


@pytest.mark.parametrize("name", INVALID)
def test_each_invalid_example_breaks_the_must_it_names(name: str) -> None:
    example = INVALID[name]

    problems = annotation_problems(example.make(sample_place()), id_required=False)

    assert any(example.breaks in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"type": "Annotation", "target": "http://example.org/"}, "has no @context"),
        (
            {
                "@context": ["http://www.w3.org/ns/anno.jsonld"],
                "type": "Annotation",
                "target": "x:y",
            },
            "not given as a string",
        ),
        ({"@context": "http://www.w3.org/ns/anno.jsonld", "target": "x:y"}, "has no type"),
        (
            {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Note", "target": "x:y"},
            "type is not Annotation",
        ),
        (
            {
                "@context": "http://www.w3.org/ns/anno.jsonld",
                "type": "Annotation",
                "id": ["http://example.org/1", "http://example.org/2"],
                "target": "x:y",
            },
            "more than one id",
        ),
        (
            {
                "@context": "http://www.w3.org/ns/anno.jsonld",
                "type": "Annotation",
                "id": "not an iri",
                "target": "x:y",
            },
            "is not an IRI",
        ),
        (
            {
                "@context": "http://www.w3.org/ns/anno.jsonld",
                "type": "Annotation",
                "motivation": "shouting",
                "target": "x:y",
            },
            "not one the model defines",
        ),
        (
            {
                "@context": "http://www.w3.org/ns/anno.jsonld",
                "type": "Annotation",
                "created": "yesterday",
                "target": "x:y",
            },
            "not an xsd:dateTime",
        ),
        (
            {
                "@context": "http://www.w3.org/ns/anno.jsonld",
                "type": "Annotation",
                "body": {"type": "TextualBody", "value": "x"},
                "bodyValue": "y",
                "target": "x:y",
            },
            "both body and bodyValue",
        ),
        (
            {
                "@context": "http://www.w3.org/ns/anno.jsonld",
                "type": "Annotation",
                "creator": 6,
                "target": "x:y",
            },
            "neither an IRI nor an Agent",
        ),
    ],
)
def test_the_checks_catch_what_the_api_never_emits(data: dict, problem: str) -> None:
    problems = annotation_problems(data, id_required=False)

    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize("name", VALID)
def test_the_api_takes_each_valid_example_and_answers_a_valid_annotation(
    name: str, poster, chapter, place: Place
) -> None:
    example = VALID[name]

    response = post(poster, chapter, example.make(place))

    assert response.status_code == 201, response.content
    created = response.json()
    assert_annotation(created)
    comment = Comment.objects.latest("pk")
    assert response["Location"] == f"http://testserver{annotation_path(comment)}" == created["id"]
    assert (comment.body, comment.suggestion) == (example.body, example.suggestion)
    if example.reply:
        assert comment.parent is not None and comment.parent.body == "First thought"
        assert created["motivation"] == "replying"
        assert created["target"] == place.comment_url
        return
    assert comment.parent is None and comment.pid == place.pid
    assert created["target"]["source"] == place.source
    selectors = {selector["type"]: selector for selector in created["target"]["selector"]}
    assert selectors["FragmentSelector"]["value"] == f"p-{place.pid}"
    if example.quoted:
        assert comment.quote_exact == place.quote
        assert selectors["TextQuoteSelector"]["exact"] == place.quote
        assert selectors["TextQuoteSelector"]["prefix"] == place.quote_prefix
    else:
        assert "TextQuoteSelector" not in selectors
    bodies = {body["purpose"]: body["value"] for body in created["body"]}
    assert bodies["commenting"] == example.body
    if example.suggestion:
        assert created["motivation"] == "editing"
        assert bodies["editing"] == example.suggestion


@pytest.mark.parametrize("name", INVALID)
def test_the_api_refuses_each_invalid_example_with_a_message(
    name: str, poster, chapter, place: Place
) -> None:
    example = INVALID[name]
    before = Comment.objects.count()

    response = post(poster, chapter, example.make(place))

    assert response.status_code == 400, response.content
    assert example.refused in response.json()["error"]
    assert Comment.objects.count() == before


def test_what_the_api_emits_it_takes_back(poster, chapter, place: Place) -> None:
    response = post(poster, chapter, VALID["suggestion-on-a-passage"].make(place))
    emitted = response.json()
    sent_back = {key: value for key, value in emitted.items() if key != "id"}

    again = post(poster, chapter, sent_back)

    assert again.status_code == 201, again.content
    first, second = Comment.objects.order_by("-pk")[:2][::-1]
    assert (second.body, second.suggestion, second.pid, second.quote_exact) == (
        first.body,
        first.suggestion,
        first.pid,
        first.quote_exact,
    )


def test_a_page_of_every_kind_of_comment_meets_the_musts(poster, chapter, place: Place) -> None:
    for example in VALID.values():
        assert post(poster, chapter, example.make(place)).status_code == 201

    page = poster.get(chapter_url(chapter), {"page": 1}).json()

    assert_page(page)
    assert len(page["items"]) == len(VALID) + 1
    for item in page["items"]:
        assert_annotation(item)
    assert {item["motivation"] for item in page["items"]} == {"commenting", "editing", "replying"}
