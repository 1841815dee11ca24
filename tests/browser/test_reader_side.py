"""Choosing a passage with a mouse and on a phone, one thread at a time, the
character counter, highlights kept on, and the pages this touches under axe."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from comments.models import Comment
from comments.services import comment_reply
from tests.browser.conftest import PASSWORD, PHONE, WCAG_AA, WIDE, log_in, screenshot
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECT = """(p, text) => {
    const node = p.firstChild;
    const start = node.data.indexOf(text);
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + text.length);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
}"""

# Where a character of a paragraph's first text node is drawn: the middle of its box,
# in whole pixels (a drag starting at a half pixel selects nothing in headless Chromium).
CHAR_AT = """(p, offset) => {
    const range = document.createRange();
    range.setStart(p.firstChild, offset);
    range.setEnd(p.firstChild, offset + 1);
    const box = range.getBoundingClientRect();
    return {x: Math.round(box.left + box.width / 2), y: Math.round(box.top + box.height / 2)};
}"""


@pytest.fixture
def site(live_server):
    editor = UserFactory(username="editor", password=PASSWORD)
    book = BookFactory(slug="live", title="A Live Book", editors=[editor])
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps", editor=editor)
    UserFactory(username="other", password=PASSWORD)
    return live_server.url, chapter


def lit_passages(page, n: int) -> None:
    """Wait until `n` passages are highlighted. Polled from here: the page's policy
    forbids the string evaluation `wait_for_function` polls with."""
    for _ in range(50):
        if page.evaluate("() => CSS.highlights.get('wethink-quote')?.size || 0") == n:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{n} passages were never highlighted")


def paragraph(page, n: int):
    return page.locator(".chapter--blocks > [data-pid]").nth(n - 1).locator("p").first


def test_a_mouse_drag_ending_mid_word_quotes_whole_words(page, site):
    base, chapter = site
    log_in(page, base, "other", chapter.get_absolute_url())
    p = paragraph(page, 2)
    text = p.evaluate("p => p.firstChild.data")
    start = p.evaluate(CHAR_AT, text.index("pening"))
    end = p.evaluate(CHAR_AT, text.index("paragraph") + 5)
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move(round((start["x"] + end["x"]) / 2), end["y"], steps=5)
    page.mouse.move(end["x"], end["y"], steps=5)
    # No offer while the button is still down, only once the drag ends.
    page.wait_for_timeout(400)
    offer = page.get_by_role("button", name="Comment on this passage")
    expect(offer).to_be_hidden()
    page.mouse.up()
    page.wait_for_timeout(300)
    offer.click()
    thread = page.locator(".thread")
    expect(thread.get_by_label("Quote")).to_have_value("opening paragraph")
    expect(offer).to_be_hidden()
    expect(thread.get_by_label("Your comment")).to_be_focused()
    page.wait_for_timeout(400)
    expect(offer).to_be_hidden()


def test_a_long_press_selection_on_a_phone_offers_a_comment(browser, site):
    base, chapter = site
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, base, "other", chapter.get_absolute_url())
        p = paragraph(page, 2)
        # A long press selects without a mouseup or touchend reaching the page: only
        # the selection changes (setting it by script fires selectionchange too).
        p.evaluate(SELECT, "the scen")
        offer = page.get_by_role("button", name="Comment on this passage")
        expect(offer).to_be_visible()
        screenshot(page, "passage-offer-phone")
        offer.tap()
        thread = page.locator(".thread")
        expect(thread.get_by_label("Quote")).to_have_value("the scene")
        expect(offer).to_be_hidden()
        thread.get_by_label("Your comment").fill("Which scene?")
        thread.get_by_role("button", name="Post comment").click()
        expect(thread.get_by_text("Which scene?")).to_be_visible()
        assert Comment.objects.get().quote_exact == "the scene"
    finally:
        context.close()


def test_the_passage_survives_logging_in(page, site):
    base, chapter = site
    page.goto(base + chapter.get_absolute_url())
    p = paragraph(page, 2)
    p.evaluate(SELECT, "sets the scene")
    p.dispatch_event("mouseup")
    page.get_by_role("button", name="Comment on this passage").click()
    thread = page.locator(".thread")
    expect(thread.get_by_text("The passage you chose will be in the form")).to_be_visible()
    thread.get_by_role("link", name="Log in to comment").click()
    page.get_by_label("Username").fill("other")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Comments on paragraph 2")).to_be_visible()
    expect(page.get_by_label("Quote")).to_have_value("sets the scene")
    page.get_by_label("Your comment").fill("Kept through the login.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Kept through the login.")).to_be_visible()
    comment = Comment.objects.get()
    assert (comment.quote_exact, comment.quote_prefix) == (
        "sets the scene",
        "The opening paragraph ",
    )


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_opening_a_passage_comment_closes_the_open_thread(page, site, viewport):
    base, chapter = site
    page.set_viewport_size(viewport)
    log_in(page, base, "other", chapter.get_absolute_url())
    page.get_by_role("link", name="Comments on paragraph 4").click()
    expect(page.get_by_role("heading", name="Comments on paragraph 4")).to_be_visible()
    p = paragraph(page, 2)
    p.evaluate(SELECT, "opening paragraph")
    p.dispatch_event("mouseup")
    page.get_by_role("button", name="Comment on this passage").click()
    expect(page.get_by_role("heading", name="Comments on paragraph 2")).to_be_visible()
    expect(page.locator(".thread")).to_have_count(1)
    expect(page.locator(".thread-slot.is-open")).to_have_count(1)
    expect(page.get_by_role("link", name="Comments on paragraph 4")).to_have_attribute(
        "aria-expanded", "false"
    )
    focused = page.evaluate("document.activeElement.closest('.thread')?.dataset.thread")
    assert focused == chapter.current_revision.blocks.get(position=2).pid
    expect(page.locator(".thread").get_by_label("Your comment")).to_be_focused()


def test_the_counter_and_a_paste_over_the_limit(page, site):
    base, chapter = site
    log_in(page, base, "other", chapter.get_absolute_url())
    page.get_by_role("link", name="Comments on paragraph 2").click()
    thread = page.locator(".thread")
    body = thread.get_by_label("Your comment")
    body.fill("x" * 100)
    expect(thread.locator(".char-count")).to_have_count(0)
    body.fill("x" * 9500)
    expect(thread.locator(".char-count")).to_have_text("9,500 of 10,000 characters")
    body.fill("x" * 20000)
    # Nothing is cut: the whole paste stays, and the form says what is wrong.
    assert len(body.input_value()) == 20000
    expect(thread.locator(".char-count")).to_contain_text("10,000 characters over the limit")
    thread.get_by_role("button", name="Post comment").click()
    expect(thread.get_by_role("alert")).to_contain_text("over the limit")
    expect(body).to_be_focused()
    assert not Comment.objects.exists()
    screenshot(page, "counter-over-wide")


def test_reply_form_closes_after_posting_and_editors_wear_a_badge(page, site):
    base, chapter = site
    comment = comment_make(chapter=chapter, author=UserFactory(username="reader"))
    log_in(page, base, "editor", chapter.get_absolute_url())
    page.get_by_role("link", name="Comments on paragraph 2 (1)").click()
    thread = page.locator(".thread")
    thread.get_by_role("button", name="Reply").click()
    thread.get_by_label("Your reply").fill("Thanks, will do.")
    thread.get_by_role("button", name="Post reply").click()
    expect(thread.get_by_text("Thanks, will do.")).to_be_visible()
    expect(thread.get_by_label("Your reply")).to_have_count(0)
    expect(thread.locator(".badge--editor")).to_have_count(1)
    assert comment.replies.count() == 1


def test_highlights_stay_on_and_are_remembered(page, site):
    base, chapter = site
    reader = UserFactory(username="reader")
    comment_make(chapter=chapter, author=reader, quote="sets the scene", suggestion="sets it")
    comment_make(chapter=chapter, author=reader, position=4, quote="emphasis")
    page.goto(base + chapter.get_absolute_url())
    toggle = page.get_by_role("button", name="Highlight commented passages")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    highlighted = "[...(CSS.highlights.get('wethink-quote') || [])].map(r => r.toString()).sort()"
    assert page.evaluate(highlighted) == []
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    lit_passages(page, 2)
    assert page.evaluate(highlighted) == ["emphasis", "sets the scene"]
    screenshot(page, "highlights-on-wide")
    page.reload()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    lit_passages(page, 2)
    # Opening and closing a thread keeps the others lit.
    page.get_by_role("link", name=re.compile("Comments on paragraph 2")).click()
    page.get_by_role("button", name="Close").click()
    assert page.evaluate(highlighted) == ["emphasis", "sets the scene"]
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(highlighted) == []
    page.reload()
    expect(toggle).to_have_attribute("aria-pressed", "false")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_pages_touched_have_no_wcag_aa_violations(page, site, viewport):
    base, chapter = site
    name = "phone" if viewport == PHONE else "wide"
    page.set_viewport_size(viewport)
    reader = UserFactory(username="reader", password=PASSWORD)
    comment = comment_make(
        chapter=chapter,
        author=reader,
        quote="sets the scene",
        suggestion="opens the argument",
        body="Could be sharper.",
    )
    comment_reply(user=chapter.book.editors.get(), parent=comment, body="Agreed.")
    log_in(page, base, "reader", chapter.get_absolute_url())
    page.get_by_role("button", name="Highlight commented passages").click()
    page.get_by_role("link", name=re.compile("Comments on paragraph 2")).click()
    expect(page.locator(".thread .badge--editor")).to_be_visible()
    result = Axe().run(page, options=WCAG_AA)
    assert result.violations_count == 0, result.generate_report()
    screenshot(page, f"reader-thread-{name}")
    page.goto(f"{base}/c/{comment.pk}/delete/")
    result = Axe().run(page, options=WCAG_AA)
    assert result.violations_count == 0, result.generate_report()
    screenshot(page, f"delete-confirm-{name}")
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "other", f"/c/{comment.pk}/flag/")
    expect(page.get_by_role("radio", name="Spam or advertising")).to_be_visible()
    result = Axe().run(page, options=WCAG_AA)
    assert result.violations_count == 0, result.generate_report()
    screenshot(page, f"flag-{name}")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_comments_on_the_chapter_as_a_whole(page, site, viewport):
    base, chapter = site
    name = "phone" if viewport == PHONE else "wide"
    page.set_viewport_size(viewport)
    log_in(page, base, "other", chapter.get_absolute_url())
    page.get_by_role("link", name="Comments on paragraph 4").click()
    expect(page.get_by_role("heading", name="Comments on paragraph 4")).to_be_visible()
    whole = page.get_by_role("link", name="Comment on the chapter as a whole")
    whole.click()
    # One thread at a time, the new one focused.
    thread = page.locator(".thread")
    expect(thread).to_have_count(1)
    heading = page.get_by_role("heading", name="Comments on the chapter as a whole")
    expect(heading).to_be_focused()
    expect(thread.get_by_label("Quote")).to_have_count(0)
    thread.get_by_label("Your comment").fill("The chapter needs a closing summary.")
    thread.get_by_role("button", name="Post comment").click()
    expect(page.locator(".thread")).to_contain_text("The chapter needs a closing summary.")
    expect(page.get_by_role("link", name="1 comment on the chapter as a whole")).to_be_visible()
    result = Axe().run(page, options=WCAG_AA)
    assert result.violations_count == 0, result.generate_report()
    screenshot(page, f"whole-chapter-{name}")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_comments_on_the_book_as_a_whole(page, site, viewport):
    base, chapter = site
    name = "phone" if viewport == PHONE else "wide"
    page.set_viewport_size(viewport)
    log_in(page, base, "other", chapter.book.get_absolute_url())
    section = page.locator("#discussion")
    expect(section).to_contain_text("The book as a whole")
    section.get_by_role("link", name="Start the discussion").click()
    expect(page.get_by_role("heading", name="Comments on the book as a whole")).to_be_visible()
    expect(page.get_by_label("Quote")).to_have_count(0)
    page.get_by_label("Your comment").fill("The chapters need one thread through them.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".thread")).to_contain_text("The chapters need one thread through them.")
    expect(page.get_by_role("status")).to_contain_text("Your comment is posted.")
    # A thread page of its own has nothing to close.
    expect(page.get_by_role("button", name="Close")).to_be_hidden()
    result = Axe().run(page, options=WCAG_AA)
    assert result.violations_count == 0, result.generate_report()
    screenshot(page, f"whole-book-{name}")
    page.get_by_role("link", name="Back to the contents").click()
    expect(page.locator("#discussion")).to_contain_text("1 comment on the book as a whole.")
    result = Axe().run(page, options=WCAG_AA)
    assert result.violations_count == 0, result.generate_report()
