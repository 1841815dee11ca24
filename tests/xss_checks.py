"""What counts as script-capable HTML, and the checks every XSS test applies.

The shared corpus (`tests/test_xss_corpus.py`) and the project's own cases
(`tests/test_xss.py`, `tests/xss_cases.py`) go through the same functions here,
so both hold the pipeline to the same standard. Output is inspected as a parser
sees it (real tags and decoded attribute values), and sanitising it again must
change nothing.
"""

import html
import unicodedata
from html.parser import HTMLParser

from wethink.rendering import render_chapter, render_comment
from wethink.sanitize import sanitize_html

BACKENDS = ["nh3", "bleach"]
PROFILES = ["chapter", "comment"]

SCRIPT_CAPABLE_TAGS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "style",
        "link",
        "base",
        "meta",
        "form",
        "svg",
        "math",
        "template",
    }
)
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "srcset",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "background",
        "poster",
        "lowsrc",
        "dynsrc",
        "codebase",
    }
)
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")


def url_as_a_browser_might_read_it(value: str) -> str:
    """Decoded fully, without whitespace, control or invisible characters, lowercased."""
    decoded = value
    while (again := html.unescape(decoded)) != decoded:
        decoded = again
    return "".join(
        char
        for char in decoded
        if not char.isspace() and not unicodedata.category(char).startswith("C")
    ).lower()


class _Inspector(HTMLParser):
    """Collects what in an HTML fragment could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SCRIPT_CAPABLE_TAGS:
            self.problems.append(f"<{tag}> tag")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if value is None:
                continue
            lowered = value.lower()
            if "expression(" in lowered or "-moz-binding" in lowered:
                self.problems.append(f"CSS script in {name}= on <{tag}>")
            if name in URL_ATTRIBUTES or name.endswith(("href", "src")):
                url = url_as_a_browser_might_read_it(value)
                if url.startswith(SCRIPT_SCHEMES):
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_comment(self, data: str) -> None:
        # Conditional comments run script in old browsers.
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def script_capable(output: str) -> list[str]:
    """What in `output` could run script; empty when nothing can."""
    inspector = _Inspector()
    inspector.feed(output)
    inspector.close()
    problems = inspector.problems
    lowered = output.lower()
    # The parser above already reports such tags; this guards against a tag that
    # a lenient parser might not take for one.
    problems.extend(f"raw <{tag}" for tag in SCRIPT_CAPABLE_TAGS if f"<{tag}" in lowered)
    return problems


def assert_safe_and_stable(output: str, *, backend: str, profile: str) -> None:
    assert script_capable(output) == []
    assert sanitize_html(output, backend=backend, profile=profile) == output


def check_as_chapter(payload: str, *, backend: str) -> str:
    """Render `payload` as chapter Markdown and check every block and the page.

    The sanitiser backend comes from `settings.WETHINK_SANITIZER`, which the
    caller sets to `backend`. Returns the blocks' html joined, for further checks.
    """
    blocks = render_chapter(payload)
    for block in blocks:
        assert_safe_and_stable(block.html, backend=backend, profile="chapter")
    page = "\n".join(block.html for block in blocks)
    assert_safe_and_stable(page, backend=backend, profile="chapter")
    return page


def check_as_comment(payload: str, *, backend: str) -> str:
    """Render `payload` as comment Markdown (backend from settings, as above) and check it."""
    output = render_comment(payload)
    assert_safe_and_stable(output, backend=backend, profile="comment")
    return output


def check_through_sanitiser(payload: str, *, backend: str, profile: str) -> str:
    """Sanitise `payload` as HTML directly and check the result."""
    output = sanitize_html(payload, backend=backend, profile=profile)
    assert_safe_and_stable(output, backend=backend, profile=profile)
    return output
