"""Security headers: the policy on every response, no inline script or style in any
page, Permissions-Policy, and no `Server` header from Django, WhiteNoise or gunicorn."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from comments.decisions import comments_decide
from tests.factories import UserFactory, comment_make

ROOT = Path(__file__).resolve().parents[1]
NONCE = re.compile(r"'nonce-([^']+)'")


class InlineFinder(HTMLParser):
    """Everything in a page the policy would block: style attributes, event
    handlers, `javascript:` links, and inline `<script>`/`<style>` without the nonce."""

    def __init__(self, nonce: str | None):
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []
        self.nonces: set[str] = set()

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if "nonce" in names:
            self.nonces.add(names["nonce"])
        for name, value in attrs:
            if name == "style" or name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        inline_script = tag == "script" and "src" not in names
        data_block = names.get("type", "").endswith("json")
        needs_nonce = (inline_script and not data_block) or tag == "style"
        if needs_nonce and (not self.nonce or names.get("nonce") != self.nonce):
            self.problems.append(f"<{tag}> without the request's nonce")


def assert_policed(response) -> None:
    """The response carries the policy, and its HTML runs under it unchanged."""
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    found = NONCE.search(policy)
    finder = InlineFinder(found.group(1) if found else None)
    finder.feed(response.content.decode())
    assert finder.problems == [], response.request["PATH_INFO"]
    assert finder.nonces <= ({found.group(1)} if found else set())
    assert "Server" not in response.headers
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.fixture
def busy_chapter(chapter, reader, editor):
    busy = [comment_make(chapter=chapter, author=UserFactory(), position=4) for _ in range(3)]
    comments_decide(user=editor, comments=busy[:1], decision="accepted")
    comment_make(chapter=chapter, author=reader, position=2)
    return chapter


def page_urls(chapter) -> list[str]:
    book = {"book": chapter.book.slug}
    both = {**book, "chapter": chapter.slug}
    pid = chapter.current_revision.blocks.get(position=4).pid
    return [
        reverse("chapters:book_list"),
        reverse("chapters:book_detail", kwargs=book),
        reverse("chapters:book_search", kwargs=book) + "?q=paragraph",
        chapter.get_absolute_url(),
        reverse("chapters:chapter_history", kwargs=both),
        reverse("comments:thread", kwargs={**both, "pid": pid}),
        reverse("comments:contested", kwargs=both),
        reverse("comments:fold", kwargs=both),
        reverse("comments:feedback"),
        reverse("comments:moderation", kwargs=book),
        reverse("comments:acknowledgements", kwargs=book),
        reverse("accounts:profile", kwargs={"username": "ed"}),
        "/b/no-such-book/",
    ]


def test_pages_have_no_inline_script_or_style(client, busy_chapter, editor):
    client.force_login(editor)
    for url in page_urls(busy_chapter):
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        assert_policed(response)


def test_signed_out_pages_have_no_inline_script_or_style(client, busy_chapter):
    for url in [reverse("login"), reverse("accounts:signup"), busy_chapter.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200
        assert_policed(response)


def test_htmx_injects_no_style_and_evaluates_no_attributes(client, chapter):
    page = client.get(chapter.get_absolute_url()).text
    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page


def test_feedback_bars_are_width_classes(client, busy_chapter, editor, reader):
    url = reverse(
        "comments:contested", kwargs={"book": busy_chapter.book.slug, "chapter": busy_chapter.slug}
    )
    client.force_login(reader)
    assert client.get(url).status_code == 403
    client.force_login(editor)
    page = client.get(url).text
    # The busiest paragraph: 2 open, 1 accepted of 3; the other: 1 open of 3.
    assert "seg--open w-67" in page and "seg--accepted w-33" in page
    assert "seg--open w-33" in page and "seg--incorporated w-0" in page
    contents = client.get(busy_chapter.book.get_absolute_url()).text
    # The one chapter: 3 open and 1 accepted of 4.
    assert "seg--open w-75" in contents and "seg--accepted w-25" in contents
    css = (ROOT / "static" / "css" / "site.css").read_text()
    assert all(f".w-{n} {{ width: {n}%; }}" in css for n in range(101))


def test_admin_pages_carry_the_nonce(client, chapter, staff):
    client.force_login(staff)
    for url in [
        reverse("admin:index"),
        reverse("admin:chapters_book_changelist"),
        reverse("admin:chapters_book_change", args=[chapter.book.pk]),
        reverse("admin:chapters_chapter_changelist"),
        reverse("admin:chapters_chapter_change", args=[chapter.pk]),
        reverse("admin:comments_comment_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_policed(response)
        assert NONCE.search(response.headers["Content-Security-Policy"]), url


def test_static_files_get_the_headers(client, settings, db):
    # WhiteNoise reads its settings when the middleware is built: on this client's first request.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"/*")
    response.close()
    assert "Server" not in response.headers
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert "Content-Security-Policy" in response.headers


def test_an_error_page_is_policed_and_its_stylesheet_is_a_file(client, db):
    response = client.get("/b/no-such-book/")
    assert response.status_code == 404
    assert_policed(response)
    from django.template.loader import render_to_string

    server_error = render_to_string("500.html")
    finder = InlineFinder(None)
    finder.feed(server_error)
    assert finder.problems == [] and "css/site.css" in server_error


def test_django_debug_pages_keep_their_inline_style(client, db):
    with override_settings(DEBUG=True):
        response = client.get("/b/no-such-book/")
    assert response.status_code == 404
    assert "Content-Security-Policy" not in response.headers
    assert "Permissions-Policy" in response.headers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_names_no_software(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "wethink/gunicorn.conf.py",
            "wethink.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/static/css/site.css")
                response = connection.getresponse()
                response.read()
                break
            except ConnectionRefusedError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        assert response.status == 200
        assert response.getheader("Server") is None
        assert "camera=()" in response.getheader("Permissions-Policy")
        assert "script-src 'self'" in response.getheader("Content-Security-Policy")
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
