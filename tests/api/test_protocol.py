"""The W3C Web Annotation Protocol test suite's server checks, run against wethink.

A port of web-platform-tests `annotation-protocol/server/server-manual.html` (and
the two "Responses without Annotations" checks of `server-shoulds-manual.html`):
each check keeps the suite's name and what it asserts. The suite is a browser page
that a person points at a container and an annotation; here the container is
discovered from a chapter page as a client would, the annotation is a comment on
that chapter, and requests carry a reader's token over HTTPS.

Where the suite's script cannot apply to wethink as written, the port says so:
its created annotation targets a chapter (the suite's targets example.com), and
its update sends `If-Match` and changes the text rather than the target (wethink
requires the one and refuses the other; both are tested in test_protocol_rules.py).
"""

import json
import re
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from accounts.services import token_create
from tests.factories import BookFactory, UserFactory, comment_make

MEDIA_TYPE = "application/ld+json"
MEDIA_TYPE_REGEX = r"application/ld\+json"
CONTAINER_LINK_TYPE_WITH_REL_REGEX = (
    r'<http://www.w3.org/ns/(ldp#BasicContainer|oa#AnnotationCollection)>; *rel="type"'
)
ANNOTATION_LINK_TYPE_WITH_REL_REGEX = r'<http://www.w3.org/ns/ldp#Resource>; *rel="type"'
ANNOTATION_SERVICE = "http://www.w3.org/ns/oa#annotationService"
PREFER_MINIMAL = 'return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'


@dataclass
class Response:
    status: int
    headers: dict
    body: dict | None
    text: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class Server:
    """What the suite's `request()` does with an XMLHttpRequest: the body is parsed
    when the answer is a 2xx in the JSON-LD media type."""

    def __init__(self, client: Client, token: str):
        self.client = client
        self.token = token

    def request(self, method: str, url: str, headers=(), content=None) -> Response:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        content_type = None
        for name, value in headers:
            if name.lower() == "content-type":
                content_type = value
            else:
                extra["HTTP_" + name.upper().replace("-", "_")] = value
        kwargs = {"secure": urlsplit(url).scheme == "https", **extra}
        if content is not None:
            kwargs["data"] = json.dumps(content) if isinstance(content, dict) else content
            kwargs["content_type"] = content_type or "text/plain"
        answer = self.client.generic(method, url, **kwargs)
        text = answer.content.decode()
        body = None
        if 200 <= answer.status_code < 300:
            kind = answer.headers.get("Content-Type", "").split(";")[0]
            if kind == MEDIA_TYPE:
                try:
                    body = json.loads(text)
                except ValueError:
                    body = None
        return Response(answer.status_code, dict(answer.headers), body, text)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.found.append(dict(attrs))


def discover(client: Client, page_url: str) -> tuple[str, str]:
    """The annotation container a chapter page names: in its <head>, and in its
    Link header."""
    page = client.get(page_url, secure=True)
    assert page.status_code == 200
    parser = _Links()
    parser.feed(page.content.decode())
    hrefs = [link["href"] for link in parser.found if link.get("rel") == ANNOTATION_SERVICE]
    assert len(hrefs) == 1, parser.found
    in_header = re.search(rf'<([^>]+)>; *rel="{re.escape(ANNOTATION_SERVICE)}"', page["Link"])
    return urljoin(page_url, hrefs[0]), in_header.group(1)


class Suite:
    """The suite's `runTests(container_url, annotation_url)`: its requests, each
    made once per test when first needed."""

    def __init__(self, server: Server, container_url: str, annotation_url: str, chapter_url: str):
        self.server = server
        self.container_url = container_url
        self.annotation_url = annotation_url
        self.chapter_url = chapter_url

    def request(self, *args, **kwargs) -> Response:
        return self.server.request(*args, **kwargs)

    @cached_property
    def the_container(self) -> Response:
        return self.request("GET", self.container_url)

    @cached_property
    def the_request(self) -> Response:
        return self.request("GET", self.annotation_url)

    @cached_property
    def the_annotation(self) -> dict:
        return {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "type": "Annotation",
            "body": {"type": "TextualBody", "value": "I like this page!"},
            # The suite's target is http://www.example.com/index.html.
            "target": {
                "source": self.chapter_url,
                "selector": {"type": "TextQuoteSelector", "exact": "sets the scene"},
            },
            "canonical": "urn:uuid:6f1c2a4e-2b7d-4c55-9d8e-0a3c1e5b7f90",
        }

    @cached_property
    def the_creation(self) -> Response:
        return self.request(
            "POST", self.container_url, [("Content-Type", MEDIA_TYPE)], self.the_annotation
        )

    @cached_property
    def the_pref_request(self) -> Response:
        return self.request("GET", self.container_url, [("Prefer", PREFER_MINIMAL)])


def check_header(res: Response, header: str, pat: str) -> None:
    value = res.header(header)
    assert value is not None and re.search(pat, value), f"{pat} not found in {header}: {value}"


def header_check(header: str, pat: str, on: str):
    return lambda suite: check_header(getattr(suite, on), header, pat)


def body_check(test, on: str):
    def run(suite):
        assert test(getattr(suite, on))

    return run


def _container_must_end_in_a_slash(suite):
    assert re.search(r"/$", suite.container_url), 'Container URL did not end in a "/" character'


def _status(method: str, url_attr: str):
    def run(suite):
        res = suite.request(method, getattr(suite, url_attr))
        assert res.status == 200, f"{method} request returned {res.status}"

    return run


def _first_page_has_part_of(suite):
    first = suite.the_container.body.get("first")
    assert first not in (None, ""), "no 'first' in response from Container"
    # An embedded first page is read through its id, as a client following it would.
    lres = suite.request("GET", first["id"] if isinstance(first, dict) else first)
    assert ("partOf" in lres.body) or ("id" in lres.body["partOf"]), "No partOf in response"


def _last_page_has_prev(suite):
    lres = suite.request("GET", suite.the_container.body["last"])
    assert "prev" in lres.body, "No link to the previous page in response"


def _first_page_has_next(suite):
    first = suite.the_container.body["first"]
    lres = suite.request("GET", first["id"] if isinstance(first, dict) else first)
    assert "next" in lres.body, "No link to the next page in response"


def _id_starts_with_the_container(suite):
    res = suite.the_creation
    assert "id" in res.body and res.body["id"].startswith(suite.container_url)


def _update_with_put(suite):
    res = suite.the_creation
    new_annotation = res.body
    # The suite changes the target; wethink keeps a comment's target, so the text
    # changes instead, sent with the ETag the creation answered (If-Match is required).
    new_annotation["body"][0]["value"] = "I like this page even more!"
    lres = suite.request(
        "PUT",
        res.body["id"],
        [("Content-Type", MEDIA_TYPE), ("If-Match", res.header("ETag"))],
        new_annotation,
    )
    assert lres.status == 200, lres.text
    assert lres.body["body"][0]["value"] == new_annotation["body"][0]["value"], (
        "Annotation did not update"
    )


def _delete_returns_204(suite):
    res = suite.the_creation
    lres = suite.request("DELETE", res.body["id"])
    assert lres.status == 204, f"DELETE of {res.body['id']} did not return a 204 Status"


def _uses_https(suite):
    assert suite.container_url.lower()[:5] == "https", "Server is not using HTTPS"


def _full_descriptions(suite):
    lres = suite.request("GET", suite.the_pref_request.body["first"])
    assert lres.body["items"]
    for item in lres.body["items"]:
        assert "@context" in item, "Annotation does not contain `@context`"


def _no_prefer_header(suite):
    assert suite.the_pref_request.header("Prefer") is None, (
        "Reponse contains the `Prefer` header when it SHOULD NOT"
    )


def _empty_container(suite) -> Response:
    return suite.request("GET", suite.empty_container_url, [("Prefer", PREFER_MINIMAL)])


def _empty_first_and_last(suite):
    res = _empty_container(suite)
    assert res.status == 200
    assert "first" in res.body, "Missing IRI to `first` page"
    assert "last" in res.body, "Missing IRI to `last` page"


def _empty_without_annotations(suite):
    res = _empty_container(suite)
    assert res.status == 200
    assert "items" not in res.body, "Responses without Annotations should not have Annotations"
    assert "ldp:contains" not in res.body, (
        "Responses without Annotations should not have Annotations"
    )


C, A, N, P = "the_container", "the_request", "the_creation", "the_pref_request"

CHECKS = {
    'Container MUST end in a "/" character': _container_must_end_in_a_slash,
    "Containers MUST support GET (check Allow on GET)": header_check("Allow", "GET", C),
    "Containers MUST support HEAD (check Allow on GET)": header_check("Allow", "HEAD", C),
    "Containers MUST support OPTIONS (check Allow on GET)": header_check("Allow", "OPTIONS", C),
    "Containers MUST have a Content-Type header with the application/ld+json media type": (
        header_check("Content-Type", MEDIA_TYPE_REGEX, C)
    ),
    "Containers MUST response with the JSON-LD representation (by default)": header_check(
        "Content-Type", MEDIA_TYPE_REGEX, C
    ),
    "Containers MUST return a description of the container with BasicContainer": body_check(
        lambda res: "type" in res.body and "BasicContainer" in res.body["type"], C
    ),
    "Containers MUST return a description of the container with AnnotationCollection": (
        body_check(lambda res: "type" in res.body and "AnnotationCollection" in res.body["type"], C)
    ),
    "Containers MUST return a Link header (rfc5988) on all responses": header_check(
        "Link", "(.*)", C
    ),
    "Containers MUST have an ETag header": header_check("ETag", "(.*)", C),
    "Containers MUST have a Vary header with Accept in the value": header_check(
        "Vary", "Accept", C
    ),
    "Containers MUST advertise its type by including a link where the rel parameter value "
    "is type and the target IRI is the appropriate Container Type": header_check(
        "Link", CONTAINER_LINK_TYPE_WITH_REL_REGEX, C
    ),
    "Containers MUST advertise that it imposes Annotation protocol specific constraints by "
    "including a link where the target IRI is http://www.w3.org/TR/annotation-protocol/, "
    "and the rel parameter value is the IRI http://www.w3.org/ns/ldp#constrainedBy": (
        header_check("Link", r'rel\="type"|/ns/ldp#|Container', C)
    ),
    "Containers MUST support HEAD method": _status("HEAD", "container_url"),
    "Containers MUST support OPTIONS method": _status("OPTIONS", "container_url"),
    "Containers MUST include a Content-Location header with the IRI as its value": (
        header_check("Content-Location", "(.*)", C)
    ),
    "Container's Content-Location and `id` MUST match": body_check(
        lambda res: res.header("Content-Location") == res.body["id"], C
    ),
    "Annotation Pages must have a link to the container they are part of, using the partOf "
    "property": _first_page_has_part_of,
    "Annotation Pages MUST have a link to the previous page in the sequence, using the prev "
    "property (if not the first page)": _last_page_has_prev,
    "Annotation Pages MUST have a link to the next page in the sequence, using the next "
    "property (if not the last page)": _first_page_has_next,
    "Annotations MUST support GET (check Allow on GET)": header_check("Allow", "GET", A),
    "Annotations MUST support HEAD (check Allow on GET)": header_check("Allow", "HEAD", A),
    "Annotations MUST support OPTIONS (check Allow on GET)": header_check("Allow", "OPTIONS", A),
    "Annotations MUST have a Content-Type header with the application/ld+json media type": (
        header_check("Content-Type", MEDIA_TYPE_REGEX, A)
    ),
    "Annotations MUST have a Link header entry where the target IRI is "
    "http://www.w3.org/ns/ldp#Resource and the rel parameter value is type": header_check(
        "Link", ANNOTATION_LINK_TYPE_WITH_REL_REGEX, A
    ),
    "Annotations MUST have an ETag header": header_check("ETag", "(.*)", A),
    "Annotations MUST have a Vary header with Accept in the value": header_check(
        "Vary", "Accept", A
    ),
    "Annotations MUST support HEAD method": _status("HEAD", "annotation_url"),
    "Annotations MUST support OPTIONS method": _status("OPTIONS", "annotation_url"),
    "Created Annotation MUST have an id property": body_check(lambda res: "id" in res.body, N),
    "Created Annotation MUST have an id that starts with the Container IRI": (
        _id_starts_with_the_container
    ),
    "Created Annotation MUST preserve any canonical IRI": lambda suite: body_check(
        lambda res: res.body.get("canonical") == suite.the_annotation["canonical"], N
    )(suite),
    "Annotation Server MUST respond with a 201 Created code if the creation is successful": (
        body_check(lambda res: res.status == 201, N)
    ),
    "[RECOMMENDED] Location header SHOULD match the id of the new Annotation": body_check(
        lambda res: res.body["id"] == res.header("Location"), N
    ),
    "Annotation update must be done with the PUT method": _update_with_put,
    "Annotation deletion with DELETE method MUST return a 204 status": _delete_returns_204,
    "[RECOMMENDED] Annotation server SHOULD use HTTPS rather than HTTP": _uses_https,
    "SHOULD return the full annotation descriptions": _full_descriptions,
    "[RECOMMENDED] SHOULD include the total property with the total number of annotations "
    "in the container": body_check(lambda res: "total" in res.body, P),
    "[RECOMMENDED] SHOULD have a link to the first page of its contents using `first`": (
        body_check(lambda res: "first" in res.body, P)
    ),
    "[RECOMMENDED] SHOULD have a link to the last page of its contents using `last`": (
        body_check(lambda res: "last" in res.body, P)
    ),
    "[RECOMMENDED] Response contains annotations via `items` when it SHOULD NOT": body_check(
        lambda res: "items" not in res.body, P
    ),
    "[RECOMMENDED] Response contains annotations via `ldp:contains` when it SHOULD NOT": (
        body_check(lambda res: "ldp:contains" not in res.body, P)
    ),
    "[RECOMMENDED] SHOULD include Prefer in the Vary header": header_check("Vary", "Prefer", P),
    "[RECOMMENDED] SHOULD NOT [receive] the Prefer header when requesting the page": (
        _no_prefer_header
    ),
    "4.1.2 SHOULD include links to the first and last AnnotationPages in the Collection": (
        _empty_first_and_last
    ),
    "4.1.2 ...and without either the ldp:contains predicate or the first page of annotations "
    "embedded.": _empty_without_annotations,
}


@pytest.fixture
def suite(chapter, reader, settings) -> Suite:
    """Three readers' comments on the chapter, two to a page; the suite's client
    holds a reader's token."""
    settings.WETHINK_ANNOTATIONS_PAGE_SIZE = 2
    for number in range(3):
        comment_make(chapter=chapter, author=UserFactory(), body=f"Note {number}")
    BookFactory(slug="empty-book", title="Empty Book")
    chapter_url = f"https://testserver{chapter.get_absolute_url()}"
    container_url, in_header = discover(Client(), chapter_url)
    assert in_header == container_url
    server = Server(Client(enforce_csrf_checks=True), token_create(user=reader))
    first = server.request("GET", container_url).body["first"]["items"][0]
    found = Suite(server, container_url, first["id"], chapter_url)
    found.empty_container_url = "https://testserver/api/b/empty-book/annotations/"
    return found


def test_the_port_has_every_check_of_the_suite():
    assert len(CHECKS) == 47


@pytest.mark.parametrize("name", CHECKS)
def test_server(suite: Suite, name: str):
    CHECKS[name](suite)
