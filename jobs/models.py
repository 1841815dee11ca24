"""An export or import of a whole book, asked for in the admin and run as a task."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BookJob(models.Model):
    class Kind(models.TextChoices):
        EPUB = "epub", _("export as EPUB 3")
        HTML = "html", _("export as one HTML file")
        MARKDOWN = "markdown", _("export as Markdown files (zip)")
        BACKUP = "backup", _("full backup (JSON)")
        IMPORT = "import", _("import from a zip")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    book = models.ForeignKey(
        "chapters.Book", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The book an import goes into (made when missing), or the exported book's slug.
    book_slug = models.SlugField(_("book slug"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    archive_missing = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # Stored in the default storage under MEDIA_ROOT, which the site never serves:
    # a file is downloaded only through the admin, by who may see its job.
    upload = models.FileField(upload_to="jobs/uploads/", blank=True)
    result = models.FileField(upload_to="jobs/results/", blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # An import's outcome per chapter: [{"slug", "title", "action", "revision"}].
    outcome = models.JSONField(default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("book export or import")
        verbose_name_plural = _("book exports and imports")

    def __str__(self) -> str:
        return f"{self.book_slug}: {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
