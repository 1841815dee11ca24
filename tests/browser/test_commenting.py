"""A reader's whole commenting flow in Chromium, with and without JavaScript."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser.conftest import PASSWORD, PHONE, WCAG_AA, WIDE, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_up(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_sign_up_comment_reply_vote_and_quote_a_passage(page, site):
    base, chapter = site
    sign_up(page, base, "newreader")
    page.goto(base + chapter.get_absolute_url())

    page.get_by_role("link", name="Comments on paragraph 3").click()
    thread = page.locator(".thread")
    expect(thread.get_by_role("heading", name="Comments on paragraph 3")).to_be_visible()
    thread.get_by_label("Your comment").fill("This heading could say more.")
    thread.get_by_role("button", name="Post comment").click()
    expect(thread.get_by_text("This heading could say more.")).to_be_visible()
    expect(page.get_by_role("link", name="Comments on paragraph 3 (1)")).to_be_visible()
    screenshot(page, "thread-wide")

    # Another reader replies and votes.
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "other", chapter.get_absolute_url())
    page.get_by_role("link", name="Comments on paragraph 3 (1)").click()
    thread = page.locator(".thread")
    thread.get_by_role("button", name="Reply").click()
    thread.get_by_label("Your reply").fill("Agreed, and the next one too.")
    thread.get_by_role("button", name="Post reply").click()
    expect(thread.get_by_text("Agreed, and the next one too.")).to_be_visible()
    vote = thread.get_by_role("button", name=re.compile(r"^Vote for this comment"))
    vote.click()
    expect(thread.get_by_role("button", name=re.compile(r"^Vote: take back"))).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Comment.objects.get(parent__isnull=True).vote_count == 1

    # Select a passage in paragraph 2 and suggest new wording for it.
    page.get_by_role("button", name="Close").click()
    paragraph = page.locator("[data-pid]").nth(1).locator("p")
    paragraph.evaluate(
        """p => {
            const text = p.firstChild;
            const start = text.data.indexOf("sets the scene");
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, start + "sets the scene".length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }"""
    )
    paragraph.dispatch_event("mouseup")
    page.get_by_role("button", name="Comment on this passage").click()
    thread = page.locator(".thread")
    expect(thread.get_by_label("Quote")).to_have_value("sets the scene")
    thread.get_by_label("Your comment").fill("A cliché.")
    thread.get_by_label("Suggested wording").fill("opens the argument")
    thread.get_by_role("button", name="Post comment").click()
    # The wording as it would read: one change, the phrase replaced and the phrase
    # brought, each named for screen readers.
    expect(thread.locator(".comment__suggestion ins")).to_have_text(["added: opens the argument"])
    expect(thread.locator(".comment__suggestion del")).to_have_text(["removed: sets the scene"])
    comment = Comment.objects.get(quote_exact="sets the scene")
    assert comment.quote_prefix == "The opening paragraph "
    assert comment.suggestion == "opens the argument"
    highlighted = page.evaluate("[...CSS.highlights.get('wethink-quote')].map(r => r.toString())")
    assert highlighted == ["sets the scene"]
    screenshot(page, "passage-wide")


def test_the_same_flow_without_javascript(browser, site):
    base, chapter = site
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(base + chapter.get_absolute_url())
        page.get_by_role("link", name="Comments on paragraph 3").click()
        page.get_by_role("link", name="Log in to comment").click()
        page.get_by_label("Username").fill("other")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Comments on paragraph 3")).to_be_visible()
        page.get_by_label("Your comment").fill("Posted with JavaScript off.")
        page.get_by_role("button", name="Post comment").click()
        expect(page.get_by_text("Posted with JavaScript off.")).to_be_visible()
        page.get_by_role("button", name="Reply").click()
        page.get_by_label("Your reply").fill("Replying to myself, still no script.")
        page.get_by_role("button", name="Post reply").click()
        expect(page.get_by_text("Replying to myself, still no script.")).to_be_visible()
        screenshot(page, "thread-nojs-phone")
        assert Comment.objects.count() == 2
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_open_thread_and_sign_up_have_no_wcag_aa_violations(page, site, viewport):
    base, chapter = site
    page.set_viewport_size(viewport)
    log_in(page, base, "other", chapter.get_absolute_url())
    page.get_by_role("link", name="Comments on paragraph 2").click()
    thread = page.locator(".thread")
    thread.get_by_label("Your comment").fill("Checking contrast and names.")
    thread.get_by_role("button", name="Post comment").click()
    expect(thread.get_by_text("Checking contrast and names.")).to_be_visible()
    result = Axe().run(page, options=WCAG_AA)
    assert result.violations_count == 0, result.generate_report()
    screenshot(page, f"thread-{'phone' if viewport == PHONE else 'wide'}")
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{base}/accounts/signup/")
    result = Axe().run(page, options=WCAG_AA)
    assert result.violations_count == 0, result.generate_report()
