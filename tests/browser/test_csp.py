"""The pages work in Chromium under the Content-Security-Policy, with nothing blocked.

Every `securitypolicyviolation` event and every console error or warning is
collected while a reader comments and an editor folds the comments in; any of
them fails the test.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser.conftest import PASSWORD, PHONE, WIDE, log_in
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
      ` at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


@pytest.fixture
def site(live_server):
    editor = UserFactory(username="author", password=PASSWORD)
    reader = UserFactory(username="margo", password=PASSWORD)
    UserFactory(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    book = BookFactory(slug="policy", title="Under Policy", editors=[editor])
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps")
    comment_make(chapter=chapter, author=reader, position=4, body="Say more here.")
    return live_server.url, chapter


@pytest.fixture
def watched(browser):
    """A page whose policy violations, console errors and page errors are recorded."""
    context = browser.new_context(viewport=WIDE)
    problems: list[str] = []
    context.expose_function("cspViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text} ({message.location})")
            # The site has no favicon; the browser's own request for one is no page's doing.
            if message.type in {"error", "warning"}
            and not message.location["url"].endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page, problems
    context.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for label, viewport in (("phone", PHONE), ("wide", WIDE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def select_words(page, paragraph, words: str) -> None:
    paragraph.evaluate(
        """(p, words) => {
            const text = p.firstChild;
            const start = text.data.indexOf(words);
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, start + words.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        words,
    )
    paragraph.dispatch_event("mouseup")


def test_a_reader_comments_under_the_policy(watched, site):
    page, problems = watched
    base, chapter = site
    log_in(page, base, "margo", chapter.get_absolute_url())
    expect(page.locator("[data-pid]")).to_have_count(8)
    # The stylesheet applies: the block numbers sit in the margin, in the sans face.
    assert "sans" in page.locator(".block__n").first.evaluate("n => getComputedStyle(n).fontFamily")
    shoot(page, "chapter")

    page.get_by_role("link", name="Comments on paragraph 4 (1)").click()
    thread = page.locator(".thread")
    expect(thread.get_by_text("Say more here.")).to_be_visible()
    thread.get_by_label("Your comment").fill("Posted under the policy.")
    thread.get_by_role("button", name="Post comment").click()
    expect(thread.get_by_text("Posted under the policy.")).to_be_visible()
    page.get_by_role("button", name="Close").click()

    select_words(page, page.locator("[data-pid]").nth(1).locator("p"), "the scene")
    offer = page.get_by_role("button", name="Comment on this passage")
    expect(offer).to_be_visible()
    # Placed through the CSSOM (element.style), which the policy allows.
    assert offer.evaluate("b => b.style.top") != ""
    offer.click()
    thread = page.locator(".thread")
    expect(thread.get_by_label("Quote")).to_have_value("the scene")
    thread.get_by_label("Your comment").fill("A quoted passage.")
    thread.get_by_role("button", name="Post comment").click()
    expect(thread.get_by_text("A quoted passage.")).to_be_visible()
    highlighted = page.evaluate("[...CSS.highlights.get('wethink-quote')].map(r => r.toString())")
    assert highlighted == ["the scene"]
    assert Comment.objects.filter(quote_exact="the scene").count() == 1
    assert problems == [], "\n".join(problems)


def test_an_editor_folds_under_the_policy(watched, site):
    page, problems = watched
    base, _ = site
    log_in(page, base, "author", "/feedback/")
    item = page.locator("[id^=item-]").first
    item.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("No open feedback matches.")).to_be_visible()

    page.goto(f"{base}/b/policy/")
    bar = page.locator(".toc-bar .seg--accepted")
    # The width comes from a class: the whole bar is the one accepted comment.
    assert bar.evaluate("s => s.getBoundingClientRect().width") == pytest.approx(
        page.locator(".toc-bar").evaluate("b => b.getBoundingClientRect().width"), abs=1
    )
    page.goto(f"{base}/b/policy/first-steps/contested/")
    expect(page.locator(".contested__bar .seg--accepted")).to_have_count(1)
    assert (
        page.locator(".contested__bar .seg--accepted").evaluate(
            "s => s.getBoundingClientRect().width"
        )
        > 10
    )
    shoot(page, "contested")

    page.goto(f"{base}/b/policy/first-steps/fold/")
    text = page.get_by_label("Chapter text")
    text.fill(text.input_value().replace("sets the scene", "opens under a policy"))
    # The preview is the change: the words put in are marked inserted.
    expect(page.locator("#fold-preview ins").first).to_contain_text("opens")
    page.get_by_label("Revision message").fill("Checked under the policy")
    shoot(page, "fold")
    page.get_by_role("button", name="Save revision").click()
    expect(page.get_by_text("Saved revision 2.")).to_be_visible()
    assert problems == [], "\n".join(problems)


def test_the_admin_works_under_the_policy(watched, site):
    page, problems = watched
    base, chapter = site
    log_in(page, base, "boss", "/admin/")
    expect(page.get_by_role("heading", name=re.compile("administration", re.I))).to_be_visible()
    page.goto(f"{base}/admin/chapters/book/")
    page.get_by_role("checkbox", name=re.compile("Select all", re.I)).check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1")
    page.goto(f"{base}/admin/chapters/chapter/{chapter.pk}/change/")
    expect(page.locator("#content-main form")).to_be_visible()
    page.goto(f"{base}/admin/comments/comment/")
    expect(page.locator("#result_list")).to_be_visible()
    # The admin's stylesheets apply.
    assert page.locator("#header").evaluate("h => getComputedStyle(h).display") == "flex"
    assert problems == [], "\n".join(problems)
