"""A book out of the site: Markdown files, one HTML file, or an EPUB 3.

Only the chapters in the contents are exported (published, not archived), at
their current revision, in reading order. HTML comes from the stored, sanitised
blocks, so every paragraph keeps its `p-<pid>` anchor.
"""

import io
import uuid
from pathlib import Path

import lxml.html
from django.template.loader import render_to_string
from django.utils import timezone
from ebooklib import epub
from lxml import etree

from chapters.models import Block, Book, Chapter

EPUB_CSS = """
body { font-family: serif; line-height: 1.5; }
h1, h2, h3, h4 { font-family: sans-serif; line-height: 1.2; }
pre { white-space: pre-wrap; font-size: 0.85em; }
blockquote { margin-left: 1em; font-style: italic; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #ccc; padding: 0.2em 0.4em; }
"""


def book_chapters_for_export(book: Book) -> list[Chapter]:
    """The chapters a reader sees in the contents, each with `.export_blocks`. Two queries."""
    chapters = list(
        Chapter.objects.in_contents()
        .public()
        .filter(book=book, status=Chapter.Status.PUBLISHED)
        .select_related("current_revision")
        .order_by("position", "id")
    )
    blocks: dict[int, list[Block]] = {chapter.current_revision_id: [] for chapter in chapters}
    for block in Block.objects.filter(revision_id__in=list(blocks)).order_by("position"):
        blocks[block.revision_id].append(block)
    for chapter in chapters:
        chapter.export_blocks = blocks[chapter.current_revision_id]
    return chapters


def export_markdown(book: Book, folder: Path) -> list[Path]:
    """One `NN-<slug>.md` per chapter, which `import_book` reads back as the same chapters."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, chapter in enumerate(book_chapters_for_export(book), start=1):
        path = folder / f"{number:02d}-{chapter.slug}.md"
        path.write_text(chapter.current_revision.text, encoding="utf-8")
        written.append(path)
    return written


def _headings(chapter: Chapter) -> list[dict]:
    return [
        {"pid": block.pid, "text": block.text}
        for block in chapter.export_blocks
        if block.kind == "heading" and block.html.lstrip().startswith("<h2")
    ]


def export_html(book: Book) -> str:
    """One self-contained HTML document: contents, then every chapter."""
    chapters = book_chapters_for_export(book)
    for chapter in chapters:
        chapter.export_headings = _headings(chapter)
    return render_to_string(
        "chapters/book_export.html",
        {"book": book, "chapters": chapters, "exported_at": timezone.now()},
    )


def _xhtml(html: str) -> str:
    """Sanitised HTML as well-formed XHTML (void elements closed, entities resolved)."""
    fragments = lxml.html.fragments_fromstring(html or "<p></p>")
    parts = []
    for fragment in fragments:
        if isinstance(fragment, str):
            parts.append(etree.Element("span"))
            parts[-1].text = fragment
        else:
            parts.append(fragment)
    for part in parts:
        # EPUB's XHTML has no align attribute; tables carry their alignment as style.
        for element in part.iter():
            align = element.attrib.pop("align", None)
            if align in {"left", "center", "right"}:
                element.set("style", f"text-align: {align}")
    return "".join(etree.tostring(part, method="xml", encoding="unicode") for part in parts)


def _chapter_xhtml(chapter: Chapter) -> str:
    body = "".join(
        f'<div id="p-{block.pid}" class="block">{_xhtml(block.html)}</div>'
        for block in chapter.export_blocks
    )
    return f"<section>{body}</section>"


def export_epub(book: Book) -> bytes:
    """An EPUB 3: one XHTML document per chapter, a navigation document and an NCX."""
    chapters = book_chapters_for_export(book)
    publication = epub.EpubBook()
    revisions = ",".join(f"{c.slug}:{c.revision}" for c in chapters)
    publication.set_identifier(
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'wethink:{book.slug}:{revisions}')}"
    )
    publication.set_title(book.title)
    publication.set_language("en")
    editors = [
        user.get_full_name() or user.get_username() for user in book.editors.order_by("username")
    ]
    for name in editors or [book.title]:
        publication.add_author(name)
    if book.description:
        publication.add_metadata("DC", "description", book.description)
    style = epub.EpubItem(
        uid="style", file_name="style.css", media_type="text/css", content=EPUB_CSS
    )
    publication.add_item(style)
    documents = []
    for number, chapter in enumerate(chapters, start=1):
        document = epub.EpubHtml(
            title=chapter.title, file_name=f"chapter-{number:02d}.xhtml", lang="en"
        )
        document.content = _chapter_xhtml(chapter)
        document.add_item(style)
        publication.add_item(document)
        documents.append(document)
    publication.toc = documents
    publication.add_item(epub.EpubNcx())
    publication.add_item(epub.EpubNav())
    publication.spine = ["nav", *documents]
    buffer = io.BytesIO()
    epub.write_epub(buffer, publication, {"epub3_pages": False})
    return buffer.getvalue()
