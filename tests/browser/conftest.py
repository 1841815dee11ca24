"""Browser tests: Playwright driving Debian's Chromium against a live server.

They are skipped, with the reason, where /usr/bin/chromium is missing.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}

WCAG_AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    }
}
PASSWORD = "a-long-test-password"
# Set by `load_demo --allow-demo-accounts`, which the `demo` fixture runs.
DEMO_PASSWORDS = {"reader": "reader-demo-1", "editor": "editor-demo-1"}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    """Chromium for the whole run. Playwright's sync API keeps an event loop running
    in the test thread from here on; the Django ORM calls fixtures make in that
    thread are still synchronous and safe, so Django is told so, from the first
    browser test to the end of the run (the browser tests run last: tests/conftest.py)."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=WIDE)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page, name: str) -> None:
    """Keep a picture of what a reader saw, for people reviewing the change."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def demo(live_server):
    """The demo book as `make run` loads it, with its readers' comments in every state."""
    from io import StringIO

    from django.core.management import call_command

    from chapters.models import Book

    call_command("load_demo", allow_demo_accounts=True, stdout=StringIO())
    return Book.objects.get(slug="writing-in-the-open")


@pytest.fixture
def site(live_server):
    """A one-chapter book on the live server and a reader "other" who can log in."""
    book = BookFactory(slug="live", title="A Live Book")
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps")
    UserFactory(username="other", password=PASSWORD)
    return live_server.url, chapter


def log_in(page, base: str, username: str, next_path: str = "/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_in_demo(page, base: str, role: str) -> None:
    """Log in as the demo book's reader or editor (see the `demo` fixture)."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(DEMO_PASSWORDS[role])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/**")
    assert page.get_by_role("button", name="Log out").count() == 1
