"""Watching without JavaScript, and the inbox with its header count, on a phone and
a wide screen; axe (WCAG 2.2 AA) on the pages this adds."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from comments.services import comment_reply
from notices.models import Watch
from tests.browser.conftest import PHONE, WCAG_AA, WIDE, log_in_demo, screenshot
from tests.factories import UserFactory, comment_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_watch_a_chapter_and_read_the_inbox_without_javascript(
    browser, live_server, demo, viewport
):
    from django.contrib.auth import get_user_model

    reader = get_user_model().objects.get(username="reader")
    chapter = demo.chapters.get(slug="reading-with-a-pencil")
    mine = comment_make(chapter=chapter, author=reader, body="Is this the right word?")
    comment_reply(user=UserFactory(username="answerer"), parent=mine, body="It is.")
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    base = live_server.url
    size = "phone" if viewport == PHONE else "wide"
    try:
        log_in_demo(page, base, "reader")
        page.goto(base + chapter.get_absolute_url())
        page.get_by_role("button", name="Watch this chapter").click()
        assert page.get_by_text("You watch this chapter.").count() == 1
        assert Watch.objects.filter(user=reader, chapter=chapter).exists()
        inbox = page.get_by_role("link", name="Inbox, 1 unread")
        assert inbox.count() == 1
        inbox.click()
        assert page.get_by_text("answerer replied to your comment").count() == 1
        assert page.locator(".nav-count").count() == 0
        screenshot(page, f"inbox-{size}")
        # axe is a script: it runs in a second tab, with scripts on, signed in as the same reader.
        scripted = browser.new_context(viewport=viewport, storage_state=context.storage_state())
        try:
            checked = scripted.new_page()
            for path in ("/inbox/", "/accounts/profile/"):
                checked.goto(base + path)
                problems = Axe().run(checked, options=WCAG_AA).response["violations"]
                assert [v["id"] for v in problems] == [], path
        finally:
            scripted.close()
        page.goto(base + "/accounts/profile/")
        page.get_by_role("button", name=f"Stop watching {chapter.title}").click()
        assert not Watch.objects.filter(user=reader).exists()
    finally:
        context.close()
