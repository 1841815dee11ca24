from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from chapters.diffing import words_diff
from chapters.importing import megabytes
from chapters.models import Book, Chapter, ChapterRevision
from chapters.opening import opening_schedule
from chapters.services import (
    RevisionConflict,
    chapter_create,
    chapters_lock,
    revision_base_check,
    text_normalize,
)
from comments.revising import chapter_revise
from jobs.models import BookJob
from jobs.services import admin_import_limit, job_export_create, job_import_create
from wethink.admin import ParsedInitialMixin
from wethink.rendering import render_chapter


class ChapterInline(admin.TabularInline):
    model = Chapter
    fields = ("position", "title", "slug", "status", "revision")
    readonly_fields = ("title", "slug", "revision")
    extra = 0
    show_change_link = True
    can_delete = False
    ordering = ("position", "id")

    def has_add_permission(self, request, obj=None) -> bool:
        # New chapters are added through the chapter form, so their text is rendered.
        return False


class BookImportForm(forms.Form):
    slug = forms.SlugField(label=_("Book slug"), help_text=_("An existing book or a new one."))
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    archive = forms.FileField(label=_("Zip of Markdown files, one per chapter"))
    archive_missing = forms.BooleanField(
        label=_("Archive chapters that have no file"), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["archive"].help_text = _(
            "At most %(limit)s, unpacked as well; import bigger books with the import_book command."
        ) % {"limit": megabytes(admin_import_limit())}

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        # Run inside this request (no worker), a bigger book would outlast the
        # server's timeout, so it is refused here and imported with `import_book`.
        limit = admin_import_limit()
        if archive.size > limit:
            raise ValidationError(
                _(
                    "The archive is %(size)s; the admin imports at most %(limit)s. "
                    "Import bigger books with the import_book command."
                ),
                params={"size": megabytes(archive.size), "limit": megabytes(limit)},
            )
        return archive


def _one_book(modeladmin, request, queryset) -> Book | None:
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Choose exactly one book to export."), messages.ERROR)
        return None
    return queryset.get()


def _export(modeladmin, request, queryset, *, kind: str, log: str):
    """Queues the export as a job (jobs/); with the worker the admin goes to the
    job's page, where the file can be downloaded when it is made. When tasks run
    in the request (`make run`) the file is the answer, as it is ready."""
    book = _one_book(modeladmin, request, queryset)
    if book is None:
        return None
    modeladmin.log_change(request, book, log)
    job = job_export_create(book=book, kind=kind, user=request.user)
    if job.status == BookJob.Status.DONE:
        with job.result.open("rb") as handle:
            response = HttpResponse(handle.read(), content_type=job.content_type)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=job.filename
        )
        return response
    if job.status == BookJob.Status.FAILED:
        modeladmin.message_user(request, job.error, messages.ERROR)
        return None
    modeladmin.message_user(
        request,
        _("The export of “%(b)s” is queued; its file will be listed here when it is made.")
        % {"b": book.title},
    )
    return HttpResponseRedirect(reverse("admin:jobs_bookjob_change", args=[job.pk]))


def _export_action(kind: str, description, log: str):
    """The admin action that queues an export of the selected book as `kind`."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        return _export(modeladmin, request, queryset, kind=kind, log=log)

    # Django names an action by its function's name: the form posts it.
    action.__name__ = f"export_{kind}_action"
    return action


EXPORT_ACTIONS = [
    _export_action(BookJob.Kind.EPUB, _("Export as EPUB 3"), "Exported as EPUB"),
    _export_action(BookJob.Kind.HTML, _("Export as one HTML file"), "Exported as HTML"),
    _export_action(
        BookJob.Kind.MARKDOWN, _("Export as Markdown files (zip)"), "Exported as Markdown"
    ),
    _export_action(BookJob.Kind.BACKUP, _("Download a full backup (JSON)"), "Backed up"),
]


@admin.register(Book)
class BookAdmin(ParsedInitialMixin, admin.ModelAdmin):
    change_list_template = "admin/chapters/book/change_list.html"
    actions = EXPORT_ACTIONS

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="chapters_book_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Import or re-import a book from a zip, as `import_book` does from a folder."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = BookImportForm(request.POST or None, request.FILES or None)
        outcomes = None
        if request.method == "POST" and form.is_valid():
            job = job_import_create(
                book_slug=form.cleaned_data["slug"],
                title=form.cleaned_data["title"],
                archive=form.cleaned_data["archive"],
                archive_missing=form.cleaned_data["archive_missing"],
                user=request.user,
            )
            if job.status == BookJob.Status.FAILED:
                form.add_error("archive", job.error)
            elif job.status == BookJob.Status.DONE:
                outcomes = job.outcome
                self.message_user(request, _("Imported into “%(b)s”.") % {"b": job.book.title})
            else:
                self.message_user(
                    request,
                    _("The import into “%(b)s” is queued; its outcome shows here.")
                    % {"b": job.book_slug},
                )
                return HttpResponseRedirect(reverse("admin:jobs_bookjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a book"),
            "form": form,
            "outcomes": outcomes,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/chapters/book/import.html", context)

    list_display = ("title", "slug", "status", "moderation", "comments_close_at")
    list_filter = ("status", "moderation")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("editors",)
    inlines = [ChapterInline]


class ChapterAdminForm(forms.ModelForm):
    message = forms.CharField(
        label=_("Revision message"),
        required=False,
        max_length=500,
        help_text=_("Say what changed; shown in the chapter's history."),
    )
    # The revision the text in the form was read from: a save based on an older
    # one than the newest is refused instead of undoing the newer one.
    base_revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    class Meta:
        model = Chapter
        fields = (
            "book",
            "position",
            "title",
            "slug",
            "status",
            "opens_at",
            "comment_period",
            "comments_close_at",
            "text",
            "message",
        )
        widgets = {"text": forms.Textarea(attrs={"rows": 30, "cols": 100})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "base_revision" in self.fields:
            # Read from the revisions: in the admin's recover view the instance
            # carries an old version's fields, revision number included.
            self.fields["base_revision"].initial = (
                ChapterRevision.objects.filter(chapter=self.instance)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or "text" not in cleaned or "base_revision" not in self.fields:
            return cleaned
        base = cleaned.get("base_revision")
        if base is None:
            raise ValidationError(
                _("The form lost the revision it was based on: open the chapter again.")
            )
        # The admin saves inside the request's transaction: locked here, the row
        # stays locked until save_model has made the revision, so the check holds.
        if transaction.get_connection().in_atomic_block:
            chapters_lock(chapters=[self.instance])
        try:
            revision_base_check(chapter=self.instance, base=base)
        except RevisionConflict as conflict:
            self._conflict(conflict, base=base, text=cleaned["text"])
        return cleaned

    def _conflict(self, conflict: RevisionConflict, *, base: int, text: str) -> None:
        """The refusal as an error on the text, with what differs from the newer
        revision; the form is then based on it, so saving again is a decision."""
        newer = conflict.newer
        if newer is None:
            self.add_error(None, conflict)
            return
        who = newer.editor.get_username() if newer.editor else _("someone")
        self.add_error(
            "text",
            ValidationError(
                format_html(
                    '{}<div class="conflict-diff">{}</div>',
                    _(
                        "%(who)s saved revision %(newer)s after this form was opened on "
                        "revision %(base)s. Nothing was saved and your text is kept below. "
                        "From revision %(newer)s to your text:"
                    )
                    % {"who": who, "newer": newer.number, "base": base},
                    words_diff(newer.text, text_normalize(text)),
                ),
                code="conflict",
            ),
        )
        data = self.data.copy()
        data[self.add_prefix("base_revision")] = str(newer.number)
        self.data = data

    def clean_text(self):
        text = self.cleaned_data["text"]
        # Rendered here so text the renderer refuses (lists nested too deep) is a
        # message on the field, not an error in save_model.
        render_chapter(text)
        return text


@admin.register(Chapter)
class ChapterAdmin(ParsedInitialMixin, VersionAdmin):
    """Chapter text is saved through `chapter_revise`, so each save renders the
    Markdown once, keeps paragraph ids and records one revision; recovering an old
    version in the history goes through the same function."""

    form = ChapterAdminForm
    list_display = ("title", "book", "position", "status", "opens_at", "comment_period", "revision")
    list_filter = ("book", "status", "comment_period")
    list_editable = ("position",)
    search_fields = ("title", "slug", "book__title")
    ordering = ("book", "position", "id")
    readonly_fields = ("revision",)
    prepopulated_fields = {"slug": ("title",)}
    list_select_related = ("book",)

    def save_model(self, request, obj, form, change) -> None:
        if "text" not in form.cleaned_data:
            # The change list's editable position: no text, so no revision.
            super().save_model(request, obj, form, change)
            return
        message = form.cleaned_data.get("message") or (
            _("Edited in the admin") if change else _("First draft")
        )
        if change:
            with transaction.atomic():
                opening_schedule(
                    chapter=obj,
                    previous_opens_at=Chapter.objects.filter(pk=obj.pk)
                    .values_list("opens_at", flat=True)
                    .first(),
                )
                revision = chapter_revise(
                    chapter=obj,
                    text=form.cleaned_data["text"],
                    title=form.cleaned_data["title"],
                    editor=request.user,
                    message=message,
                    base_revision=form.cleaned_data.get("base_revision"),
                )
            if revision is not None:
                self.message_user(
                    request, _("Saved as revision %(n)s.") % {"n": revision.number}, messages.INFO
                )
            return
        created = chapter_create(
            book=obj.book,
            title=obj.title,
            slug=obj.slug,
            text=form.cleaned_data["text"],
            position=obj.position or None,
            status=obj.status,
            opens_at=obj.opens_at,
            editor=request.user,
            message=message,
        )
        obj.pk = created.pk
        obj.revision = created.revision

    def save_related(self, request, form, formsets, change) -> None:
        # A chapter has no related objects edited here; the revision is already saved.
        return None


@admin.register(ChapterRevision)
class ChapterRevisionAdmin(ParsedInitialMixin, admin.ModelAdmin):
    list_display = ("chapter", "number", "editor", "message", "created_at")
    list_filter = ("chapter__book",)
    search_fields = ("chapter__title", "message")
    list_select_related = ("chapter", "editor")
    readonly_fields = [field.name for field in ChapterRevision._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
