import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from comments.revising import chapter_revise
from comments.services import comment_reply
from tests.browser.conftest import PASSWORD, PHONE, WCAG_AA, WIDE, log_in, screenshot
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chapter_url(live_server):
    book = BookFactory(slug="live", title="A Live Book")
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps")
    chapter_revise(
        chapter=chapter,
        text=CHAPTER_TEXT.replace("sets the scene", "sets the scene at once"),
        editor=None,
        message="Sharper opening",
    )
    return f"{live_server.url}{chapter.get_absolute_url()}"


def test_a_reader_follows_a_paragraph_permalink(page, chapter_url):
    page.goto(chapter_url)
    blocks = page.locator("[data-pid]")
    assert blocks.count() == 8
    third = blocks.nth(2)
    pid = third.get_attribute("data-pid")
    third.get_by_role("link", name="3", exact=True).click()
    assert page.url.endswith(f"#p-{pid}")
    assert page.evaluate("document.querySelector(':target').dataset.pid") == pid
    screenshot(page, "chapter-wide")


def test_the_chapter_reads_well_on_a_phone(page, chapter_url):
    page.set_viewport_size(PHONE)
    page.goto(chapter_url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    number = page.locator(".block__n").first.bounding_box()
    text = page.locator("[data-pid] > p").first.bounding_box()
    assert number["x"] + number["width"] <= text["x"], "block numbers overlap the text"
    screenshot(page, "chapter-phone")


def test_history_and_diff_pages_in_the_browser(page, chapter_url):
    page.goto(chapter_url)
    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="Changes").click()
    assert page.locator("ins").first.inner_text().strip() == "at once"
    screenshot(page, "diff-wide")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_reading_pages_have_no_wcag_aa_violations(page, chapter_url, viewport):
    page.set_viewport_size(viewport)
    for path in ("", "history/", "diff/1/2/", "r1/"):
        page.goto(chapter_url + path)
        result = Axe().run(page, options=WCAG_AA)
        assert result.violations_count == 0, f"{path or 'chapter'}: {result.generate_report()}"


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_since_your_last_visit(page, live_server, viewport):
    """A returning reader sees the paragraphs changed since they last read the
    chapter marked in the margin, each linking to its change, and their comment
    that was answered; the contents mark the chapter."""
    editor = UserFactory(username="ed", password=PASSWORD)
    UserFactory(username="back", password=PASSWORD)
    book = BookFactory(slug="again", title="Again", editors=[editor])
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps", editor=editor)
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "back", chapter.get_absolute_url())
    expect(page.locator(".chapter--blocks")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".since")).to_have_count(0)
    reader = get_user_model().objects.get(username="back")
    comment = comment_make(chapter=chapter, author=reader, body="Which scene?")
    comment_reply(user=editor, parent=comment, body="The opening one.")
    chapter_revise(
        chapter=chapter,
        text=CHAPTER_TEXT.replace("sets the scene", "opens the story"),
        editor=editor,
        message="Plainer words",
    )
    page.goto(live_server.url + book.get_absolute_url())
    expect(page.get_by_text("changed since your last visit")).to_be_visible()
    page.goto(live_server.url + chapter.get_absolute_url())
    since = page.locator(".since")
    expect(since).to_contain_text("Since your last visit")
    expect(since).to_contain_text("1 paragraph changed")
    expect(since).to_contain_text("Which scene?")
    marked = page.locator(".chapter--blocks > .is-changed")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("opens the story")
    number = marked.locator(".block__n")
    expect(number).to_have_attribute("href", re.compile(r"/diff/1/2/#p-"))
    name = "phone" if viewport == PHONE else "wide"
    screenshot(page, f"since-visit-{name}")
    number.click()
    expect(page).to_have_url(re.compile(r"/diff/1/2/"))
    # The baseline is the visit before today's: coming back the same day keeps it.
    page.goto(live_server.url + chapter.get_absolute_url())
    expect(page.locator(".since")).to_contain_text("1 paragraph changed")
