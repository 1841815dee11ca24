import io
import json
import tempfile
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from chapters.backup import book_backup
from chapters.diffing import words_diff
from chapters.exporting import export_epub, export_html, export_markdown
from chapters.importing import ImportRefused, Limits, megabytes, read_zip
from chapters.models import Book, Chapter, ChapterRevision
from chapters.services import (
    RevisionConflict,
    book_import,
    chapter_create,
    chapter_revise,
    chapters_lock,
    revision_base_check,
    text_normalize,
)
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
        ) % {"limit": megabytes(settings.WETHINK_ADMIN_IMPORT_MAX_BYTES)}

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        # The import runs inside this request: a bigger book would outlast the
        # server's timeout, so it is refused here and imported with `import_book`.
        limit = settings.WETHINK_ADMIN_IMPORT_MAX_BYTES
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


def _download(content: bytes | str, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.action(description=_("Export as EPUB 3"))
def export_epub_action(modeladmin, request, queryset):
    book = _one_book(modeladmin, request, queryset)
    if book is not None:
        modeladmin.log_change(request, book, "Exported as EPUB")
        return _download(
            export_epub(book), name=f"{book.slug}.epub", content_type="application/epub+zip"
        )
    return None


@admin.action(description=_("Export as one HTML file"))
def export_html_action(modeladmin, request, queryset):
    book = _one_book(modeladmin, request, queryset)
    if book is not None:
        modeladmin.log_change(request, book, "Exported as HTML")
        return _download(
            export_html(book), name=f"{book.slug}.html", content_type="text/html; charset=utf-8"
        )
    return None


@admin.action(description=_("Export as Markdown files (zip)"))
def export_markdown_action(modeladmin, request, queryset):
    book = _one_book(modeladmin, request, queryset)
    if book is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        paths = export_markdown(book, Path(folder))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, arcname=path.name)
    modeladmin.log_change(request, book, "Exported as Markdown")
    return _download(buffer.getvalue(), name=f"{book.slug}.zip", content_type="application/zip")


@admin.action(description=_("Download a full backup (JSON)"))
def export_backup_action(modeladmin, request, queryset):
    book = _one_book(modeladmin, request, queryset)
    if book is None:
        return None
    modeladmin.log_change(request, book, "Backed up")
    data = json.dumps(book_backup(book=book), ensure_ascii=False, indent=1, sort_keys=True)
    return _download(data, name=f"{book.slug}-backup.json", content_type="application/json")


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    change_list_template = "admin/chapters/book/change_list.html"
    actions = [export_epub_action, export_html_action, export_markdown_action, export_backup_action]

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
            try:
                files = read_zip(
                    form.cleaned_data["archive"],
                    limits=Limits.from_settings(
                        total_bytes=settings.WETHINK_ADMIN_IMPORT_MAX_BYTES
                    ),
                )
                book, outcomes = book_import(
                    book_slug=form.cleaned_data["slug"],
                    title=form.cleaned_data["title"] or None,
                    files=files,
                    editor=request.user,
                    archive_missing=form.cleaned_data["archive_missing"],
                )
            except ImportRefused as error:
                form.add_error("archive", str(error))
            except ValidationError as error:
                form.add_error("archive", error.messages)
            else:
                self.log_change(request, book, f"Imported {len(files)} chapter files")
                self.message_user(request, _("Imported into “%(b)s”.") % {"b": book.title})
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
class ChapterAdmin(VersionAdmin):
    """Chapter text is saved through `chapter_revise`, so each save renders the
    Markdown once, keeps paragraph ids and records one revision; recovering an old
    version in the history goes through the same function."""

    form = ChapterAdminForm
    list_display = ("title", "book", "position", "status", "comment_period", "revision")
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
            editor=request.user,
            message=message,
        )
        obj.pk = created.pk
        obj.revision = created.revision

    def save_related(self, request, form, formsets, change) -> None:
        # A chapter has no related objects edited here; the revision is already saved.
        return None


@admin.register(ChapterRevision)
class ChapterRevisionAdmin(admin.ModelAdmin):
    list_display = ("chapter", "number", "editor", "message", "created_at")
    list_filter = ("chapter__book",)
    search_fields = ("chapter__title", "message")
    list_select_related = ("chapter", "editor")
    readonly_fields = [field.name for field in ChapterRevision._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
