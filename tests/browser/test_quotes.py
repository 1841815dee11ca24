"""Selecting part of a word quotes the whole word, before the server has to."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("selected", "quoted"),
    [("pening paragrap", "opening paragraph"), (" sets the scen", "sets the scene")],
)
def test_a_selection_cut_inside_words_is_quoted_in_whole_words(page, site, selected, quoted):
    base, chapter = site
    log_in(page, base, "other", chapter.get_absolute_url())
    paragraph = page.locator("[data-pid]").nth(1).locator("p")
    paragraph.evaluate(
        """(p, selected) => {
            const text = p.firstChild;
            const start = text.data.indexOf(selected);
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, start + selected.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        selected,
    )
    paragraph.dispatch_event("mouseup")
    page.get_by_role("button", name="Comment on this passage").click()
    expect(page.locator(".thread").get_by_label("Quote")).to_have_value(quoted)
