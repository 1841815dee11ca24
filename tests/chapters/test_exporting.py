import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command

from chapters.exporting import export_epub, export_html
from chapters.models import Book, Chapter
from tests.conftest import CHAPTER_TEXT
from tests.factories import chapter_make

RICH = """# Rich chapter

## Tables and notes

| word | meaning |
| :--- | ---: |
| draft | not yet final |

A claim that needs a source.[^1]

---

- first
- second with a [link](https://example.org/)

```python
print("<not a tag>")
```

[^1]: The source, at last.
"""


@pytest.fixture
def exported_book(book, editor):
    chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps")
    chapter_make(book=book, text=RICH, slug="rich")
    hidden = chapter_make(book=book, text="# Hidden\n\nNot for export.", slug="hidden")
    Chapter.objects.filter(pk=hidden.pk).update(status=Chapter.Status.DRAFT)
    gone = chapter_make(book=book, text="# Gone\n\nArchived.", slug="gone")
    Chapter.objects.filter(pk=gone.pk).update(status=Chapter.Status.ARCHIVED)
    return book


def test_markdown_export_imports_back_as_the_same_chapters(exported_book, tmp_path):
    folder = tmp_path / "out"
    call_command(
        "export_book",
        exported_book.slug,
        "--format",
        "markdown",
        "--output",
        str(folder),
        stdout=StringIO(),
    )
    assert sorted(p.name for p in folder.iterdir()) == ["01-first-steps.md", "02-rich.md"]
    call_command("import_book", str(folder), "--book", "copy", stdout=StringIO())
    original = {
        c.slug: (c.title, c.text)
        for c in exported_book.chapters.exclude(slug__in=["hidden", "gone"])
    }
    copied = {c.slug: (c.title, c.text) for c in Book.objects.get(slug="copy").chapters.all()}
    assert copied == original
    with pytest.raises(CommandError, match="new or empty folder"):
        call_command(
            "export_book", exported_book.slug, "--format", "markdown", "--output", str(folder)
        )


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.tags = set(), [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "href" in attrs:
            self.hrefs.append(attrs["href"])


def test_html_export_has_contents_and_every_paragraph_anchor(exported_book):
    html = export_html(exported_book)
    parsed = Collector()
    parsed.feed(html)
    assert "script" not in parsed.tags
    chapters = exported_book.chapters.filter(slug__in=["first-steps", "rich"])
    for chapter in chapters:
        assert f"#chapter-{chapter.slug}" in parsed.hrefs
        for pid in chapter.current_revision.blocks.values_list("pid", flat=True):
            assert f"p-{pid}" in parsed.ids
    internal = [h[1:] for h in parsed.hrefs if h.startswith("#") and not h.startswith("#fn")]
    assert set(internal) <= parsed.ids
    assert "Not for export." not in html and "Archived." not in html
    assert "&lt;not a tag&gt;" in html


def test_epub_is_a_well_formed_epub3(exported_book):
    data = export_epub(exported_book)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/epub+zip"
        names = archive.namelist()
        assert "META-INF/container.xml" in names
        chapters = sorted(n for n in names if n.endswith(".xhtml") and "chapter-" in n)
        assert len(chapters) == 2
        nav = next(archive.read(n).decode() for n in names if n.endswith("nav.xhtml"))
        assert "First steps" in nav and "Rich chapter" in nav


@pytest.mark.skipif(
    not (shutil.which("epubcheck") and shutil.which("java")),
    reason="epubcheck is not installed (apt-get install epubcheck)",
)
def test_epub_passes_epubcheck(exported_book, tmp_path):
    path = tmp_path / "book.epub"
    call_command(
        "export_book",
        exported_book.slug,
        "--format",
        "epub",
        "--output",
        str(path),
        stdout=StringIO(),
    )
    # Debian installs epubcheck as the jar itself, so run it through java.
    result = subprocess.run(
        [shutil.which("java"), "-jar", shutil.which("epubcheck"), str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors or warnings detected." in result.stdout


def test_export_errors_are_clear(exported_book, tmp_path):
    with pytest.raises(CommandError, match="No book with slug 'nope'"):
        call_command(
            "export_book", "nope", "--format", "html", "--output", str(tmp_path / "x.html")
        )
    with pytest.raises(CommandError):
        call_command(
            "export_book", exported_book.slug, "--format", "pdf", "--output", str(tmp_path / "x")
        )
