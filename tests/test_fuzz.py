"""Fuzzing every URL pattern and the annotations API: no input is a 5xx.

Every pattern of the URL configuration is requested as each role (anonymous,
reader, editor, staff), with GET and POST, its path filled with real objects of
a small book (slugs, pids, revision numbers, comment ids) or with generated junk,
and with generated query strings and form fields: the names the site's forms and
views read plus generated ones, the values NUL and control characters, numbers
`int()` misreads, huge and deeply nested text. The API gets generated JSON. Each
example runs in a savepoint that is rolled back, so examples do not see each
other's rows. An exception in a view is a 500 response here (the client does
not re-raise it), reported with its traceback.
"""

import json
import re
import traceback
from dataclasses import dataclass
from urllib.parse import quote

from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from accounts.forms import ProfileForm, SignupForm
from chapters.models import Book
from comments.forms import CommentForm, EditForm, FlagForm, ModerateForm, ReplyForm
from comments.models import Comment
from comments.revising import chapter_revise
from comments.services import comment_reply
from pages.admin import BookImportForm, ChapterAdminForm
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

ROLES = ("anonymous", "reader", "editor", "staff")
# Examples per pattern (each sent as every role): enough to meet each kind of
# junk over a few runs, few enough that the file runs in a couple of minutes.
EXAMPLES = 20
ADMIN_EXAMPLES = 4
API_EXAMPLES = 200

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


# The URL patterns, as lists of their pieces (a route or a regex each).


@dataclass(frozen=True)
class Pattern:
    name: str
    parts: tuple

    @property
    def route(self) -> str:
        return "".join(str(part) for part in self.parts)

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    def __str__(self) -> str:
        return self.route


def _walk(patterns, parts=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, (*parts, entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Pattern(entry.name or "", (*parts, entry.pattern))


PATTERNS = list(_walk(get_resolver().url_patterns))


# Values: what the site's forms and views read, and what breaks naive parsing.

# Numbers `int()` or `str.isdigit()` misread, or too large for a column.
NUMBERISH = ["²", "³", "①", "1²", "\u0661\u0662", "1_0", "-1", "99999999999999999999"]
# Characters no text may hold, or that PostgreSQL refuses.
CONTROL = ["\x00", "a\x00b", "\x01\x07\x1b\x7f", "\u202e\u200b\ufeff"]
# Too big, or nested deeper than a parser recurses.
HUGE = ["- " * 500 + "x", "> " * 500, "1. " * 333, "[" * 2000, "x" * 20_000]
# Shapes some field somewhere expects, slightly wrong.
SHAPES = [
    "",
    " ",
    "apply:abc",
    "apply:²",
    "apply:",
    "apply-all",
    "accept:²",
    "accept:",
    "0",
    "1.5",
    "%",
    "http://[::1",
    "//evil.example/",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "{}",
    "[]",
    "on",
]
NASTY = [*NUMBERISH, *CONTROL, *HUGE, *SHAPES]


def _fields(*forms) -> list[str]:
    return [name for form in forms for name in form.base_fields]


# The fields each view reads: its form's, and those it takes from the request
# itself. A pattern not listed gets the generic ones.
VIEW_FIELDS = {
    "thread": [*_fields(CommentForm), "r", "reply", "sort", "reply_to"],
    "reply": [*_fields(ReplyForm), "r", "reply", "sort", "reply_to"],
    "edit": _fields(EditForm),
    "flag": _fields(FlagForm),
    "moderate": [*_fields(ModerateForm), "next"],
    "delete": ["reply_to"],
    "vote": ["reply_to"],
    "feedback": [
        *["book", "chapter", "state", "kind", "commenter", "has_votes", "anchor", "sort", "page"],
    ],
    "decide": ["one", "ids", "decision", "reason", "next"],
    "attach": ["pid", "next"],
    "fold": ["text", "message", "base", "folded", "action", "hints"],
    "fold_preview": ["text"],
    "book_search": ["q"],
    "signup": [*_fields(SignupForm), "next"],
    "settings": _fields(ProfileForm),
    "login": ["username", "password", "next"],
    "password_change": ["old_password", "new_password1", "new_password2"],
    "password_reset": ["email"],
    "password_reset_confirm": ["new_password1", "new_password2"],
    "api_book_annotations": ["page"],
    "api_chapter_annotations": ["page"],
    "chapters_book_import": _fields(BookImportForm),
    "chapters_chapter_add": _fields(ChapterAdminForm),
    "chapters_chapter_change": _fields(ChapterAdminForm),
    "chapters_chapter_changelist": [
        "form-TOTAL_FORMS",
        "form-INITIAL_FORMS",
        "form-0-id",
        "form-0-position",
        "_save",
    ],
}
ADMIN_FIELDS = ["q", "o", "p", "e", "all", "action", "_selected_action", "index", "post", "_save"]
GENERIC_FIELDS = ["page", "next", "q", "text", "body", "action", "id", "pk"]


def pattern_fields(pattern) -> list[str]:
    fields = VIEW_FIELDS.get(pattern.name, [])
    if pattern.is_admin:
        model_fields = [
            field.name
            for model in apps.get_models()
            if pattern.name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_")
            for field in model._meta.concrete_fields
        ]
        fields = [*fields, *model_fields, *ADMIN_FIELDS]
    return fields or GENERIC_FIELDS


@dataclass
class World:
    sessions: dict
    values: dict

    def client(self, role: str) -> Client:
        """A client signed in as `role` through a session made once for the class
        (rolled back with each example, so a logout does not last)."""
        client = Client(raise_request_exception=False)
        if self.sessions[role]:
            client.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def world_make() -> World:
    """A book with two revisions, comments of each kind, and a draft book."""
    editor = UserFactory(username="ed")
    reader = UserFactory(username="rea")
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    book = BookFactory(slug="open-book", title="Open Book", editors=[editor])
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps", editor=editor)
    chapter_revise(
        chapter=chapter, text=CHAPTER_TEXT + "\nA closing paragraph.\n", editor=editor, message="2"
    )
    comment = comment_make(chapter=chapter, author=reader, body="A thought.")
    suggestion = comment_make(
        chapter=chapter, author=reader, position=3, body="Better:", suggestion="New words."
    )
    Comment.objects.filter(pk=suggestion.pk).update(decision=Comment.Decision.ACCEPTED)
    reply = comment_reply(user=editor, parent=comment, body="Agreed.")
    hidden = comment_make(chapter=chapter, author=editor, body="Hidden.")
    Comment.objects.filter(pk=hidden.pk).update(moderation=Comment.Moderation.HIDDEN)
    other_editor = UserFactory(username="other-ed")
    draft = BookFactory(slug="draft-book", status=Book.Status.DRAFT, editors=[other_editor])
    draft_chapter = chapter_make(book=draft, text="# Secret\n\nNot yet.\n", slug="secret")
    pids = list(chapter.current_revision.blocks.values_list("pid", flat=True)[:3])
    comment_ids = [comment.pk, suggestion.pk, reply.pk, hidden.pk]
    object_ids = sorted(
        {
            *comment_ids,
            chapter.pk,
            draft_chapter.pk,
            book.pk,
            draft.pk,
            reader.pk,
            chapter.current_revision_id,
        }
    )
    content_types = ContentType.objects.filter(model__in=["book", "chapter", "comment"])
    values = {
        "book": [book.slug, draft.slug, "no-such-book"],
        "chapter": [chapter.slug, draft_chapter.slug, "no-such-chapter"],
        "pid": [*pids, "zzzzzz"],
        "pk": [*comment_ids, 0, 2**31, 10**20],
        "number": [1, 2, 3, 0, 10**20],
        "username": [reader.username, editor.username, "nobody"],
        "object_id": [*object_ids, "x", "-1"],
        "id": [reader.pk, staff.pk, "x"],
        "content_type_id": [*content_types.values_list("pk", flat=True), "x"],
        "uidb64": ["MQ", "x"],
        "token": ["set-password", "x"],
        "app_label": ["auth", "axes", "accounts", "chapters", "comments"],
        "url": ["", "nothing/here/"],
    }
    values["a"] = values["b"] = values["number"]
    values["anything"] = [*object_ids, "x"]
    VIEW_FIELDS["decide"] += [f"group-{pk}" for pk in comment_ids]
    VIEW_FIELDS["decide"] += [f"reason-{pk}" for pk in comment_ids]
    sessions = {"anonymous": ""}
    for role, user in (("reader", reader), ("editor", editor), ("staff", staff)):
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return World(
        sessions=sessions,
        values={name: [str(v) for v in found] for name, found in values.items()},
    )


# Strategies.

JUNK_SEGMENT = st.one_of(
    st.sampled_from(["²", "-1", "0", "99999999999999999999", "\x00", "..", "a b", "é", "%"]),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)

VALUE = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?[^()]*\)")


def _segment(data, world: World, name: str) -> str:
    real = world.values.get(name, world.values["anything"])
    value = data.draw(
        st.one_of(st.sampled_from(real), JUNK_SEGMENT) if real else JUNK_SEGMENT, label=name
    )
    return quote(value, safe="")


def _fill(data, world: World, pattern: Pattern) -> str:
    """The pattern as a path: each parameter a real value or junk."""
    path = ""
    for part in pattern.parts:
        text = str(part)
        if text.startswith("^") or text.endswith("$"):
            text = text.lstrip("^").rstrip("$")
            text = _REGEX_GROUP.sub(
                lambda m: _segment(data, world, m.group("name") or "anything"), text
            )
            text = text.replace("\\", "")
        else:
            text = _ROUTE_PARAM.sub(lambda m: _segment(data, world, m.group("name")), text)
        path += text
    return "/" + path


def _params(data, world: World, pattern: Pattern) -> dict:
    """Each field the view reads, most of the time, with a drawn value or several;
    plus a few generated names."""
    real = sorted({v for found in world.values.values() for v in found})
    value = st.one_of(
        st.sampled_from(NUMBERISH),
        st.sampled_from(CONTROL),
        st.sampled_from(HUGE),
        st.sampled_from(SHAPES),
        st.sampled_from(real),
        st.text(max_size=30),
    )
    values = st.lists(value, min_size=1, max_size=3)
    params = {}
    for name in pattern_fields(pattern):
        if data.draw(st.integers(0, 3), label=f"use {name}"):
            params[name] = data.draw(values, label=name)
    extra = st.dictionaries(st.text(max_size=12), values, max_size=2)
    return {**data.draw(extra, label="other fields"), **params}


# Requests: each example runs in a savepoint of its own (hypothesis' Django
# TestCase), so nothing one example writes is seen by the next.


def _send(client: Client, method: str, path: str, params: dict, extra: dict):
    if method == "GET":
        return client.get(path, params, **extra)
    if method == "POST":
        return client.post(path, params, **extra)
    return client.generic(method, path, **extra)


def _explain(response, **request) -> str:
    lines = [f"{key}: {value!r}"[:2000] for key, value in request.items()]
    if getattr(response, "exc_info", None):
        lines.append("".join(traceback.format_exception(*response.exc_info)))
    return "\n".join(lines)


class FuzzCase(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = world_make()


class TestEveryURL(FuzzCase):
    """One test per URL pattern; each example is sent as every role."""

    def fuzz(self, pattern: Pattern, data) -> None:
        world = self.world
        path = _fill(data, world, pattern)
        method = data.draw(st.sampled_from(["GET", "POST", "POST", "GET", "PUT"]), label="method")
        params = _params(data, world, pattern) if method != "PUT" else {}
        extra = {"HTTP_HX_REQUEST": "true"} if data.draw(st.booleans(), label="htmx") else {}
        for role in ROLES:
            # A savepoint per role too: a reader's POST must not change what staff meet.
            with transaction.atomic():
                response = _send(world.client(role), method, path, params, extra)
                transaction.set_rollback(True)
            assert response.status_code < 500, _explain(
                response, role=role, method=method, path=path, params=params, extra=extra
            )


def _pattern_test(pattern: Pattern):
    @settings(FUZZ, max_examples=ADMIN_EXAMPLES if pattern.is_admin else EXAMPLES)
    @given(data=st.data())
    def test(self, data):
        self.fuzz(pattern, data)

    return test


for _number, _pattern in enumerate(PATTERNS):
    _name = re.sub(r"\W+", "_", _pattern.name or _pattern.route).strip("_") or "root"
    setattr(TestEveryURL, f"test_{_number:03d}_{_name}", _pattern_test(_pattern))


# The annotations API with generated JSON.

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.sampled_from(NASTY),
    st.text(max_size=30),
)
JSON = st.recursive(
    JSON_LEAF,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


def _annotation(pid: str, chapter: str) -> dict:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "commenting",
        "body": {"type": "TextualBody", "value": "A thought.", "purpose": "commenting"},
        "target": {
            "source": f"http://testserver/b/open-book/{chapter}/",
            "selector": [
                {"type": "FragmentSelector", "value": f"p-{pid}"},
                {"type": "TextQuoteSelector", "exact": "opening", "prefix": ""},
            ],
        },
        "wethink:revision": 1,
    }


# Where a generated value replaces part of a valid annotation.
_PLACES = [
    ("body",),
    ("body", "type"),
    ("body", "value"),
    ("body", "purpose"),
    ("bodyValue",),
    ("target",),
    ("target", "source"),
    ("target", "selector"),
    ("target", "selector", 0),
    ("target", "selector", 0, "type"),
    ("target", "selector", 0, "value"),
    ("target", "selector", 1, "exact"),
    ("target", "selector", 1, "prefix"),
    ("wethink:revision",),
    ("motivation",),
]


def _replace(document: dict, place: tuple, value) -> dict:
    inner = document
    for key in place[:-1]:
        inner = inner[key]
    inner[place[-1]] = value
    return document


class TestAnnotationsAPI(FuzzCase):
    """Generated JSON posted to a chapter's annotations, as each role."""

    @settings(FUZZ, max_examples=API_EXAMPLES)
    @given(data=st.data())
    def test_generated_json_gets_json_and_never_5xx(self, data):
        world = self.world
        role = data.draw(st.sampled_from(ROLES), label="role")
        chapter = data.draw(st.sampled_from([*world.values["chapter"], "x"]), label="chapter")
        pid = data.draw(st.sampled_from(world.values["pid"]), label="pid")
        shape = data.draw(st.sampled_from(["replace", "replace", "any", "raw"]), label="shape")
        if shape == "any":
            body = json.dumps(data.draw(JSON, label="document"))
        elif shape == "raw":
            body = data.draw(st.one_of(st.text(max_size=60), st.sampled_from(NASTY)), label="raw")
        else:
            place = data.draw(st.sampled_from(_PLACES), label="place")
            value = data.draw(st.one_of(JSON, st.sampled_from(world.values["pid"])), label="v")
            body = json.dumps(_replace(_annotation(pid, chapter), place, value))
        path = reverse(
            "comments:api_chapter_annotations", kwargs={"book": "open-book", "chapter": chapter}
        )
        response = world.client(role).post(path, body, content_type="application/json")
        assert response.status_code < 500, _explain(response, role=role, path=path, body=body)
        assert response["Content-Type"].startswith(("application/json", "application/ld+json"))


def test_the_walk_finds_the_sites_patterns():
    """A pattern the walk missed would never be fuzzed: the count is the site's."""
    names = {pattern.name for pattern in PATTERNS}
    assert {"thread", "fold", "decide", "api_chapter_annotations", "profile"} <= names
    assert {"chapters_chapter_changelist", "chapters_book_import"} <= names
    assert len(PATTERNS) > 100
