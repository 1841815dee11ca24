"""Two app servers, no state in processes: two gunicorn servers on different ports
share the test database and Redis; what one is told, the other knows at once."""

import http.client
import os
import secrets
import subprocess
import sys
import urllib.parse
from contextlib import ExitStack
from http.cookies import SimpleCookie

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from bench import serving
from tests.factories import BookFactory, UserFactory, chapter_make

PASSWORD = "a-long-test-password"


def person(username: str):
    """An account whose password the servers can check: they keep Django's default
    hashers, the test settings only MD5 (few iterations here, for speed)."""
    hasher = PBKDF2PasswordHasher()
    user = UserFactory(username=username)
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def servers(django_db_setup):
    """Ports of two gunicorn servers on the test database, one worker each; each
    test's rows are committed (transactional tests), so the servers see them."""
    if connection.vendor != "postgresql":
        pytest.skip("two app servers need a database server; SQLite's test database is private")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("two app servers share their cache through Redis: set REDIS_URL")
    db = connection.settings_dict
    auth = urllib.parse.quote(db["USER"]) + (
        f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    )
    env = serving.production_env(
        database_url=f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        redis_url=redis_url,
        WEB_CONCURRENCY="1",
        CONN_MAX_AGE="0",
        WETHINK_COMMENTS_PER_MINUTE="3",
        AXES_FAILURE_LIMIT="3",
    )
    # With DEBUG off pages name static files through the manifest collectstatic writes.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=serving.ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ports = serving.free_port(), serving.free_port()
    with ExitStack() as stack:
        for port in ports:
            stack.enter_context(serving.gunicorn("wethink.wsgi", env=env, port=port))
        yield ports


class Browser:
    """One person's cookies, sent to whichever server a request goes to."""

    def __init__(self):
        self.cookies = {"csrftoken": secrets.token_hex(16)}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(
                {**form, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
            )
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{port}"
        server = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            server.request(method, path, body=body, headers=headers)
            response = server.getresponse()
            text = response.read().decode()
        finally:
            server.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def log_in(self, port: int, username: str, password: str = PASSWORD) -> int:
        status, _ = self.request(
            port, "POST", "/accounts/login/", {"username": username, "password": password}
        )
        return status


@pytest.fixture
def chapter(transactional_db):
    book = BookFactory(slug="shared", title="Shared")
    return chapter_make(book=book, text="# Shared\n\nOne paragraph to comment on.\n", slug="one")


def paragraph_pid(chapter) -> str:
    return chapter.current_revision.blocks.order_by("position")[1].pid


def test_a_comment_posted_on_one_server_is_counted_on_the_other(servers, chapter):
    first, second = servers
    person("writer")
    page = f"/b/{chapter.book.slug}/{chapter.slug}/"
    pid = paragraph_pid(chapter)
    reader = Browser()
    # Both servers have shown the chapter (and may keep it) before the comment.
    for port in servers:
        status, html = reader.request(port, "GET", page)
        assert status == 200
        assert "Comments on paragraph 2 (" not in html

    writer = Browser()
    assert writer.log_in(first, "writer") == 302
    status, _ = writer.request(first, "POST", f"{page}p/{pid}/", {"body": "Seen everywhere?"})
    assert status == 302

    for port in (second, first):
        status, html = reader.request(port, "GET", page)
        assert status == 200
        assert "Comments on paragraph 2 (1)" in html
    status, html = Browser().request(second, "GET", f"{page}p/{pid}/")
    assert "Seen everywhere?" in html


def test_the_comment_limit_is_counted_across_servers(servers, chapter):
    first, second = servers
    person("busy")
    thread = f"/b/{chapter.book.slug}/{chapter.slug}/p/{paragraph_pid(chapter)}/"
    writer = Browser()
    assert writer.log_in(second, "busy") == 302
    # The limit is 3 a minute: two through one server and one through the other.
    for port, n in ((first, 1), (second, 2), (first, 3)):
        status, _ = writer.request(port, "POST", thread, {"body": f"Comment {n}"})
        assert status == 302, n
    for port in servers:
        status, _ = writer.request(port, "POST", thread, {"body": "One too many"})
        assert status == 429
    assert chapter.comments.count() == 3


def test_login_failures_are_counted_across_servers(servers):
    first, second = servers
    person("target")
    attacker = Browser()
    # The lockout comes with the third failure: one on each server, then one more.
    assert attacker.log_in(first, "target", "wrong-password") == 200
    assert attacker.log_in(second, "target", "wrong-password") == 200
    assert attacker.log_in(first, "target", "wrong-password") == 429
    for port in servers:
        # Locked out on both, even with the right password.
        assert Browser().log_in(port, "target") == 429
