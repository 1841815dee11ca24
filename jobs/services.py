"""Exports and imports of whole books as jobs: asked for in the admin, run by a
task (jobs/tasks.py), their file and outcome kept on the `BookJob`.

With the worker (WETHINK_TASKS=db) a job runs outside any web request, so a big
book is not bounded by the server's timeout; with the immediate backend
(`make run`, tests) it has run by the time `job_*_create` returns.
"""

import io
import json
import logging
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone
from django.utils.translation import gettext as _

from chapters.exporting import export_epub, export_html, export_markdown
from chapters.importing import ImportRefused, Limits, read_zip
from chapters.models import Book
from comments.revising import book_import
from jobs.backup import book_backup
from jobs.models import BookJob

log = logging.getLogger(__name__)

EXPORTS = {
    BookJob.Kind.EPUB: ("epub", "application/epub+zip"),
    BookJob.Kind.HTML: ("html", "text/html; charset=utf-8"),
    BookJob.Kind.MARKDOWN: ("zip", "application/zip"),
    BookJob.Kind.BACKUP: ("json", "application/json"),
}


def _enqueue(job: BookJob) -> BookJob:
    from jobs.tasks import run_book_job

    # Enqueued in the same transaction as the job when there is one: with the
    # database queue, both are stored or neither is.
    run_book_job.enqueue(job_id=job.pk)
    job.refresh_from_db()
    return job


def jobs_run_in_request() -> bool:
    """True when tasks run inside the request that asks for them (immediate backend)."""
    from jobs.tasks import run_book_job

    return isinstance(run_book_job.get_backend(), ImmediateBackend)


def admin_import_limit() -> int:
    """Bytes an admin import may inflate to. Run in the request, it must finish
    within the server's timeout; the worker has no such bound."""
    if jobs_run_in_request():
        return settings.WETHINK_ADMIN_IMPORT_MAX_BYTES
    return settings.WETHINK_IMPORT_MAX_BYTES


def job_export_create(*, book: Book, kind: str, user: AbstractBaseUser) -> BookJob:
    extension, content_type = EXPORTS[kind]
    suffix = "-backup" if kind == BookJob.Kind.BACKUP else ""
    job = BookJob(
        kind=kind,
        book=book,
        book_slug=book.slug,
        requested_by=user,
        filename=f"{book.slug}{suffix}.{extension}",
        content_type=content_type,
    )
    job.full_clean()
    job.save()
    return _enqueue(job)


def job_import_create(
    *, book_slug: str, title: str, archive, archive_missing: bool, user: AbstractBaseUser
) -> BookJob:
    """Keeps the uploaded zip and queues its import into `book_slug`."""
    job = BookJob(
        kind=BookJob.Kind.IMPORT,
        book_slug=book_slug,
        title=title,
        archive_missing=archive_missing,
        requested_by=user,
    )
    job.upload.save(f"{book_slug}.zip", archive, save=False)
    job.full_clean()
    job.save()
    return _enqueue(job)


def _export(job: BookJob) -> None:
    book = job.book
    if book is None:
        raise ValidationError(_("The book was deleted before it could be exported."))
    if job.kind == BookJob.Kind.EPUB:
        content = export_epub(book)
    elif job.kind == BookJob.Kind.HTML:
        content = export_html(book).encode()
    elif job.kind == BookJob.Kind.MARKDOWN:
        with tempfile.TemporaryDirectory() as folder:
            paths = export_markdown(book, Path(folder))
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in paths:
                    archive.write(path, arcname=path.name)
        content = buffer.getvalue()
    else:
        data = book_backup(book=book)
        content = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
    job.result.save(job.filename, ContentFile(content), save=False)


def _import(job: BookJob) -> None:
    with job.upload.open("rb") as handle:
        files = read_zip(handle, limits=Limits.from_settings(total_bytes=admin_import_limit()))
    with transaction.atomic():
        book, outcomes = book_import(
            book_slug=job.book_slug,
            title=job.title or None,
            files=files,
            editor=job.requested_by,
            archive_missing=job.archive_missing,
        )
        if job.requested_by_id is not None:
            LogEntry.objects.log_actions(
                user_id=job.requested_by_id,
                queryset=[book],
                action_flag=CHANGE,
                change_message=f"Imported {len(files)} chapter files",
                single_object=True,
            )
    job.book = book
    job.outcome = [
        {"slug": o.slug, "title": o.title, "action": o.action, "revision": o.revision}
        for o in outcomes
    ]


def job_run(*, job_id: int) -> BookJob | None:
    """Runs a queued job once: a job already taken (by another worker, or a
    retried task) is left alone. Refusals (a bad archive, a conflicting edit)
    are the job's error; anything else is logged and raised as well."""
    if not BookJob.objects.filter(pk=job_id, status=BookJob.Status.QUEUED).update(
        status=BookJob.Status.RUNNING
    ):
        return None
    job = BookJob.objects.select_related("book", "requested_by").get(pk=job_id)
    unexpected = None
    try:
        if job.kind == BookJob.Kind.IMPORT:
            _import(job)
        else:
            _export(job)
    except ImportRefused as error:
        job.status, job.error = BookJob.Status.FAILED, str(error)
    except ValidationError as error:
        job.status, job.error = BookJob.Status.FAILED, " ".join(error.messages)
    except Exception as error:
        log.exception("book job %s (%s of %s) failed", job.pk, job.kind, job.book_slug)
        job.status = BookJob.Status.FAILED
        job.error = _("The job failed; the server's log has the details.")
        unexpected = error
    else:
        job.status = BookJob.Status.DONE
    if job.kind == BookJob.Kind.IMPORT and job.upload:
        # The archive has been read: its outcome is what is kept.
        job.upload.delete(save=False)
    job.finished_at = timezone.now()
    job.save()
    if unexpected is not None:
        raise unexpected
    return job
