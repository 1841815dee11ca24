from django.contrib import admin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from jobs.models import BookJob


@admin.register(BookJob)
class BookJobAdmin(admin.ModelAdmin):
    """Exports and imports asked for from the books' admin: their state, outcome
    and files. Read-only; staff see their own jobs, superusers everyone's (an
    export or full backup holds what only editors may read)."""

    list_display = ("created_at", "book_slug", "kind", "status", "requested_by", "download")
    list_filter = ("kind", "status")
    list_select_related = ("requested_by",)
    fields = (
        "kind",
        "status",
        "book_slug",
        "requested_by",
        "created_at",
        "finished_at",
        "download",
        "what_was_done",
        "error",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        jobs = super().get_queryset(request)
        if request.user.is_superuser:
            return jobs
        return jobs.filter(requested_by=request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        # Who may export or import books sees the jobs they asked for.
        return super().has_view_permission(request, obj) or request.user.has_perm(
            "chapters.change_book"
        )

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:job_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="jobs_bookjob_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("file"))
    def download(self, job: BookJob):
        if job.status != BookJob.Status.DONE or not job.result:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:jobs_bookjob_download", args=[job.pk]),
            job.filename,
        )

    @admin.display(description=_("what was done"))
    def what_was_done(self, job: BookJob):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {}{}</li>",
                (
                    (o["slug"], o["action"], f" r{o['revision']}" if o["revision"] else "")
                    for o in job.outcome
                ),
            ),
        )

    def download_view(self, request, job_id: int):
        if not self.has_view_permission(request):
            raise Http404
        job = get_object_or_404(self.get_queryset(request), pk=job_id)
        return job_file_response(job)


def job_file_response(job: BookJob) -> FileResponse:
    if job.status != BookJob.Status.DONE or not job.result:
        raise Http404
    return FileResponse(
        job.result.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=job.content_type,
    )
