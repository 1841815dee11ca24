"""The API's output against the W3C Web Annotation test suite's schemas, and the
spec's own examples against the API and the hand-written checks.

Needs ../shared/testdata/annotation (the schemas of w3c/web-annotation-tests and
the examples of w3c/web-annotation; see its README.md). Skipped when it is
missing: `test_annotations.py` and `test_annotation_examples.py` check the same
MUSTs with `tests/api/annotation_model.py`, which these tests hold to the
spec's examples.
"""

import copy
import json

import pytest
from django.urls import reverse
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from comments.models import Comment
from tests.api.annotation_examples import VALID, Place
from tests.api.annotation_model import annotation_problems, collection_problems
from tests.shared_data import SHARED_TESTDATA, missing_reason

if reason := missing_reason(
    "annotation", covered_by="tests/api/test_annotation_examples.py and test_annotations.py"
):
    pytest.skip(reason, allow_module_level=True)
ANNOTATION = SHARED_TESTDATA / "annotation"
DEFINITIONS = ANNOTATION / "definitions"
EXAMPLES = ANNOTATION / "examples"
LD = "application/ld+json"


def registry() -> Registry:
    resources = []
    for path in DEFINITIONS.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(schema, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


REGISTRY = registry()

# The Web Annotation Data Model's MUSTs, as the W3C test suite composes these definitions.
ANNOTATION_MUSTS = [
    "annotations.json#/definitions/annotationTypeValueFound",
    "annotations.json#/definitions/motivationRecognizedIfPresent",
    "annotations.json#/definitions/motivationSingularIfPresent",
    "annotations.json#/definitions/bodyValueValidIfPresent",
    "id.json#/definitions/idValueFound",
    "otherProperties.json#/definitions/createdValidIfPresent",
    "otherProperties.json#/definitions/modifiedValidIfPresent",
    "otherProperties.json#/definitions/creatorValidIfPresent",
]
BODY_MUSTS = [
    "bodyTarget.json#/definitions/bodyResourcesFound",
    "bodyTarget.json#/definitions/optionalBodyPropertiesMust",
]
TARGET_MUSTS = ["bodyTarget.json#/definitions/targetResourcesFound"]
OBJECT_TARGET_MUSTS = ["bodyTarget.json#/definitions/optionalTargetPropertiesMust"]
SELECTOR_MUSTS = [
    "specificResource.json#/definitions/fragmentSelectorTypeValidIfPresent",
    "specificResource.json#/definitions/textQuoteSelectorTypeValidIfPresent",
]
CONTEXT = {
    "oneOf": [
        {"$ref": "annotations.json#/definitions/contextValueFound"},
        {"$ref": "annotations.json#/definitions/contextValueInArrayFound"},
    ]
}
PAGE_MUSTS = [
    "collections.json#/definitions/annotationPageTypeValueFound",
    "collections.json#/definitions/itemsFound",
    "collections.json#/definitions/partOfValidIfPresent",
    "collections.json#/definitions/nextValidIfPresent",
    "collections.json#/definitions/prevValidIfPresent",
    "collections.json#/definitions/startIndexFound",
    "id.json#/definitions/idValueFound",
]
COLLECTION_MUSTS = [
    "collections.json#/definitions/annotationCollectionTypeValueFound",
    "collections.json#/definitions/totalFound",
    "collections.json#/definitions/firstRequiredIfTotalMoreThanZero",
    "collections.json#/definitions/lastValidIfPresent",
    "collections.json#/definitions/labelDefinition",
    "id.json#/definitions/idValueFound",
]


def validate(instance, refs: list[str]) -> None:
    for ref in refs:
        errors = list(Draft4Validator({"$ref": ref}, registry=REGISTRY).iter_errors(instance))
        assert not errors, f"{ref}: {errors[0].message}"


def check(instance: dict, refs: list[str]) -> None:
    """The object's own MUSTs, its @context, and for an annotation those of its bodies,
    targets and selectors, as the W3C test suite applies them."""
    validate(instance, refs)
    assert not list(
        Draft4Validator(CONTEXT, registry=REGISTRY).iter_errors(instance.get("@context"))
    ), "@context"
    if refs is not ANNOTATION_MUSTS:
        return
    for body in instance.get("body", []):
        validate(body, BODY_MUSTS)
    target = instance.get("target")
    validate(target, TARGET_MUSTS)
    if isinstance(target, dict):
        validate(target, OBJECT_TARGET_MUSTS)
        for selector in target.get("selector", []):
            validate(selector, SELECTOR_MUSTS)


def check_page(page: dict) -> None:
    check(page, PAGE_MUSTS)
    for item in page["items"]:
        check(item, ANNOTATION_MUSTS)


def example_files(kind: str) -> list:
    return sorted((EXAMPLES / kind).glob("*.json"))


def test_the_schemas_can_fail():
    with pytest.raises(AssertionError):
        check({"@context": "http://example.org/", "id": "x", "type": "Note"}, ANNOTATION_MUSTS)


def test_the_hand_written_checks_pass_every_correct_example_of_the_spec():
    files = example_files("correct")
    assert len(files) == 44
    for path in files:
        data = json.loads(path.read_text())
        problems = (
            collection_problems(data)
            if path.stem.startswith("collection")
            else annotation_problems(data)
        )
        assert problems == [], path.name


def test_the_hand_written_checks_catch_every_incorrect_example_of_the_spec():
    caught = {}
    for path in example_files("incorrect"):
        try:
            data = json.loads(path.read_text())
        except ValueError:
            continue  # 17 of them are not JSON at all (see the data's README)
        # Most of them also carry two ids; with one valid id, each must still be
        # caught for its own fault, except the two whose fault is their id.
        if isinstance(data, dict) and data.get("label") not in {"multiple identifiers", "bad id"}:
            data = {**data, "id": "http://example.org/anno"}
        caught[path.stem] = annotation_problems(data)
    assert len(caught) == 23
    assert [name for name, problems in caught.items() if not problems] == []


def test_the_projects_own_valid_examples_pass_the_schemas():
    place = Place(
        source="http://example.org/b/book/chapter/",
        pid="abc123",
        comment_url="http://example.org/b/book/chapter/p/abc123/#c1",
        quote="a passage",
        quote_prefix="before ",
    )
    for name, example in VALID.items():
        data = {"id": f"http://example.org/anno/{name}", **example.make(place)}
        # `check` walks bodies and selectors as lists, the way the API writes them.
        if isinstance(data.get("body"), dict):
            data["body"] = [data["body"]]
        target = data["target"]
        if isinstance(target, dict) and isinstance(target.get("selector"), dict):
            data["target"] = {**target, "selector": [target["selector"]]}
        check(data, ANNOTATION_MUSTS)


def test_what_the_api_emits_passes_the_schemas(client, chapter, reader, settings):
    settings.WETHINK_COMMENTS_PER_MINUTE = 1000
    client.force_login(reader)
    kw = {"book": chapter.book.slug, "chapter": chapter.slug}
    chapter_api = reverse("comments:api_chapter_annotations", kwargs=kw)
    first = client.post(
        chapter_api,
        json.dumps(
            {
                "@context": "http://www.w3.org/ns/anno.jsonld",
                "type": "Annotation",
                "body": {"type": "TextualBody", "value": "First"},
                "target": {
                    "source": chapter.get_absolute_url(),
                    "selector": {"type": "TextQuoteSelector", "exact": "sets the scene"},
                },
            }
        ),
        content_type=LD,
    )
    assert first.status_code == 201, first.content
    comment = Comment.objects.get()
    place = Place(
        source=f"http://testserver{chapter.get_absolute_url()}",
        pid=comment.pid,
        comment_url=f"http://testserver{comment.get_absolute_url()}",
        quote="sets the scene",
        quote_prefix="The opening paragraph ",
    )
    for example in VALID.values():
        response = client.post(chapter_api, json.dumps(example.make(place)), content_type=LD)
        assert response.status_code == 201, response.content
        check(response.json(), ANNOTATION_MUSTS)

    book = chapter.book.slug
    for url in (chapter_api, reverse("comments:api_book_annotations", kwargs={"book": book})):
        check_page(client.get(url, {"page": 1}).json())
        container = client.get(url).json()
        check(container, COLLECTION_MUSTS)
        check_page({"@context": container["@context"], **container["first"]})
    collection = client.get(reverse("comments:api_book_collection", kwargs={"book": book})).json()
    check(collection, COLLECTION_MUSTS)
    check_page(collection["first"])


def test_the_specs_correct_examples_are_accepted_where_they_target_a_block(
    client, chapter, reader, settings
):
    settings.WETHINK_COMMENTS_PER_MINUTE = 1000
    client.force_login(reader)
    source = f"http://testserver{chapter.get_absolute_url()}"
    pid = chapter.current_revision.blocks.get(position=2).pid
    fragment = {"type": "FragmentSelector", "value": f"p-{pid}"}
    url = reverse(
        "comments:api_chapter_annotations",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug},
    )
    accepted, refused = [], {}
    for path in sorted((EXAMPLES / "correct").glob("anno*.json")):
        example = json.loads(path.read_text())
        data = copy.deepcopy(example)
        data["target"] = {"source": source, "selector": fragment}
        data.pop("id", None)
        response = client.post(url, json.dumps(data), content_type=LD)
        if response.status_code == 201:
            check(response.json(), ANNOTATION_MUSTS)
            accepted.append(path.stem)
        else:
            assert response.status_code == 400, (path.name, response.content)
            refused[path.stem] = response.json()["error"]
    # Every example whose bodies are all text is taken; the spec's web-resource, audio,
    # choice and body-less examples are refused with a message.
    assert accepted == ["anno15", "anno39", "anno40", "anno42", "anno43", "anno5", "anno6", "anno7"]
    assert len(refused) == 35
    assert all(
        "Only text bodies" in message or "no comment" in message for message in refused.values()
    ), refused
    assert Comment.objects.count() == len(accepted)
