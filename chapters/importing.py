"""Markdown chapters from a folder or a zip archive, read as untrusted input.

`import_book` and the admin's import both read through here, so both refuse the
same things with the same messages: an archive that is not a zip, encrypted or
oddly compressed entries, too many files, files bigger than the limits, text
that is not UTF-8 or holds a NUL character, empty files and two files that
would be the same chapter. Nothing is written until every file has been read.

The size limits count bytes as they are inflated, in chunks, and stop reading at
the limit: a zip entry's header can claim any size, so a small archive could
otherwise inflate to gigabytes in memory.
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chapters.services import ImportedFile

NUMBER_PREFIX = re.compile(r"^\d+[-_. ]*")
TITLE = re.compile(r"^# +(.+?)\s*#*\s*$", re.MULTILINE)

CHUNK = 64 * 1024
# Deflate is the only method that inflates a bounded amount per read; zip tools
# use it (or no compression) for text files.
COMPRESSIONS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


class ImportRefused(Exception):
    """The files cannot be imported; the message says why, for the person importing."""


@dataclass(frozen=True)
class Limits:
    total_bytes: int
    file_bytes: int
    files: int

    @classmethod
    def from_settings(cls, *, total_bytes: int | None = None) -> "Limits":
        total = settings.WETHINK_IMPORT_MAX_BYTES if total_bytes is None else total_bytes
        return cls(
            total_bytes=total,
            file_bytes=min(settings.WETHINK_IMPORT_MAX_FILE_BYTES, total),
            files=settings.WETHINK_IMPORT_MAX_FILES,
        )


def megabytes(size: int) -> str:
    return filesizeformat(size)


def chapter_slug(path: Path) -> str:
    """`03-concepts.md` -> `concepts`: renumbering files does not make new chapters."""
    return slugify(NUMBER_PREFIX.sub("", path.stem)) or slugify(path.stem)


def read_source(source: Path, *, limits: Limits | None = None) -> list[ImportedFile]:
    """A folder or a .zip of Markdown files, checked before anything is written."""
    if source.is_file() and source.suffix.lower() == ".zip":
        with source.open("rb") as handle:
            return read_zip(handle, limits=limits)
    return read_folder(source, limits=limits)


def _too_big(name: str, limits: Limits) -> ImportRefused:
    return ImportRefused(
        _("%(name)s is bigger than %(limit)s; nothing was imported.")
        % {"name": name, "limit": megabytes(limits.file_bytes)}
    )


def _too_much(limits: Limits) -> ImportRefused:
    return ImportRefused(
        _("The Markdown files add up to more than %(limit)s; nothing was imported.")
        % {"limit": megabytes(limits.total_bytes)}
    )


def _too_many(count: int, limits: Limits) -> ImportRefused:
    return ImportRefused(
        ngettext(
            "There is %(count)s Markdown file; at most %(limit)s can be imported at once.",
            "There are %(count)s Markdown files; at most %(limit)s can be imported at once.",
            count,
        )
        % {"count": count, "limit": limits.files}
    )


def read_zip(handle: BinaryIO, *, limits: Limits | None = None) -> list[ImportedFile]:
    """The `.md` files of a zip archive (at any depth; names must be unique), in
    file-name order."""
    limits = limits or Limits.from_settings()
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise ImportRefused(_("The file is not a zip archive.")) from None
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and info.filename.lower().endswith(".md")
            and not Path(info.filename).name.startswith(".")
            and "__MACOSX" not in info.filename
        ]
        if len(members) > limits.files:
            raise _too_many(len(members), limits)
        contents: dict[str, bytes] = {}
        total = 0
        for info in members:
            name = Path(info.filename).name
            if name in contents:
                raise ImportRefused(
                    _("Two files in the archive are called %(name)s.") % {"name": name}
                )
            if info.flag_bits & 0x1:
                raise ImportRefused(
                    _("%(name)s is encrypted; import an archive without a password.")
                    % {"name": name}
                )
            if info.compress_type not in COMPRESSIONS:
                raise ImportRefused(
                    _("%(name)s is compressed with an unsupported method; use a plain zip.")
                    % {"name": name}
                )
            # The declared size refuses an honest big file before any reading.
            if info.file_size > limits.file_bytes:
                raise _too_big(name, limits)
            if total + info.file_size > limits.total_bytes:
                raise _too_much(limits)
            contents[name] = _inflate(archive, info, name, limits, total)
            total += len(contents[name])
    return read_contents(contents, where=_("The archive"))


def _inflate(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits, total: int
) -> bytes:
    """One entry's bytes, counted as they are inflated and never past the limits."""
    parts, size = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limits.file_bytes:
                    raise _too_big(name, limits)
                if total + size > limits.total_bytes:
                    raise _too_much(limits)
                parts.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise ImportRefused(
            _("%(name)s is damaged in the archive; nothing was imported.") % {"name": name}
        ) from None
    except RuntimeError:
        # zipfile's "password required": an encryption flag only in the local header.
        raise ImportRefused(
            _("%(name)s is encrypted; import an archive without a password.") % {"name": name}
        ) from None
    return b"".join(parts)


def read_folder(folder: Path, *, limits: Limits | None = None) -> list[ImportedFile]:
    """Every `.md` file of `folder` in file-name order, checked before anything is written."""
    limits = limits or Limits.from_settings()
    if not folder.is_dir():
        raise ImportRefused(_("%(path)s is not a folder or a .zip file.") % {"path": folder})
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".md" and p.is_file())
    if len(paths) > limits.files:
        raise _too_many(len(paths), limits)
    contents: dict[str, bytes] = {}
    total = 0
    for path in paths:
        with path.open("rb") as handle:
            # One byte past the limit tells a file at the limit from one above it.
            data = handle.read(limits.file_bytes + 1)
        if len(data) > limits.file_bytes:
            raise _too_big(path.name, limits)
        total += len(data)
        if total > limits.total_bytes:
            raise _too_much(limits)
        contents[path.name] = data
    return read_contents(contents, where=str(folder))


def read_contents(contents: dict[str, bytes], *, where: str) -> list[ImportedFile]:
    if not contents:
        raise ImportRefused(_("%(where)s holds no .md files.") % {"where": where})
    files, seen = [], {}
    for name in sorted(contents):
        path = Path(name)
        try:
            text = contents[name].decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportRefused(
                _("%(name)s is not UTF-8 text (byte %(byte)s); nothing was imported.")
                % {"name": path.name, "byte": error.start}
            ) from None
        if "\x00" in text:
            raise ImportRefused(
                _("%(name)s holds a NUL character (byte %(byte)s); nothing was imported.")
                % {"name": path.name, "byte": contents[name].index(b"\x00")}
            )
        if not text.strip():
            raise ImportRefused(_("%(name)s is empty; nothing was imported.") % {"name": path.name})
        slug = chapter_slug(path)
        if not slug:
            raise ImportRefused(
                _("%(name)s: cannot make a chapter name from this file name.") % {"name": path.name}
            )
        if slug in seen:
            raise ImportRefused(
                _("%(name)s and %(other)s would both be chapter '%(slug)s'; rename one.")
                % {"name": path.name, "other": seen[slug], "slug": slug}
            )
        seen[slug] = path.name
        match = TITLE.search(text)
        title = match.group(1).strip() if match else NUMBER_PREFIX.sub("", path.stem)
        files.append(ImportedFile(slug=slug, title=title[:200], text=text))
    return files
