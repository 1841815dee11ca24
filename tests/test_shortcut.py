"""A signed-in reader's chapter page made of kept parts is answered before Django's
middleware (`pages.shortcut`), exactly as the whole stack answers it; every other
request, and every request the stack would answer differently, goes through the
whole stack."""

import gzip
import io
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from pages import shortcut
from tests.factories import comment_make
from wethink.handler import ShortcutHandler

SECRET = "a" * 16 + "B7" * 8
MASKED = re.compile(rb"[A-Za-z0-9]{64}")


@pytest.fixture(autouse=True)
def handler_in_test_transaction():
    """As Django's test client does: the request signals must not close the test's
    database connection, which holds its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


class Counted(ShortcutHandler):
    """The handler, counting the requests its middleware stack answered."""

    def __init__(self):
        super().__init__(shortcut.SignedInChapterShortcut())
        self.full = 0
        chain = self._middleware_chain

        def counted(request):
            self.full += 1
            return chain(request)

        self._middleware_chain = counted


@pytest.fixture
def handler():
    return Counted()


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def ask(app, path, *, cookie="", method="GET", query="", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "HTTP_COOKIE": cookie,
        "HTTP_ACCEPT_ENCODING": "gzip",
        **headers,
    }
    answer = {}

    def start_response(status, headers):
        answer["status"] = status
        answer["headers"] = headers

    body = app(environ, start_response)
    answer["raw"] = b"".join(body)
    body.close()
    encoded = dict(answer["headers"]).get("Content-Encoding") == "gzip"
    answer["text"] = gzip.decompress(answer["raw"]) if encoded else answer["raw"]
    return answer


def comparable(answer) -> tuple:
    """What must be the same between two answers: the masked CSRF token and the
    cookie's expiry date differ per response by design."""
    headers = sorted(
        (name, re.sub(r"expires=[^;]+; ", "", value))
        for name, value in answer["headers"]
        if name != "Content-Length"
    )
    return answer["status"], headers, MASKED.sub(b"<token>", answer["text"])


def cookie_of(user) -> str:
    return f"sessionid={session_of(user)}; csrftoken={SECRET}"


def kept_for(handler, chapter, user) -> tuple[Client, str, str]:
    """A signed-in client whose session a test may change, and the chapter page
    made once by the stack and answered once by the shortcut for it."""
    client = Client()
    client.force_login(user)
    url = chapter.get_absolute_url()
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={SECRET}"
    for _ in range(2):
        ask(handler, url, cookie=cookie)
    assert handler.full == 1
    return client, url, cookie


@pytest.mark.parametrize("who", ["reader", "editor", "staff"])
def test_a_kept_page_is_answered_before_the_middleware_as_the_stack_answers_it(
    request, who, chapter, handler
):
    user = request.getfixturevalue(who)
    url, cookie = chapter.get_absolute_url(), cookie_of(user)
    made = ask(handler, url, cookie=cookie)
    assert (made["status"], handler.full) == ("200 OK", 1)
    answered = ask(handler, url, cookie=cookie)
    assert handler.full == 1, "the second view was answered by the shortcut"
    assert comparable(answered) == comparable(ask(WSGIHandler(), url, cookie=cookie))
    assert comparable(answered) == comparable(made)
    assert (
        f'class="site-nav__user" href="/accounts/u/{user.username}/"'.encode() in answered["text"]
    )
    assert (b"/fold/" in answered["text"]) == (who != "reader")
    cookies = [value for name, value in answered["headers"] if name == "Set-Cookie"]
    assert len(cookies) == 1 and cookies[0].startswith(f"csrftoken={SECRET};")
    # The page's token is a masked form of the reader's secret, new on every page.
    assert ask(handler, url, cookie=cookie)["text"] != answered["text"]


@pytest.mark.parametrize(
    "asked",
    [
        {"query": "page=2"},
        {"query": "q=%00"},
        {"method": "HEAD"},
        {"HTTP_HX_REQUEST": "true"},
        {"cookie_extra": "; messages=x"},
        {"cookie": "sessionid={session}"},
        {"cookie": "sessionid={session}; csrftoken=short"},
        {"cookie": "sessionid={session}; csrftoken=" + "-" * 32},
        {"cookie": "csrftoken=" + SECRET},
        {"cookie": "sessionid=nosuchsession; csrftoken=" + SECRET},
    ],
)
def test_anything_else_goes_through_the_stack(asked, chapter, reader, handler):
    url, session = chapter.get_absolute_url(), session_of(reader)
    cookie = f"sessionid={session}; csrftoken={SECRET}"
    for _ in range(2):
        ask(handler, url, cookie=cookie)
    assert handler.full == 1
    asked = dict(asked)
    cookie = asked.pop("cookie", cookie).format(session=session) + asked.pop("cookie_extra", "")
    ask(handler, url, cookie=cookie, **asked)
    assert handler.full == 2


def test_other_pages_go_through_the_stack(chapter, reader, handler):
    cookie = cookie_of(reader)
    for _ in range(2):
        ask(handler, chapter.get_absolute_url(), cookie=cookie)
    for path in [chapter.book.get_absolute_url(), f"{chapter.get_absolute_url()}history/"]:
        assert ask(handler, path, cookie=cookie)["status"] == "200 OK"
    assert handler.full == 3


def test_messages_in_the_session_go_through_the_stack(chapter, reader, handler, settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    client, url, cookie = kept_for(handler, chapter, reader)
    session = client.session
    session["_messages"] = '[["__json_message", 0, 25, "Saved."]]'
    session.save()
    answer = ask(handler, url, cookie=cookie)
    assert handler.full == 2
    assert b"Saved." in answer["text"]


def test_a_message_cookie_is_shown_by_the_stack(chapter, reader, handler, rf):
    url, cookie = chapter.get_absolute_url(), cookie_of(reader)
    for _ in range(2):
        ask(handler, url, cookie=cookie)
    value = CookieStorage(rf.get("/"))._encode([Message(constants.INFO, "Welcome back.")])
    answer = ask(handler, url, cookie=f"{cookie}; messages={value}")
    assert handler.full == 2
    assert b"Welcome back." in answer["text"]


@pytest.mark.parametrize("change", ["password", "deactivated"])
def test_a_changed_account_signs_the_old_session_out_at_once(
    change, chapter, reader, handler, after_commit
):
    url, cookie = chapter.get_absolute_url(), cookie_of(reader)
    for _ in range(2):
        ask(handler, url, cookie=cookie)
    if change == "password":
        reader.set_password("a new one")
    else:
        reader.is_active = False
    with after_commit():
        reader.save()
    answer = ask(handler, url, cookie=cookie)
    assert handler.full == 2
    assert b"Log in" in answer["text"] and b"Log out" not in answer["text"]


def test_a_new_comment_shows_on_the_next_view(chapter, reader, editor, handler, after_commit):
    url, cookie = chapter.get_absolute_url(), cookie_of(reader)
    for _ in range(2):
        before = ask(handler, url, cookie=cookie)
    assert handler.full == 1
    with after_commit():
        comment_make(chapter=chapter, author=editor, body="Seen at once by everyone.")
    after = ask(handler, url, cookie=cookie)
    assert comparable(after) == comparable(ask(WSGIHandler(), url, cookie=cookie))
    assert comparable(after) != comparable(before)
    # Made again by the stack once, then answered from the new kept parts.
    assert comparable(ask(handler, url, cookie=cookie)) == comparable(after)
    assert handler.full == 2


def test_a_body_read_once_is_not_read_again_while_current(
    chapter, reader, editor, handler, after_commit, monkeypatch
):
    url, cookie = chapter.get_absolute_url(), cookie_of(reader)
    ask(handler, url, cookie=cookie)
    asked = []
    shared = caches["default"]
    for name in ("get", "get_many"):
        real = getattr(shared, name)

        def spied(keys, *args, real=real, **kwargs):
            asked.extend([keys] if isinstance(keys, str) else keys)
            return real(keys, *args, **kwargs)

        monkeypatch.setattr(shared, name, spied)
    first = ask(handler, url, cookie=cookie)
    assert handler.full == 1
    assert asked and not [key for key in asked if key.startswith("rb:")]
    with after_commit():
        comment_make(chapter=chapter, author=editor, body="A new count for everyone.")
    asked.clear()
    after = ask(handler, url, cookie=cookie)
    assert [key for key in asked if key.startswith("rb:")]
    assert comparable(after) != comparable(first)
    assert comparable(after) == comparable(ask(WSGIHandler(), url, cookie=cookie))


def test_a_failing_shortcut_leaves_the_answer_to_the_stack(
    chapter, reader, handler, monkeypatch, caplog
):
    url, cookie = chapter.get_absolute_url(), cookie_of(reader)
    expected = comparable(ask(handler, url, cookie=cookie))

    def broken(*args, **kwargs):
        raise RuntimeError("kept parts unreadable")

    monkeypatch.setattr(shortcut, "verified_user", broken)
    assert comparable(ask(handler, url, cookie=cookie)) == expected
    assert handler.full == 2
    assert "shortcut failed" in caplog.text


def test_headers_are_learned_per_book_host_and_scheme(chapter, reader, handler, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    url, cookie = chapter.get_absolute_url(), cookie_of(reader)
    for _ in range(2):
        ask(handler, url, cookie=cookie)
    assert handler.full == 1
    other = ask(handler, url, cookie=cookie, HTTP_HOST="other.example")
    assert handler.full == 2
    links = [value for name, value in other["headers"] if name == "Link"]
    assert links and "//other.example/" in links[0]
    ask(handler, url, cookie=cookie, HTTP_HOST="evil.example")
    assert handler.full == 3


def test_a_session_without_the_current_hash_goes_to_the_stack(chapter, reader, handler):
    """Nothing about the reader changed, so their kept frame is current: only the
    session's hash tells the shortcut that Django would sign this session out."""
    client, url, cookie = kept_for(handler, chapter, reader)
    session = client.session
    session["_auth_user_hash"] = "0" * 64
    session.save()
    answer = ask(handler, url, cookie=cookie)
    assert handler.full == 2
    assert b"Log in" in answer["text"] and b"Log out" not in answer["text"]


@pytest.mark.parametrize("query", ["", "sort=votes", "state=open&page=1"])
def test_the_feedback_queue_is_answered_as_the_stack_answers_it(
    query, chapter, editor, reader, handler
):
    comment_make(chapter=chapter, author=reader, body="Worth a look.")
    cookie = cookie_of(editor)
    made = ask(handler, "/feedback/", cookie=cookie, query=query)
    assert (made["status"], handler.full) == ("200 OK", 1)
    answered = ask(handler, "/feedback/", cookie=cookie, query=query)
    assert handler.full == 1
    assert comparable(answered) == comparable(made)
    assert comparable(answered) == comparable(
        ask(WSGIHandler(), "/feedback/", cookie=cookie, query=query)
    )
    assert b"Worth a look." in answered["text"]
    # Another address is another page, made by the stack.
    ask(handler, "/feedback/", cookie=cookie, query="sort=oldest")
    assert handler.full == 2


def test_the_queue_of_someone_who_edits_nothing_is_what_the_stack_says(chapter, reader, handler):
    cookie = cookie_of(reader)
    first = ask(handler, "/feedback/", cookie=cookie)
    assert first["status"] == "403 Forbidden"
    again = ask(handler, "/feedback/", cookie=cookie)
    assert comparable(again) == comparable(first)
    assert comparable(again) == comparable(ask(WSGIHandler(), "/feedback/", cookie=cookie))
