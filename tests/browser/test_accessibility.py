"""axe-core (WCAG 2.2 AA) on every kind of page, on a phone and a wide screen, as a
reader and as an editor, with the demo book's comments in every state.

One browser for the session and one test per viewport and role: each test opens
every page in turn in one tab and reports every violation found, page by page."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import NoReverseMatch, reverse

from chapters.models import Book
from comments.models import Comment
from tests.browser.conftest import SCREENSHOTS, WCAG_AA, log_in_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}


def _url(name: str, **kwargs) -> str | None:
    """A page's address, or None for a page this version of the site does not have."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def pages(book: Book, role: str) -> dict[str, str]:
    """The pages to check, by name, as `role` sees them."""
    chapter = book.chapters.get(slug="reading-with-a-pencil")
    where = {"book": book.slug, "chapter": chapter.slug}
    discussed = Comment.objects.filter(chapter=chapter, parent=None, depth=0).exclude(suggestion="")
    thread = (
        discussed.filter(replies__isnull=False).first()
        or Comment.objects.filter(chapter=chapter).first()
    )
    found = {
        "book list": _url("chapters:book_list"),
        "contents": _url("chapters:book_detail", book=book.slug),
        "chapter": _url("chapters:chapter_detail", **where),
        "old revision": _url("chapters:chapter_revision", number=1, **where),
        "thread": _url("comments:thread", pid=thread.pid, **where),
        "history": _url("chapters:chapter_history", **where),
        "diff": _url("chapters:chapter_diff", a=chapter.revision - 1, b=chapter.revision, **where),
        "search": (_url("chapters:book_search", book=book.slug) or "") + "?q=pencil",
        "profile": _url("accounts:profile", username="ana"),
        "my profile": _url("accounts:my_profile"),
        "acknowledgements": _url("comments:acknowledgements", book=book.slug),
        "removed comments": _url("comments:removed_comments", **where),
        "annotation protocol": _url("comments:api_protocol"),
        "recent changes": _url("comments:recent_changes", book=book.slug),
        "inbox": _url("notices:inbox"),
        "not found": "/b/no-such-book/",
        "bad request": (_url("chapters:chapter_history", **where) or "") + "?page=x",
    }
    if role == "editor":
        found |= {
            "feedback queue": _url("comments:feedback"),
            "feedback queue, accepted": (_url("comments:feedback") or "") + "?state=accepted",
            "bad request, queue": (_url("comments:feedback") or "") + "?state=bogus",
            "fold": _url("comments:fold", **where),
            "moderation": _url("comments:moderation", book=book.slug),
            "contested": _url("comments:contested", **where),
        }
    else:
        mine = Comment.objects.filter(chapter=chapter, parent=None).first()
        found |= {
            "flag": _url("comments:flag", pk=mine.pk),
        }
    return {name: url for name, url in found.items() if url}


# The pages that answer with an error on purpose; every other one must be a 200.
STATUSES = {"not found": 404, "bad request": 400, "bad request, queue": 400}


def violations(page, url: str, *, status: int = 200) -> list[str]:
    response = page.goto(url)
    if response.status != status:
        return [f"answered {response.status}, not {status}"]
    result = Axe().run(page, options=WCAG_AA)
    found = []
    for violation in result.response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
@pytest.mark.parametrize("role", ["reader", "editor"])
def test_every_page_meets_wcag_aa(browser, live_server, demo, role, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    base = live_server.url
    report = {}
    try:
        # What a visitor meets before signing in.
        visitor = {
            "sign-up": "/accounts/signup/",
            "login": "/accounts/login/",
            "password reset": "/accounts/password_reset/",
        }
        for name, path in visitor.items():
            report[name] = violations(page, base + path)
        log_in_demo(page, base, role)
        for name, path in pages(demo, role).items():
            report[name] = violations(page, base + path, status=STATUSES.get(name, 200))
        # A thread opened on the chapter page, as a script-enabled reader opens it.
        page.goto(base + demo.chapters.get(slug="reading-with-a-pencil").get_absolute_url())
        page.locator("[data-pid] > a[data-n]").nth(1).click()
        page.locator(".thread").first.wait_for()
        report["chapter with a thread open"] = [
            *Axe().run(page, options=WCAG_AA).response["violations"]
        ]
        report["chapter with a thread open"] = [
            f"{v['id']}: {v['help']}" for v in report["chapter with a thread open"]
        ]
        SCREENSHOTS.mkdir(exist_ok=True)
        size = "phone" if viewport == PHONE else "wide"
        page.screenshot(path=str(SCREENSHOTS / f"demo-thread-{role}-{size}.png"), full_page=False)
    finally:
        context.close()
    failing = {name: found for name, found in report.items() if found}
    assert not failing, "\n".join(
        f"{name}:\n  " + "\n  ".join(found) for name, found in failing.items()
    )
