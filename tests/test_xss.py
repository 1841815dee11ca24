"""No script-capable HTML comes out of the pipeline, whatever goes in.

The project's own cases (`tests/xss_cases.py`, one group per attack class) go
through the chapter pipeline, the comment pipeline and the sanitiser itself,
with both backends, held to the checks of `tests/xss_checks.py`: nothing a
parser reads as script-capable, and sanitising the output again changes
nothing. The shared corpus gets the same checks in `tests/test_xss_corpus.py`
when ../shared is there; these tests need nothing outside the repository.
"""

import markdown
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.xss_cases import GROUPS, HTML_CLASSES, MARKDOWN, all_cases
from tests.xss_checks import (
    BACKENDS,
    PROFILES,
    assert_safe_and_stable,
    check_as_chapter,
    check_as_comment,
    check_through_sanitiser,
    script_capable,
)
from wethink import sanitize
from wethink.sanitize import sanitize_html

CASES = [pytest.param(payload, id=case_id) for case_id, payload in all_cases()]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, settings) -> str:
    settings.WETHINK_SANITIZER = request.param
    return request.param


def test_every_attack_class_has_cases() -> None:
    assert {name: len(cases) >= 5 for name, cases in GROUPS.items()} == dict.fromkeys(GROUPS, True)
    assert len({payload for _, payload in all_cases()}) == len(all_cases())


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(payload, id=f"{group}/{name}")
        for group in HTML_CLASSES
        for name, payload in GROUPS[group]
    ],
)
def test_the_checks_see_each_html_case_before_sanitising(payload: str) -> None:
    # Otherwise a case could pass for being harmless rather than for being cleaned.
    assert script_capable(payload)


@pytest.mark.parametrize("payload", [pytest.param(payload, id=name) for name, payload in MARKDOWN])
def test_plain_markdown_would_let_each_markdown_case_through(payload: str) -> None:
    assert script_capable(markdown.markdown(payload))


@pytest.mark.parametrize("payload", CASES)
def test_case_as_chapter(payload: str, backend: str) -> None:
    check_as_chapter(payload, backend=backend)


@pytest.mark.parametrize("payload", CASES)
def test_case_as_comment(payload: str, backend: str) -> None:
    check_as_comment(payload, backend=backend)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("payload", CASES)
def test_case_through_sanitiser(payload: str, backend: str, profile: str) -> None:
    check_through_sanitiser(payload, backend=backend, profile=profile)


@pytest.mark.parametrize(
    ("payload", "comment", "chapter"),
    [
        (
            "[x](javascript:alert(1))",
            '<p><a rel="nofollow noopener">x</a></p>',
            '<p><a rel="nofollow noopener">x</a></p>',
        ),
        (
            "[x][1]\n\n[1]: javascript:alert(1)",
            '<p><a rel="nofollow noopener">x</a></p>',
            '<p><a rel="nofollow noopener">x</a></p>',
        ),
        # Comments have no images: the Markdown stays as text.
        ("![x](javascript:alert(1))", "<p>![x](javascript:alert(1))</p>", '<p><img alt="x"></p>'),
        (
            "a <img src=x onerror=alert(1)> b",
            "<p>a &lt;img src=x onerror=alert(1)&gt; b</p>",
            "<p>a &lt;img src=x onerror=alert(1)&gt; b</p>",
        ),
        (
            "<javascript:alert(1)>",
            "<p>&lt;javascript:alert(1)&gt;</p>",
            "<p>&lt;javascript:alert(1)&gt;</p>",
        ),
        (
            "[x](https://example.org/)",
            '<p><a href="https://example.org/" rel="nofollow noopener">x</a></p>',
            '<p><a href="https://example.org/" rel="nofollow noopener">x</a></p>',
        ),
        (
            "<https://example.org/>",
            '<p><a href="https://example.org/" rel="nofollow noopener">https://example.org/</a></p>',
            '<p><a href="https://example.org/" rel="nofollow noopener">https://example.org/</a></p>',
        ),
        (
            "![a](https://example.org/a.png)",
            "<p>![a](https://example.org/a.png)</p>",
            '<p><img alt="a" src="https://example.org/a.png"></p>',
        ),
        (
            "```html\n<script>alert(1)</script>\n```",
            '<pre><code class="language-html">&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>',
            '<pre><code class="language-html">&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>',
        ),
    ],
)
def test_markdown_keeps_the_text_and_safe_links(
    payload: str, comment: str, chapter: str, backend: str
) -> None:
    # The vector goes, the reader's words and ordinary links stay.
    assert check_as_comment(payload, backend=backend) == comment
    assert check_as_chapter(payload, backend=backend) == chapter


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
