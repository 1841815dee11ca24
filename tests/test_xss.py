"""No script-capable HTML comes out of the pipeline, whatever goes in.

Every payload of the shared XSS corpus (DOMPurify's tests, html5lib's sanitiser
tests, the RSnake cheat sheet) goes through the whole chapter pipeline, the
comment pipeline and the sanitiser itself, with both backends. The output is
inspected as a parser sees it (real tags and decoded attribute values), and
sanitising it again must change nothing.
"""

import html
import json
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from wethink import sanitize
from wethink.rendering import render_chapter, render_comment
from wethink.sanitize import sanitize_html

PAYLOADS_PATH = (
    Path(__file__).resolve().parents[2] / "shared" / "testdata" / "xss" / "payloads.json"
)
PAYLOADS: list[dict[str, str]] = json.loads(PAYLOADS_PATH.read_text(encoding="utf-8"))
PAYLOAD_PARAMS = [pytest.param(item["payload"], id=item["id"]) for item in PAYLOADS]

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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, settings) -> str:
    settings.WETHINK_SANITIZER = request.param
    return request.param


def test_corpus_is_there() -> None:
    assert len(PAYLOADS) > 300


@pytest.mark.parametrize("payload", PAYLOAD_PARAMS)
def test_payload_as_chapter(payload: str, backend: str) -> None:
    blocks = render_chapter(payload)

    for block in blocks:
        assert_safe_and_stable(block.html, backend=backend, profile="chapter")
    assert_safe_and_stable(
        "\n".join(block.html for block in blocks), backend=backend, profile="chapter"
    )


@pytest.mark.parametrize("payload", PAYLOAD_PARAMS)
def test_payload_as_comment(payload: str, backend: str) -> None:
    assert_safe_and_stable(render_comment(payload), backend=backend, profile="comment")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("payload", PAYLOAD_PARAMS)
def test_payload_through_sanitiser(payload: str, backend: str, profile: str) -> None:
    output = sanitize_html(payload, backend=backend, profile=profile)

    assert_safe_and_stable(output, backend=backend, profile=profile)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ('<a href="javascript:123">x</a>', '<a rel="nofollow noopener">x</a>'),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', '<a rel="nofollow noopener">x</a>'),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', '<a rel="nofollow noopener">x</a>'),
        ('<a href="  javascript:alert(1)">x</a>', '<a rel="nofollow noopener">x</a>'),
        ('<a href="&#x01;javascript:alert(1)">x</a>', '<a rel="nofollow noopener">x</a>'),
        ('<a href="&amp;#106;avascript:alert(1)">x</a>', '<a rel="nofollow noopener">x</a>'),
        ('<a href="vbscript:msgbox(1)">x</a>', '<a rel="nofollow noopener">x</a>'),
        (
            '<a href="data:text/html,<script>alert(1)</script>">x</a>',
            '<a rel="nofollow noopener">x</a>',
        ),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<a rel="nofollow noopener">x</a>'),
        ("<img src=x onerror=alert(1)>", '<img src="x">'),
        ('<img src="javascript:alert(1)" alt="a">', '<img alt="a">'),
        ('<p style="background:url(javascript:alert(1))">x</p>', "<p>x</p>"),
        ('<p style="width: expression(alert(1))">x</p>', "<p>x</p>"),
        (
            '<a href="https://example.org/" rel="opener" target="_blank">x</a>',
            '<a href="https://example.org/" rel="nofollow noopener">x</a>',
        ),
        ("<p>a<!--[if IE]><script>alert(1)</script><![endif]-->b</p>", "<p>ab</p>"),
        ('<code class="language-py x">c</code>', '<code class="language-py">c</code>'),
        ('<ol start="javascript:1"><li>x</li></ol>', "<ol><li>x</li></ol>"),
    ],
)
def test_known_nasty_cases(payload: str, expected: str, backend: str) -> None:
    output = sanitize_html(payload, backend=backend)

    assert output == expected
    assert_safe_and_stable(output, backend=backend, profile="chapter")


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<svg onload=alert(1)>",
        "<iframe src=javascript:alert(1)></iframe>",
        "<form action=javascript:alert(1)><button>go</button></form>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<object data="data:text/html,<script>alert(1)</script>"></object>',
        '<base href="javascript:alert(1)//">',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        "<embed src=javascript:alert(1)>",
        "<style>*{-moz-binding:url(x)}</style>",
    ],
)
def test_script_capable_tags_are_removed(payload: str, backend: str) -> None:
    for profile in PROFILES:
        output = sanitize_html(payload, backend=backend, profile=profile)
        assert_safe_and_stable(output, backend=backend, profile=profile)


def test_no_fixpoint_keeps_only_the_text(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sanitize, "MAX_PASSES", 0)

    output = sanitize_html(
        '<p>a <a href="/x">b</a> &amp; <script>c()</script></p>', backend=backend
    )

    assert "<" not in output.replace("&lt;", "")
    assert output.startswith("a b &amp; ")
    monkeypatch.undo()
    assert sanitize_html(output, backend=backend) == output


FRAGMENTS = [
    "<a href='javascript:alert(1)'>",
    '<a href="https://example.org">',
    "</a>",
    "<img src=x onerror=alert(1)>",
    "<svg>",
    "</svg>",
    "<math>",
    "<mtext>",
    "<mglyph>",
    "<style>",
    "</style>",
    "<table>",
    "<td>",
    "<h1>",
    "<h6>",
    "</h1>",
    "<p>",
    "</p>",
    "<!--",
    "-->",
    "<noscript>",
    "<textarea>",
    "<title>",
    "<template>",
    "<select>",
    "<option>",
    "&#x0D;",
    "&amp;",
    "&lt;",
    '"',
    "'",
    "`",
    "<",
    ">",
    "text",
    " ",
    "\n",
    "<code class='language-x'>",
    "<ol start=3>",
    "<li>",
]


@hypothesis_settings(max_examples=150, deadline=None)
@given(pieces=st.lists(st.sampled_from(FRAGMENTS), max_size=16))
def test_random_markup_is_safe_and_stable(pieces: list[str]) -> None:
    markup = "".join(pieces)
    for backend in BACKENDS:
        for profile in PROFILES:
            output = sanitize_html(markup, backend=backend, profile=profile)
            assert_safe_and_stable(output, backend=backend, profile=profile)
