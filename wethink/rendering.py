"""Markdown to sanitised HTML: a chapter as commentable blocks, and reader comments.

A chapter is rendered once per revision (`render_chapter`), never per page view:
the blocks are stored and the pages read them back. A block is what readers
comment on and what keeps its paragraph id across revisions (`chapters.anchoring`
aligns blocks by their `text`).

Block kinds (`RenderedBlock.kind`, at most 16 characters):

- "paragraph": a top-level paragraph;
- "heading": h1-h6, with a slug `id` from the `toc` extension;
- "quote": a top-level block quote, whatever it contains;
- "code": a code block, indented or fenced (`<code class="language-x">`);
- "table": a table;
- "item": one item of a top-level list, wrapped in its own `<ul>`, or in an
  `<ol start="N">` carrying the item's number, so consecutive items still read
  as one list; nested lists stay inside their item;
- "footnotes": the footnotes (`<div class="footnote">`), always the last block;
- "rule": only for a chapter made of nothing but horizontal rules. Otherwise a
  top-level `<hr>` is not a block: it starts the html of the next block, or
  ends the html of the last one.

Raw HTML in the Markdown source is shown as text, never passed through, and every
block's html goes through `wethink.sanitize.sanitize_html`.
"""

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.nl2br import Nl2BrExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.extensions.toc import slugify as toc_slugify
from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, HTML_PLACEHOLDER_RE, STX

from wethink.sanitize import sanitize_html

# How deeply lists and block quotes may nest. Python-Markdown recurses once per
# level and fails at a few hundred; no prose needs more than a handful.
MAX_NESTING = 32

# The list markers and quote signs at the start of a line, each one a level.
_NESTING_MARKERS = re.compile(r"(?:[ \t]*(?:[-*+]|[0-9]{1,9}[.)]|>)(?=[ \t>]|$))+")
_MARKER = re.compile(r"[-*+>]|[0-9]{1,9}[.)]")

BLOCK_KINDS: tuple[str, ...] = (
    "paragraph",
    "heading",
    "quote",
    "code",
    "table",
    "item",
    "footnotes",
    "rule",
)

_KIND_BY_TAG = {
    "p": "paragraph",
    **{f"h{level}": "heading" for level in range(1, 7)},
    "blockquote": "quote",
    "pre": "code",
    "table": "table",
}

# STX/ETX never reach the tree from the source (Markdown's NormalizeWhitespace
# removes them), so chapter text cannot forge a block boundary.
_BLOCK_BOUNDARY = f"{STX}wethink-block{ETX}"

# An unreachable footnotes marker: with the default one ("///Footnotes Go Here///")
# the footnotes extension puts the footnotes in place of the paragraph holding
# the marker, dropping that paragraph and the "footnotes come last" rule.
_NO_FOOTNOTES_MARKER = f"{STX}wethink-no-footnotes-marker{ETX}"

# Python-Markdown's raw HTML handling: the block preprocessor and the inline
# pattern. Without them `<script>` is ordinary text, escaped on output; entities
# (`&copy;`) and autolinks (`<https://...>`) have patterns of their own.
_RAW_HTML_PREPROCESSOR = "html_block"
_RAW_HTML_INLINE = "html"

_BLOCK_TAGS_FOR_TEXT = frozenset(
    {
        "p",
        "br",
        "hr",
        "li",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "div",
        "table",
        "tr",
        "th",
        "td",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)


@dataclass(frozen=True)
class RenderedBlock:
    """One commentable block of a chapter.

    `kind` is one of BLOCK_KINDS; `html` is sanitised and self-contained (it can
    be placed in a page on its own); `text` is its plain text, whitespace runs
    collapsed to single spaces, as a browser shows it (entities decoded, smart
    quotes included), so a quote selected in the page is found in it.
    """

    kind: str
    html: str
    text: str


def _heading_slug(value: str, separator: str) -> str:
    """The `toc` slug, kept out of the `p-` namespace of paragraph permalinks.

    The page gives each block the id `p-<pid>`: a heading titled "P 4" must not
    take an id that a permalink could point to.
    """
    slug = toc_slugify(value, separator)
    return f"section-{slug}" if slug.startswith("p-") else slug


class _BlockSplitter(Treeprocessor):
    """Regroups the top level of the finished tree into commentable blocks.

    Runs after every other tree processor. Each block's elements are followed by
    `_BLOCK_BOUNDARY` (as the tail of its last element), so the serialised and
    post-processed output can be cut into blocks; the kinds, in order, are left
    in `kinds`.
    """

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.kinds: list[str] = []

    def run(self, root: etree.Element) -> None:
        groups: list[tuple[str, list[etree.Element]]] = []
        rules: list[etree.Element] = []
        for element in list(root):
            if element.tag == "hr":
                rules.append(element)
                continue
            if element.tag in {"ul", "ol"}:
                for item in self._split_list(element):
                    groups.append(("item", [*rules, item]))
                    rules = []
                continue
            groups.append((self._kind(element), [*rules, element]))
            rules = []
        if rules:
            if groups:
                groups[-1][1].extend(rules)
            else:
                groups.append(("rule", rules))

        for element in list(root):
            root.remove(element)
        self.kinds = []
        for kind, elements in groups:
            for element in elements:
                element.tail = "\n"
                root.append(element)
            elements[-1].tail = f"\n{_BLOCK_BOUNDARY}\n"
            self.kinds.append(kind)

    @staticmethod
    def _split_list(element: etree.Element) -> list[etree.Element]:
        """Each item of a list in a list of its own, numbered as in the whole list."""
        start = int(element.get("start", "1")) if element.tag == "ol" else 1
        wrappers = []
        for offset, item in enumerate(element):
            wrapper = etree.Element(element.tag)
            if element.tag == "ol":
                wrapper.set("start", str(start + offset))
            wrapper.text = "\n"
            wrapper.append(item)
            wrappers.append(wrapper)
        return wrappers

    def _kind(self, element: etree.Element) -> str:
        if element.tag == "div" and "footnote" in (element.get("class") or "").split():
            return "footnotes"
        if element.tag == "p" and self._is_stashed_code(element):
            return "code"
        # Every top-level element the loaded extensions produce is in the table;
        # an unexpected one is still commentable, as a paragraph.
        return _KIND_BY_TAG.get(element.tag, "paragraph")

    def _is_stashed_code(self, element: etree.Element) -> bool:
        """Whether the paragraph is the placeholder `fenced_code` leaves for its block."""
        if len(element) or not element.text:
            return False
        match = HTML_PLACEHOLDER_RE.fullmatch(element.text.strip())
        if match is None:
            return False
        stashed = self.md.htmlStash.rawHtmlBlocks[int(match.group(1))]
        return isinstance(stashed, str) and stashed.lstrip().startswith("<pre")


def _without_raw_html(md: markdown.Markdown) -> markdown.Markdown:
    """Stop `md` passing raw HTML through; must run after the extensions load,
    since `smarty` registers its own `html` inline pattern."""
    md.preprocessors.deregister(_RAW_HTML_PREPROCESSOR)
    md.inlinePatterns.deregister(_RAW_HTML_INLINE)
    return md


def _chapter_markdown() -> tuple[markdown.Markdown, _BlockSplitter]:
    md = markdown.Markdown(
        output_format="html",
        extensions=[
            TocExtension(marker="", permalink=False, slugify=_heading_slug),
            TableExtension(use_align_attribute=True),
            FencedCodeExtension(),
            FootnoteExtension(PLACE_MARKER=_NO_FOOTNOTES_MARKER),
            SmartyExtension(),
            SaneListExtension(),
        ],
    )
    _without_raw_html(md)
    splitter = _BlockSplitter(md)
    md.treeprocessors.register(splitter, "wethink_blocks", -100)
    return md, splitter


class _TextExtractor(HTMLParser):
    """The text of an HTML fragment as a browser lays it out, roughly: block
    boundaries become spaces, so table cells and list items do not run together."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS_FOR_TEXT:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS_FOR_TEXT:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_WHITESPACE = re.compile(r"\s+")


def html_text(html: str) -> str:
    """Plain text of an HTML fragment, whitespace-normalised (see _TextExtractor)."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return _WHITESPACE.sub(" ", "".join(extractor.parts)).strip()


def _too_deep() -> ValidationError:
    return ValidationError(
        _("Lists and quotes nest more than %(n)s levels deep; flatten them and try again.")
        % {"n": MAX_NESTING},
        code="too_deep",
    )


def nesting_check(markdown_text: str) -> None:
    """Refuse text whose lists or block quotes nest deeper than MAX_NESTING by the
    markers opening one line (`- - - x`, `> > x`). Nesting by indentation is left
    to `_convert`: deep indentation is ordinary in code blocks."""
    for line in markdown_text.splitlines():
        opening = _NESTING_MARKERS.match(line)
        if opening and len(_MARKER.findall(opening.group())) > MAX_NESTING:
            raise _too_deep()


def _convert(md: markdown.Markdown, markdown_text: str) -> str:
    """`md.convert`, with a recursion past Python's limit (nesting the check did not
    foresee) reported as too deep rather than as a server error."""
    try:
        return md.convert(markdown_text)
    except RecursionError:
        raise _too_deep() from None


def render_chapter(markdown_text: str) -> list[RenderedBlock]:
    """Render a chapter's Markdown into its commentable blocks, in reading order.

    Extensions: `toc` (heading ids, no permalinks, no `[TOC]` marker), `tables`
    (alignment as `align` attributes), `fenced_code`, `footnotes`, `smarty` and
    `sane_lists`. Raw HTML is escaped. Each block's html is sanitised with the
    "chapter" profile of `sanitize_html` (the configured backend). A blank text
    has no blocks. See the module docstring for the kinds.
    """
    if not markdown_text.strip():
        return []
    nesting_check(markdown_text)
    # A fresh instance per call: footnotes, toc ids and the HTML stash are
    # per-document state, and nothing is shared between threads.
    md, splitter = _chapter_markdown()
    output = _convert(md, markdown_text)
    pieces = output.split(_BLOCK_BOUNDARY)
    # The text after the last boundary is whitespace only.
    if len(pieces) != len(splitter.kinds) + 1 or pieces[-1].strip():
        raise RuntimeError("Markdown output lost a block boundary.")
    blocks = []
    for kind, piece in zip(splitter.kinds, pieces[:-1], strict=True):
        html = sanitize_html(piece.strip(), profile="chapter")
        blocks.append(RenderedBlock(kind=kind, html=html, text=html_text(html)))
    return blocks


def _comment_markdown() -> markdown.Markdown:
    md = markdown.Markdown(
        output_format="html",
        # nl2br: a reader's Enter in the comment box is a line break, as they expect.
        extensions=[
            FencedCodeExtension(),
            SmartyExtension(),
            SaneListExtension(),
            Nl2BrExtension(),
        ],
    )
    _without_raw_html(md)
    # Headings, rules and images stay as the Markdown text that was typed.
    for name in ("hashheader", "setextheader", "hr"):
        md.parser.blockprocessors.deregister(name)
    for name in ("image_link", "image_reference", "short_image_ref"):
        md.inlinePatterns.deregister(name)
    return md


def render_comment(markdown_text: str) -> str:
    """Render a reader's comment: sanitised HTML, from a limited Markdown.

    Emphasis, links, inline code and code blocks, lists, block quotes, paragraphs
    and line breaks (a single newline is one). No headings (`# x` stays text), no
    tables, no images, no rules; raw HTML is escaped. Sanitised with the
    "comment" profile of `sanitize_html`.
    """
    if not markdown_text.strip():
        return ""
    nesting_check(markdown_text)
    return sanitize_html(_convert(_comment_markdown(), markdown_text), profile="comment")
