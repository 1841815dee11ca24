"""The Markdown pipeline: a chapter's commentable blocks, and reader comments.

Every test runs once per sanitiser backend (nh3 and bleach): both must give the
same blocks, kinds and texts.
"""

import re
from html.parser import HTMLParser

import pytest

from wethink.rendering import BLOCK_KINDS, RenderedBlock, render_chapter, render_comment
from wethink.sanitize import sanitize_html


@pytest.fixture(params=["nh3", "bleach"], autouse=True)
def backend(request: pytest.FixtureRequest, settings) -> str:
    settings.WETHINK_SANITIZER = request.param
    return request.param


class _Elements(HTMLParser):
    """Start tags with their attributes, and the nesting depth of each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, dict[str, str | None]]] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((self.depth, tag, dict(attrs)))
        if tag not in {"br", "hr", "img"}:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((self.depth, tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1


def elements(html: str) -> list[tuple[int, str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def top_level_tags(html: str) -> list[str]:
    return [tag for depth, tag, _ in elements(html) if depth == 0]


def attributes_of(html: str, tag: str) -> list[dict[str, str | None]]:
    return [attrs for _, name, attrs in elements(html) if name == tag]


def kinds(blocks: list[RenderedBlock]) -> list[str]:
    return [block.kind for block in blocks]


def texts(blocks: list[RenderedBlock]) -> list[str]:
    return [block.text for block in blocks]


# --- blocks -----------------------------------------------------------------


def test_blank_chapter_has_no_blocks() -> None:
    assert render_chapter("") == []
    assert render_chapter(" \n\n\t\n") == []


def test_top_level_blocks_in_reading_order() -> None:
    blocks = render_chapter(
        "# Title\n\nFirst paragraph.\n\n## Section\n\nSecond\nparagraph, two lines.\n"
    )

    assert kinds(blocks) == ["heading", "paragraph", "heading", "paragraph"]
    assert texts(blocks) == ["Title", "First paragraph.", "Section", "Second paragraph, two lines."]
    assert top_level_tags(blocks[0].html) == ["h1"]
    assert top_level_tags(blocks[1].html) == ["p"]
    assert top_level_tags(blocks[2].html) == ["h2"]
    assert all(block.kind in BLOCK_KINDS for block in blocks)


def test_each_item_of_a_list_is_a_self_contained_block() -> None:
    blocks = render_chapter("Before.\n\n- one\n- *two*\n- three\n\nAfter.\n")

    assert kinds(blocks) == ["paragraph", "item", "item", "item", "paragraph"]
    assert texts(blocks) == ["Before.", "one", "two", "three", "After."]
    for block in blocks[1:4]:
        assert top_level_tags(block.html) == ["ul"]
        assert [tag for depth, tag, _ in elements(block.html) if depth == 1] == ["li"]
    assert "<em>two</em>" in blocks[2].html


def test_ordered_list_items_carry_their_numbers_from_the_list_start() -> None:
    blocks = render_chapter("4. four\n5. five\n6. six\n")

    assert kinds(blocks) == ["item", "item", "item"]
    assert [attributes_of(block.html, "ol") for block in blocks] == [
        [{"start": "4"}],
        [{"start": "5"}],
        [{"start": "6"}],
    ]
    assert texts(blocks) == ["four", "five", "six"]


def test_ordered_list_from_one_numbers_every_item() -> None:
    blocks = render_chapter("1. one\n1. two\n")

    assert [attributes_of(block.html, "ol")[0]["start"] for block in blocks] == ["1", "2"]


def test_nested_list_stays_inside_its_item() -> None:
    blocks = render_chapter("- outer one\n    - inner a\n    - inner b\n- outer two\n")

    assert kinds(blocks) == ["item", "item"]
    assert texts(blocks) == ["outer one inner a inner b", "outer two"]
    nested = [(depth, tag) for depth, tag, _ in elements(blocks[0].html)]
    assert nested == [(0, "ul"), (1, "li"), (2, "ul"), (3, "li"), (3, "li")]


def test_list_inside_a_block_quote_is_not_split() -> None:
    blocks = render_chapter("> Quoted.\n>\n> - a\n> - b\n")

    assert kinds(blocks) == ["quote"]
    assert top_level_tags(blocks[0].html) == ["blockquote"]
    assert blocks[0].text == "Quoted. a b"


def test_fenced_code_keeps_its_language_class() -> None:
    blocks = render_chapter('Intro.\n\n```python\nprint("<b>hi</b>")\n```\n')

    assert kinds(blocks) == ["paragraph", "code"]
    assert top_level_tags(blocks[1].html) == ["pre"]
    assert attributes_of(blocks[1].html, "code") == [{"class": "language-python"}]
    assert blocks[1].text == 'print("<b>hi</b>")'
    assert "<b>" not in blocks[1].html


def test_fenced_code_attributes_are_limited_to_the_language() -> None:
    blocks = render_chapter("``` { .python #evil .other }\nx = 1\n```\n")

    assert kinds(blocks) == ["code"]
    assert attributes_of(blocks[0].html, "pre") == [{}]
    assert attributes_of(blocks[0].html, "code") == [{"class": "language-python"}]


def test_indented_code_is_a_code_block() -> None:
    blocks = render_chapter("Intro.\n\n    x = 1\n    y = 2\n")

    assert kinds(blocks) == ["paragraph", "code"]
    assert blocks[1].text == "x = 1 y = 2"


def test_paragraph_of_dashes_is_not_taken_for_code() -> None:
    # smarty stashes the dash like fenced_code stashes its block.
    blocks = render_chapter("--\n")

    assert kinds(blocks) == ["paragraph"]
    assert blocks[0].text == "\u2013"


def test_table_is_one_block_with_align_attributes() -> None:
    blocks = render_chapter("| left | right |\n|:-----|------:|\n| a | b |\n")

    assert kinds(blocks) == ["table"]
    assert top_level_tags(blocks[0].html) == ["table"]
    assert attributes_of(blocks[0].html, "th") == [
        {"align": "left"},
        {"align": "right"},
    ]
    assert "style" not in blocks[0].html
    assert blocks[0].text == "left right a b"


def test_footnotes_are_the_last_block() -> None:
    blocks = render_chapter(
        "Claim.[^src]\n\n[^src]: The source.\n\nMore text after the definition.\n"
    )

    assert kinds(blocks) == ["paragraph", "paragraph", "footnotes"]
    assert attributes_of(blocks[0].html, "sup") == [{"id": "fnref:src"}]
    assert attributes_of(blocks[0].html, "a")[0]["href"] == "#fn:src"
    assert attributes_of(blocks[0].html, "a")[0]["class"] == "footnote-ref"
    assert attributes_of(blocks[2].html, "div") == [{"class": "footnote"}]
    assert attributes_of(blocks[2].html, "li") == [{"id": "fn:src"}]
    assert blocks[2].text.startswith("The source.")


def test_footnotes_place_marker_does_not_swallow_a_paragraph() -> None:
    blocks = render_chapter("Claim.[^1]\n\n///Footnotes Go Here///\n\n[^1]: Note.\n")

    assert kinds(blocks) == ["paragraph", "paragraph", "footnotes"]
    assert blocks[1].text == "///Footnotes Go Here///"


def test_footnote_numbering_restarts_with_each_chapter() -> None:
    text = "A.[^x]\n\n[^x]: Note.\n"

    assert render_chapter(text) == render_chapter(text)


def test_rule_starts_the_next_block() -> None:
    blocks = render_chapter("One.\n\n---\n\nTwo.\n")

    assert kinds(blocks) == ["paragraph", "paragraph"]
    assert top_level_tags(blocks[1].html) == ["hr", "p"]
    assert blocks[1].text == "Two."


def test_rule_before_a_list_starts_its_first_item() -> None:
    blocks = render_chapter("One.\n\n***\n\n- a\n- b\n")

    assert top_level_tags(blocks[1].html) == ["hr", "ul"]
    assert top_level_tags(blocks[2].html) == ["ul"]


def test_final_rule_ends_the_last_block() -> None:
    blocks = render_chapter("One.\n\n---\n")

    assert kinds(blocks) == ["paragraph"]
    assert top_level_tags(blocks[0].html) == ["p", "hr"]


def test_chapter_of_rules_only_is_one_rule_block() -> None:
    blocks = render_chapter("---\n\n***\n")

    assert kinds(blocks) == ["rule"]
    assert top_level_tags(blocks[0].html) == ["hr", "hr"]
    assert blocks[0].text == ""


def test_toc_marker_is_text() -> None:
    blocks = render_chapter("[TOC]\n\n# Heading\n")

    assert kinds(blocks) == ["paragraph", "heading"]
    assert blocks[0].text == "[TOC]"


def test_block_html_is_already_sanitised(backend: str) -> None:
    blocks = render_chapter(
        "# T\n\nA *b* [c](https://e.org).[^1]\n\n- x\n\n"
        "| a |\n|---|\n| 1 |\n\n```js\nx\n```\n\n---\n\n[^1]: N.\n"
    )

    for block in blocks:
        assert sanitize_html(block.html, backend=backend) == block.html


def test_texts_are_whitespace_normalised() -> None:
    blocks = render_chapter("Some   spaced\ttext\nacross  lines.\n")

    assert blocks[0].text == "Some spaced text across lines."


# --- headings ---------------------------------------------------------------


def test_headings_get_slug_ids() -> None:
    blocks = render_chapter("# The First Chapter!\n\n## Ça va?\n\n### The First Chapter!\n")

    ids = [
        attributes_of(block.html, tag)[0].get("id")
        for block, tag in zip(blocks, ["h1", "h2", "h3"], strict=True)
    ]
    assert ids == ["the-first-chapter", "ca-va", "the-first-chapter_1"]
    assert "¶" not in "".join(block.html for block in blocks)


def test_heading_ids_stay_out_of_the_permalink_namespace() -> None:
    blocks = render_chapter("## P 4\n")

    assert attributes_of(blocks[0].html, "h2") == [{"id": "section-p-4"}]


# --- inline -----------------------------------------------------------------


def test_smart_quotes_and_dashes() -> None:
    blocks = render_chapter("\"Hello,\" she said -- it's 'fine' --- really...\n")

    assert (
        blocks[0].text
        == "\u201cHello,\u201d she said \u2013 it\u2019s \u2018fine\u2019 \u2014 really\u2026"
    )


def test_raw_html_is_shown_as_text() -> None:
    blocks = render_chapter(
        "<script>alert(1)</script>\n\n<div onclick=x()>block</div>\n\nInline <b>bold</b>.\n"
    )

    assert kinds(blocks) == ["paragraph", "paragraph", "paragraph"]
    assert texts(blocks) == [
        "<script>alert(1)</script>",
        "<div onclick=x()>block</div>",
        "Inline <b>bold</b>.",
    ]
    for block in blocks:
        assert top_level_tags(block.html) == ["p"]
        assert len(elements(block.html)) == 1


def test_entities_and_autolinks_still_work() -> None:
    blocks = render_chapter("&copy; AT&T &amp; <https://example.org/> <me@example.org>\n")

    assert blocks[0].text == "\u00a9 AT&T & https://example.org/ me@example.org"
    hrefs = [attrs["href"] for attrs in attributes_of(blocks[0].html, "a")]
    assert hrefs[0] == "https://example.org/"
    assert re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), hrefs[1]) == "mailto:me@example.org"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a?b=1&c=2",
        "http://example.org",
        "mailto:a@example.org",
        "/b/x/",
        "#fn",
        "../up",
        "page.html",
    ],
)
def test_safe_link_survives(url: str) -> None:
    blocks = render_chapter(f"[link]({url})\n")

    assert attributes_of(blocks[0].html, "a") == [{"href": url, "rel": "nofollow noopener"}]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "javascript:123",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "ftp://example.org/file",
        "&#106;avascript:alert(1)",
    ],
)
def test_other_link_schemes_are_dropped(url: str) -> None:
    blocks = render_chapter(f"[link]({url}) ![img]({url})\n")

    assert attributes_of(blocks[0].html, "a") == [{"rel": "nofollow noopener"}]
    assert attributes_of(blocks[0].html, "img") == [{"alt": "img"}]
    assert blocks[0].text == "link"


def test_image_keeps_source_alt_and_title() -> None:
    blocks = render_chapter('![A cat](https://example.org/cat.png "Cat")\n')

    assert attributes_of(blocks[0].html, "img") == [
        {"alt": "A cat", "src": "https://example.org/cat.png", "title": "Cat"}
    ]


# --- comments ---------------------------------------------------------------


def test_comment_keeps_emphasis_links_code_lists_and_quotes() -> None:
    html = render_comment(
        "*em* **strong** `code` [site](https://example.org)\n\n"
        "> quoted\n\n- a\n- b\n\n3. c\n\n```py\nx = 1\n```\n"
    )

    tags = [tag for _, tag, _ in elements(html)]
    for tag in ["em", "strong", "code", "a", "blockquote", "ul", "ol", "li", "pre"]:
        assert tag in tags
    assert attributes_of(html, "a") == [{"href": "https://example.org", "rel": "nofollow noopener"}]
    assert attributes_of(html, "ol") == [{"start": "3"}]
    assert {"class": "language-py"} in attributes_of(html, "code")


def test_comment_line_break_is_kept() -> None:
    html = render_comment("first line\nsecond line\n")

    assert [tag for _, tag, _ in elements(html)] == ["p", "br"]


def test_comment_has_no_headings_tables_images_or_rules() -> None:
    html = render_comment(
        "# Big\n\nSetext\n======\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "![pic](https://example.org/p.png)\n\n---\n"
    )

    tags = {tag for _, tag, _ in elements(html)}
    assert tags <= {"p", "br"}
    assert "# Big" in html
    assert "![pic](https://example.org/p.png)" in html


def test_comment_raw_html_is_escaped() -> None:
    html = render_comment('<img src=x onerror=alert(1)> <a href="javascript:x">y</a>\n')

    assert [tag for _, tag, _ in elements(html)] == ["p"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_comment_link_schemes_are_limited() -> None:
    html = render_comment("[a](javascript:alert(1)) [b](/local) [c](mailto:x@example.org)\n")

    assert attributes_of(html, "a") == [
        {"rel": "nofollow noopener"},
        {"href": "/local", "rel": "nofollow noopener"},
        {"href": "mailto:x@example.org", "rel": "nofollow noopener"},
    ]


def test_blank_comment_renders_empty() -> None:
    assert render_comment("  \n") == ""


def test_comment_profile_drops_chapter_only_markup(backend: str) -> None:
    html = sanitize_html(
        '<h2 id="x">T</h2><table><tr><td>1</td></tr></table><img src="/a.png">'
        '<div class="footnote">f</div><sup id="fnref:1">1</sup>',
        backend=backend,
        profile="comment",
    )

    assert elements(html) == []


# --- sanitiser settings -----------------------------------------------------


def test_sanitiser_follows_the_setting(settings) -> None:
    settings.WETHINK_SANITIZER = "bleach"
    # bleach keeps character references as written; nh3 writes the characters.
    assert sanitize_html("<p>&ldquo;x&rdquo;</p>") == "<p>&ldquo;x&rdquo;</p>"
    settings.WETHINK_SANITIZER = "nh3"
    assert sanitize_html("<p>&ldquo;x&rdquo;</p>") == "<p>\u201cx\u201d</p>"


def test_unknown_backend_or_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="backend"):
        sanitize_html("<p>x</p>", backend="lxml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="profile"):
        sanitize_html("<p>x</p>", profile="admin")  # type: ignore[arg-type]


# --- speed ------------------------------------------------------------------


def chapter_of_300_blocks() -> str:
    parts = []
    for section in range(30):
        parts.append(f'## Section {section}: "quoted" -- dashed')
        parts.extend(
            f"Paragraph {section}.{n} with *emphasis*, `code`, a [link](https://example.org/{n})"
            f" and a note.[^n{section}_{n}] " + "Lorem ipsum dolor sit amet, consectetur. " * 4
            for n in range(4)
        )
        parts.append("- item one\n- item two\n- item three")
        parts.append("> A quotation worth commenting on.")
        parts.append("```python\nfor x in range(3):\n    print(x)\n```")
        parts.append("---")
    parts.extend(f"[^n{s}_{n}]: Note {s}.{n}." for s in range(30) for n in range(4))
    return "\n\n".join(parts)


def test_a_300_block_chapter_with_footnotes_splits_into_its_blocks() -> None:
    # Its rendering time is measured by `make bench`, not asserted here.
    blocks = render_chapter(chapter_of_300_blocks())

    assert len(blocks) == 301
    assert blocks[-1].kind == "footnotes"
