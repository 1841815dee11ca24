"""The author's loop in Chromium: accept in the queue, fold, and the reader sees the result."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser.conftest import PASSWORD, WIDE, log_in, screenshot
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loop(live_server):
    editor = UserFactory(username="author", password=PASSWORD)
    reader = UserFactory(username="margo", password=PASSWORD)
    book = BookFactory(slug="loop", title="The Loop", editors=[editor])
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps")
    other = chapter_make(book=book, text="# Elsewhere\n\nAnother chapter.\n", slug="elsewhere")
    suggestion = comment_make(
        chapter=chapter,
        author=reader,
        body="Too vague.",
        quote="sets the scene",
        suggestion="opens the story",
    )
    note = comment_make(chapter=chapter, author=reader, position=4, body="Add a second link.")
    comment_make(chapter=other, author=reader, body="Not this chapter.")
    return live_server.url, chapter, suggestion, note


def test_accept_fold_and_credit(page, loop):
    base, chapter, suggestion, note = loop
    page.set_viewport_size(WIDE)
    log_in(page, base, "author", "/feedback/")
    page.get_by_label("Book").select_option("loop")
    page.get_by_role("button", name="Filter").click()
    page.get_by_label("Chapter").select_option("first-steps")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Not this chapter.")).to_have_count(0)
    item = page.locator(f"#item-{suggestion.pk}")
    item.get_by_role("button", name="Accept").click()
    page.locator(f"#item-{note.pk}").get_by_role("button", name="Accept").click()
    expect(page.get_by_text("No open feedback matches.")).to_be_visible()
    assert set(Comment.objects.filter(chapter=chapter).values_list("decision", flat=True)) == {
        "accepted"
    }

    page.goto(f"{base}/b/loop/first-steps/fold/")
    page.get_by_role("button", name="Apply suggestion").click()
    expect(page.get_by_label("Chapter text")).to_have_value(re.compile("opens the story"))
    text = page.get_by_label("Chapter text")
    text.fill(
        text.input_value().replace(
            "a [link](https://example.org/)", "two [links](https://example.org/)"
        )
    )
    # Only the applied suggestion starts ticked; the note is folded in by hand.
    note_box = page.locator(f"#fold-{note.pk}")
    expect(page.locator(f"#fold-{suggestion.pk}")).to_be_checked()
    expect(note_box).not_to_be_checked()
    note_box.check()
    expect(page.get_by_label("Revision message")).to_have_value(re.compile("margo"))
    screenshot(page, "fold-wide")
    page.get_by_role("button", name="Save revision").click()
    expect(page.get_by_text("Saved revision 2.")).to_be_visible()
    expect(page.get_by_text("Comments folded into this change").first).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "margo", suggestion.get_absolute_url().split("#")[0])
    badge = page.get_by_role("link", name="incorporated in r2")
    expect(badge).to_be_visible()
    badge.click()
    expect(
        page.get_by_role("heading", name=re.compile("from revision 1 to revision 2"))
    ).to_be_visible()
    page.goto(f"{base}/b/loop/acknowledgements/")
    expect(page.locator(".acknowledgements__name")).to_have_text(["margo"])
    expect(page.get_by_text("2 comments incorporated")).to_be_visible()
    screenshot(page, "acknowledgements-wide")


def test_enter_in_one_items_reason_never_decides_another(page, loop):
    """Enter in a reason field rejects that item alone, with the reason; the items
    ticked for the bulk buttons stay as they were."""
    base, _chapter, suggestion, note = loop
    page.set_viewport_size(WIDE)
    log_in(page, base, "author", "/feedback/?book=loop")
    page.locator(f"#item-{suggestion.pk}").get_by_role("checkbox").check()
    reason = page.locator(f"#item-{note.pk}").get_by_placeholder("Reason (optional)")
    reason.fill("We keep one link.")
    reason.press("Enter")
    expect(page.get_by_text("1 comment marked declined.")).to_be_visible()
    suggestion.refresh_from_db()
    note.refresh_from_db()
    assert (suggestion.decision, note.decision) == ("open", "declined")
    assert note.replies.get().body == "We keep one link."
